"""`manage.py devserver [addr:port]`: the web server and a django-q2 worker together, as
`make run` starts them. Ctrl-C (or SIGTERM, or closing the terminal) stops both, with
every process they started.

Each child runs in its own session (its own process group) so that a terminal's Ctrl-C
reaches only this command, which then stops each child through its main process first:
signalling a django-q2 cluster's worker processes directly can leave its main process
waiting for them forever. Once a main process has exited (or after a grace period), what
is left of its group is stopped too: runserver's autoreloader runs the server in a child
that outlives a terminated parent, and a cluster's main process killed abruptly leaves
its workers running unsupervised.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

GRACE_SECONDS = 30


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def stop_children(children, grace: float = GRACE_SECONDS) -> None:
    """Terminate each child's main process, wait, then stop whatever remains of its
    process group: SIGTERM, then SIGKILL."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _signal_group(child.pid, signal.SIGKILL)
            child.wait()
    for signum in (signal.SIGTERM, signal.SIGKILL):
        left = [child.pid for child in children if _group_alive(child.pid)]
        for pgid in left:
            _signal_group(pgid, signum)
        until = time.monotonic() + 5
        while left and time.monotonic() < until:
            left = [pgid for pgid in left if _group_alive(pgid)]
            time.sleep(0.1)
        if not left:
            return


class Command(BaseCommand):
    help = "Run the development web server and a django-q2 worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        manage = [sys.executable, sys.argv[0]]
        self.stdout.write(
            self.style.SUCCESS(f"The portal: http://{addrport}/  (API docs: /api/docs/)")
        )
        children = [
            subprocess.Popen([*manage, "qcluster"], start_new_session=True),  # noqa: S603
            subprocess.Popen([*manage, "runserver", addrport], start_new_session=True),  # noqa: S603
        ]
        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        # Ctrl-C, a supervisor's stop, and a closed terminal (which would otherwise end
        # this command alone and leave its children running in their own sessions).
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)

        self.stdout.write("Stopping the web server and the worker...")
        stop_children(children)
