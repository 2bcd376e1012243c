"""`manage.py devserver [addr:port]`: the web server and a django-q2 worker together, as
`make run` starts them. Ctrl-C (or SIGTERM) stops both.

Each child runs in its own session so that a terminal's Ctrl-C reaches only this command,
which then stops the worker through its main process: signalling a django-q2 cluster's
worker processes directly can leave its main process waiting for them forever.
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the development web server and a django-q2 worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        manage = [sys.executable, sys.argv[0]]
        children = [
            subprocess.Popen([*manage, "qcluster"], start_new_session=True),  # noqa: S603
            subprocess.Popen([*manage, "runserver", addrport], start_new_session=True),  # noqa: S603
        ]
        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)

        self.stdout.write("Stopping the web server and the worker...")
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
