"""Fault run: clients write while the broker, the job runner and a web worker are killed;
prints what clients saw and the jobs expected against the jobs run.

Starts, on loopback and in a temporary directory: a `redis-server` of its own (no
persistence), gunicorn (2 workers) and a qcluster (2 workers) on the test database of the
PostgreSQL URL given (built with the migrations the first time; `--keep` keeps it).
Client threads post messages on their tasks (each message e-mails the assistant) for
`--seconds`; meanwhile Redis is SIGKILLed for 10 s and restarted empty, the whole
qcluster is SIGKILLed and restarted, and one gunicorn worker is SIGKILLed. Then the
outbox sweep runs (as its schedule would) until nothing is pending, and the e-mails
written by the file backend are counted against the messages saved.

    .venv/bin/python bench/faults.py postgres://postgres@127.0.0.1:5432/concierge_bench
"""

import argparse
import collections
import contextlib
import email
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
SECRET = "fault-run-only-secret-key"  # noqa: S105 - a throwaway run's signing key
REDIS_SERVER = "/usr/bin/redis-server"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the test database")
    args = parser.parse_args()
    if not (args.database_url or "").startswith(("postgres://", "postgresql://")):
        parser.error("a PostgreSQL DATABASE_URL is required (argument or environment)")
    return args


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    def __init__(self, directory, env):
        self.directory, self.env, self.running = directory, env, {}

    def start(self, name, args, **extra):
        log = open(self.directory / f"{name}.log", "ab")  # noqa: SIM115 - closed on stop
        self.running[name] = subprocess.Popen(  # noqa: S603 - fixed arguments
            args,
            cwd=ROOT,
            env={**self.env, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self.running[name]

    def kill(self, name):
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self):
        for name, process in list(self.running.items()):
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
            self.kill(name)


def wait_for(check, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.2)


def redis_up(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def http_up(base):
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def seed(clients):
    from assistants.models import AssistantProfile
    from concierge.models import Role, Task, TaskStatus, User
    from concierge.services import token_issue

    stamp = int(time.time())
    seeded = []
    for i in range(clients):
        assistant = User.objects.create_user(
            email=f"a{i}-{stamp}@fault.test", password=None, role=Role.ASSISTANT
        )
        AssistantProfile.objects.get_or_create(user=assistant)
        client = User.objects.create_user(
            email=f"c{i}-{stamp}@fault.test", password=None, role=Role.CLIENT
        )
        task = Task.objects.create(
            client=client, assignee=assistant, title=f"Errand {i}", status=TaskStatus.ASSIGNED
        )
        seeded.append((token_issue(user=client).key, task.pk))
    return seeded


def load(base, token, task_id, until, tally, lock):
    http = requests.Session()
    n = 0
    while time.monotonic() < until:
        n += 1
        try:
            answer = http.post(
                f"{base}/api/v1/tasks/{task_id}/messages/",
                json={"body": f"fault-run message {task_id}-{n}"},
                headers={"Authorization": f"Token {token}"},
                timeout=30,
            )
            outcome = answer.status_code
        except requests.RequestException as exc:
            outcome = type(exc).__name__
        with lock:
            tally[outcome] += 1
        time.sleep(0.05)


def mails(directory):
    found = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip())
                found.append((message["Message-ID"], message.get_payload().strip()))
    return found


def main():
    args = arguments()
    os.environ.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="concierge.settings",
        DJANGO_SECRET_KEY=SECRET,
        OUTBOX_REDISPATCH_SECONDS="0",
        MFA_REQUIRED_ROLES="",  # its people sign in with a password or token alone
    )
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=1, keepdb=True)
    from django.conf import settings

    directory = Path(tempfile.mkdtemp(prefix="fault-run-"))
    mail_dir = directory / "mail"
    redis_port, web_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    import django_q.conf

    django_q.conf.Conf.ORM, django_q.conf.Conf.REDIS = None, redis_url
    django_q.conf.Conf.SYNC = False
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DATABASE_URL": (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{test_db}"
        ),
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "OUTBOX_LEASE_SECONDS": "10",
        "Q_WORKERS": "2",
        "PYTHONUNBUFFERED": "1",
    }
    procs = Processes(directory, env)
    redis_args = [REDIS_SERVER, "--port", str(redis_port), "--bind", "127.0.0.1"]
    redis_args += ["--save", "", "--appendonly", "no", "--dir", str(directory)]
    tally, lock = collections.Counter(), threading.Lock()
    try:
        procs.start("redis", redis_args)
        wait_for(lambda: redis_up(redis_port), "redis-server")
        base = f"http://127.0.0.1:{web_port}"
        gunicorn = [str(BIN / "gunicorn"), "concierge.wsgi", "-b", f"127.0.0.1:{web_port}"]
        web = procs.start("web", [*gunicorn, "--workers", "2", "--timeout", "30"])
        procs.start("qcluster", [str(BIN / "python"), "manage.py", "qcluster"])
        wait_for(lambda: http_up(base), "gunicorn")
        seeded = seed(args.clients)
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=load, args=(base, token, task_id, until, tally, lock))
            for token, task_id in seeded
        ]
        for thread in threads:
            thread.start()
        time.sleep(args.seconds * 0.15)
        procs.kill("redis")
        print("redis-server killed (SIGKILL), 10 s outage")
        time.sleep(10)
        procs.start("redis", redis_args)
        wait_for(lambda: redis_up(redis_port), "redis-server")
        print("redis-server restarted empty")
        time.sleep(args.seconds * 0.1)
        procs.kill("qcluster")
        print("qcluster killed (SIGKILL, whole process group)")
        time.sleep(2)
        procs.start("qcluster", [str(BIN / "python"), "manage.py", "qcluster"])
        children = Path(f"/proc/{web.pid}/task/{web.pid}/children").read_text().split()
        os.kill(int(children[0]), signal.SIGKILL)
        print(f"gunicorn worker {children[0]} killed (SIGKILL)")
        for thread in threads:
            thread.join()

        from concierge.models import Message, OutboxJob
        from concierge.platform import outbox

        settings.OUTBOX_REDISPATCH_SECONDS = 0
        started = time.monotonic()
        handed = 0
        while OutboxJob.objects.filter(done_at__isnull=True).exists():
            if time.monotonic() - started > 180:
                break
            handed += outbox.outbox_sweep()
            time.sleep(5)
        time.sleep(2)
        task_ids = [task_id for _, task_id in seeded]
        saved = Message.objects.filter(task_id__in=task_ids).count()
        sent = mails(mail_dir) if mail_dir.exists() else []
        bodies = collections.Counter(body for _, body in sent)
        ran = OutboxJob.objects.filter(func="concierge.jobs.send_notification_email").exclude(
            done_at__isnull=True
        )
        attempts = collections.Counter(
            OutboxJob.objects.filter(func="concierge.jobs.send_notification_email").values_list(
                "attempts", flat=True
            )
        )
        print()
        print(f"requests                         {sum(tally.values())}")
        print(f"answers seen by clients          {dict(sorted(tally.items(), key=str))}")
        print(f"messages saved                   {saved}")
        print(f"e-mail jobs recorded             {attempts.total()}")
        print(f"e-mail jobs done                 {ran.count()}")
        print(f"jobs handed over by the sweep    {handed}")
        print(f"e-mails expected (one a message) {saved}")
        print(f"e-mails sent                     {len(sent)}")
        print(f"distinct messages e-mailed       {len(bodies)}")
        print(f"messages e-mailed twice or more  {sum(1 for c in bodies.values() if c > 1)}")
        print(f"distinct Message-IDs             {len({mid for mid, _ in sent})}")
        print(f"attempts per job                 {dict(sorted(attempts.items()))}")
        print(f"logs in                          {directory}")
    finally:
        procs.stop_all()
        if not args.keep:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
