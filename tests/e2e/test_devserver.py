"""`make run`'s `manage.py devserver`: Ctrl-C, or closing its terminal, stops every
process it started. About 20 s."""

import os
import signal
import time
from pathlib import Path

import pytest

from tests.peers import BIN, child_env, free_port, kill_group, start, wait_until_up

pytestmark = pytest.mark.django_db(transaction=True)


def descendants(pid):
    """Every live process below `pid` (read from /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["ctrl-c", "hangup"])
def test_ctrl_c_stops_the_web_server_the_worker_and_their_children(tmp_path, signum):
    port = free_port()
    started = []
    devserver = start(
        [str(BIN / "python"), "manage.py", "devserver", f"127.0.0.1:{port}"],
        env=child_env(DJANGO_DEBUG="1", Q_WORKERS="1"),
        log_path=tmp_path / "devserver.log",
        new_session=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process=devserver)
        deadline = time.monotonic() + 30
        # runserver's reloader and its server, qcluster and its worker processes
        while len(started := descendants(devserver.pid)) < 5:
            assert time.monotonic() < deadline, started
            time.sleep(0.2)
        os.kill(devserver.pid, signum)  # a terminal's Ctrl-C, or the terminal closed
        devserver.wait(timeout=60)
        deadline = time.monotonic() + 10
        while (left := [pid for pid in started if alive(pid)]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert left == [], (tmp_path / "devserver.log").read_text()[-3000:]
    finally:
        kill_group(devserver)
        for pid in started:  # never leave a process behind, even when the test fails
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
