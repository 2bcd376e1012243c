"""Benchmark: a 20 MB file uploaded and downloaded through gunicorn, on local storage;
prints the time of each and the peak memory of the web process while it ran.

Starts, on loopback and in a temporary directory: a SQLite database (migrated), the files'
folder (DJANGO_MEDIA_ROOT), and gunicorn with one sync worker, as production runs it
(debug off). A client uploads a PDF of `--megabytes` (multipart, through the API), then
downloads it back; each is repeated `--rounds` times. Before each, the worker's peak
resident memory (VmHWM) is reset (/proc/<pid>/clear_refs); after it, read again: how much
the worker grew above its resting size while it received or sent the file. The upload is
written to a temporary file as it arrives and moved into storage; the download is
streamed from disk, so neither should grow with the file's size.

    .venv/bin/python bench/attachments.py
    .venv/bin/python bench/attachments.py --megabytes 20 --rounds 5
"""

import argparse
import contextlib
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kib(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def reset_peak(pid):
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM back to the current RSS


def worker_of(master, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise TimeoutError("no gunicorn worker")


def pdf_of(size):
    """A PDF header, `size` bytes of noise in a comment-free stream, and a trailer."""
    head = b"%PDF-1.4\n1 0 obj<</Length " + str(size).encode() + b">>stream\n"
    tail = b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    return head + os.urandom(size - len(head) - len(tail)) + tail


def seed(env):
    """A client with a task, through the ORM of this process (same database)."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from concierge.models import Role, Task, TaskStatus, User
    from concierge.services import token_issue

    client = User.objects.create_user(email="c@bench.test", password=None, role=Role.CLIENT)
    task = Task.objects.create(client=client, title="Errand", status=TaskStatus.NEW)
    return token_issue(user=client).key, task.pk


def main():
    args = arguments()
    size = args.megabytes * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-attachments-") as tmp:
        directory = Path(tmp)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "concierge.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"sqlite:///{directory / 'bench.sqlite3'}",
            "DJANGO_MEDIA_ROOT": str(directory / "media"),
            "ATTACHMENT_MAX_BYTES": str(size + 1024 * 1024),
            "ATTACHMENT_TASK_MAX_BYTES": str(size * (args.rounds + 1)),
        }
        token, task_id = seed(env)
        port = free_port()
        log = open(directory / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
        web = subprocess.Popen(  # noqa: S603 - fixed arguments
            [str(BIN / "gunicorn"), "concierge.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            run(args, size, port, token, task_id, web.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=20)
            log.close()


def run(args, size, port, token, task_id, master):
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Token {token}"}
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        if time.monotonic() > deadline:
            raise TimeoutError("gunicorn did not start")
        time.sleep(0.2)
    worker = worker_of(master)
    # Warm up: the code paths loaded once, so the figures are of the file alone.
    small = pdf_of(64 * 1024)
    warm = requests.post(
        f"{base}/api/v1/tasks/{task_id}/attachments/",
        headers=headers,
        files={"file": ("warm.pdf", small, "application/pdf")},
        timeout=60,
    )
    warm.raise_for_status()
    requests.get(warm.json()["download_url"], headers=headers, timeout=60).raise_for_status()
    resting = kib(worker, "VmRSS")
    body = pdf_of(size)
    ups, downs, up_peaks, down_peaks = [], [], [], []
    for _ in range(args.rounds):
        reset_peak(worker)
        before = kib(worker, "VmRSS")
        started = time.perf_counter()
        answer = requests.post(
            f"{base}/api/v1/tasks/{task_id}/attachments/",
            headers=headers,
            files={"file": ("big.pdf", body, "application/pdf")},
            timeout=120,
        )
        ups.append(time.perf_counter() - started)
        answer.raise_for_status()
        assert answer.json()["size"] == size, answer.json()
        up_peaks.append(kib(worker, "VmHWM") - before)

        reset_peak(worker)
        before = kib(worker, "VmRSS")
        started = time.perf_counter()
        received = 0
        with requests.get(
            answer.json()["download_url"] + "?download=1", headers=headers, stream=True, timeout=120
        ) as download:
            download.raise_for_status()
            for chunk in download.iter_content(1024 * 1024):
                received += len(chunk)
        downs.append(time.perf_counter() - started)
        assert received == size, received
        down_peaks.append(kib(worker, "VmHWM") - before)

    megabytes = size / (1024 * 1024)
    print(f"file: {megabytes:.0f} MB PDF, {args.rounds} rounds, 1 gunicorn sync worker, SQLite")
    print(f"worker resting size: {resting / 1024:.1f} MB resident")
    for name, times, peaks in (("upload", ups, up_peaks), ("download", downs, down_peaks)):
        median = statistics.median(times)
        print(
            f"{name:>8}: median {median * 1000:.0f} ms ({megabytes / median:.0f} MB/s), "
            f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; "
            f"worker peak above resting: median {statistics.median(peaks) / 1024:.1f} MB, "
            f"max {max(peaks) / 1024:.1f} MB"
        )


if __name__ == "__main__":
    main()
