"""Outside processes the tests start on loopback: helpers to find a port, wait for a
server, and point a child process at the test database; and `race`, which runs calls at
the same instant on their own database connections."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port():
    """A loopback port nothing listens on (the kernel's choice, released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def race(*calls):
    """Run the calls at the same instant, each in its own thread and database connection
    (tests marked `django_db(transaction=True)`), and return what each returned or raised,
    in the order of the calls."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:  # returned to the test, which asserts on it
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def wait_until_up(url, *, timeout=30.0, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def test_database_url():
    """A DATABASE_URL for the database the tests are using right now."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def child_env(**extra):
    """The environment of a server process sharing the test database (not under pytest,
    so it runs with production-like settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="concierge.settings",
        # The same key as this process: django-q2 signs the jobs it queues with it.
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=test_database_url(),
        PYTHONUNBUFFERED="1",
        # Served over plain HTTP on loopback (no TLS proxy in front); throttles loose
        # enough for CI's back-to-back runs sharing one Redis (tests/concierge/
        # test_sessions.py covers them).
        DJANGO_SECURE_SSL_REDIRECT="0",
        THROTTLE_LOGIN_RATE="1000/min",
        THROTTLE_REGISTER_RATE="1000/min",
        THROTTLE_LOGIN_ACCOUNT_RATE="1000/min",
        THROTTLE_EMAIL_RATE="1000/min",
        THROTTLE_EMAIL_ACCOUNT_RATE="1000/min",
        THROTTLE_LINK_RATE="1000/min",
        # The suite's people sign in with a password alone and at once (tests/accounts
        # cover the second factor and verification).
        MFA_REQUIRED_ROLES="",
        ACCOUNT_EMAIL_VERIFICATION="optional",
    )
    env.update(extra)
    return env


def start(args, *, env, log_path, new_session=False):
    """Start a server process; `new_session` puts it and its children in a process group
    of their own (`kill_group`)."""
    log = open(log_path, "wb")  # noqa: SIM115 - closed by stop()
    process = subprocess.Popen(  # noqa: S603 - our own binaries, fixed arguments
        args,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=new_session,
    )
    process.log = log
    return process


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.log.close()


def kill_group(process):
    """SIGKILL a process started with `new_session` and every process of its group, as a
    crash or an out-of-memory kill would: nothing gets to clean up."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    process.log.close()
