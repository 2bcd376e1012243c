"""A gunicorn worker killed mid-request: its `Idempotency-Key` never wedges.

The request is held at a known point by a lock the test takes on the time-entry table
(PostgreSQL shows the request waiting in `pg_stat_activity`), then its worker is
SIGKILLed. About 8 s.
"""

import datetime
import os
import signal
import threading
import time
from pathlib import Path

import psycopg
import pytest
import requests
from django.db import connection
from django.utils import timezone

from assistants.models import TimeEntry
from concierge import services
from concierge.models import IdempotencyRecord
from tests import factories, peers
from tests.peers import BIN, child_env, free_port, start, stop, wait_until_up

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def worker_pids(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_a_keyed_request_whose_worker_dies_replays_its_result_on_retry(tmp_path):
    port = free_port()
    server = start(
        [str(BIN / "gunicorn"), "concierge.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "1"],
        env=child_env(DJANGO_DEBUG="0"),
        log_path=tmp_path / "gunicorn.log",
    )
    base = f"http://127.0.0.1:{port}"
    assistant = factories.AssistantFactory()
    task = factories.TaskFactory(assignee=assistant, assigned_to=True)
    # A subscriber: billable time needs a plan or an hour pack behind it.
    factories.SubscriptionFactory(client=task.client, start_date=datetime.date(2025, 1, 1))
    token = services.token_issue(user=assistant).key
    start_at = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3)
    payload = {
        "task": task.pk,
        "started_at": start_at.isoformat(),
        "ended_at": (start_at + datetime.timedelta(hours=1)).isoformat(),
    }
    headers = {"Authorization": f"Token {token}", "Idempotency-Key": "entry-1"}

    def post():
        return requests.post(
            f"{base}/api/v1/time-entries/", json=payload, headers=headers, timeout=20
        )

    try:
        wait_until_up(f"{base}/healthz", process=server)
        (worker,) = worker_pids(server.pid)
        outcome = []
        with psycopg.connect(peers.test_database_url(), autocommit=False) as blocker:
            blocker.execute("LOCK TABLE assistants_timeentry IN ACCESS EXCLUSIVE MODE")
            thread = threading.Thread(target=lambda: outcome.append(_quietly(post)))
            thread.start()
            deadline = time.monotonic() + 20
            while not _waiting_on_a_lock(blocker, connection.settings_dict["NAME"]):
                assert time.monotonic() < deadline, "the request never reached the lock"
                time.sleep(0.05)
            os.kill(worker, signal.SIGKILL)  # the worker holding the request
            thread.join(timeout=20)
            blocker.rollback()
        assert outcome and not isinstance(outcome[0], requests.Response)  # no answer
        deadline = time.monotonic() + 20
        while True:
            try:
                retried = post()
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        replayed = post()
    finally:
        stop(server)
    assert retried.status_code == 201, retried.text
    assert replayed.status_code == 201 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == retried.json()
    assert TimeEntry.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="entry-1").status_code == 201


def _quietly(call):
    try:
        return call()
    except requests.RequestException as exc:
        return exc


def _waiting_on_a_lock(blocker, database):
    blocker.execute("SELECT pg_stat_clear_snapshot()")  # fresh figures inside a transaction
    row = blocker.execute(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = %s AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        [database],
    ).fetchone()
    return row[0] > 0
