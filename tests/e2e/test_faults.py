"""Fault injection: the broker and the job runner die, nothing recorded with a write is
lost, and nothing is done twice.

Each test starts its own `redis-server` (no persistence, a free loopback port, a
temporary directory) and its own qcluster processes, and kills them with SIGKILL, as a
crash would. The test process's own django-q2 broker is pointed at that server. About
25 s in all on this machine.
"""

import datetime
import email
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import django_q.conf
import pytest
import redis
from django.utils import timezone
from rest_framework.test import APIClient

from billing.models import HourPack, Invoice
from concierge import services
from concierge.models import OutboxJob
from concierge.platform import outbox
from tests import factories
from tests.calendar_sync.conftest import RADICALE_PASSWORD, RADICALE_USER
from tests.calendar_sync.test_caldav import make_calendar, remote_events
from tests.peers import BIN, child_env, free_port, kill_group, start, stop

pytestmark = [pytest.mark.redis_server, pytest.mark.django_db(transaction=True)]

WAIT = 45  # seconds: the most any wait below may take before the test fails


class RedisServer:
    """A redis-server of this test's own, killed and restarted at will (empty: no RDB, no
    AOF, as a Redis without persistence comes back after a crash)."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        binary = "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                binary or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        connection = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                connection.ping()
                return
            except redis.ConnectionError:
                assert self.process.poll() is None, "redis-server exited"
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def queued(self):
        return redis.Redis(port=self.port).llen("django_q:concierge:q")


@pytest.fixture
def redis_server(tmp_path, monkeypatch):
    """Our own Redis, and the test process's django-q2 broker pointed at it."""
    server = RedisServer(tmp_path)
    server.start()
    monkeypatch.setattr(django_q.conf.Conf, "SYNC", False)
    monkeypatch.setattr(django_q.conf.Conf, "ORM", None)
    monkeypatch.setattr(django_q.conf.Conf, "REDIS", server.url)
    yield server
    if server.process.poll() is None:
        server.kill()


def cluster(tmp_path, redis_server, name, **env):
    """A qcluster on our Redis, in a process group of its own; e-mails go to files."""
    return start(
        [str(BIN / "python"), "manage.py", "qcluster"],
        env=child_env(
            **{
                "DJANGO_DEBUG": "1",
                "REDIS_URL": redis_server.url,
                "Q_WORKERS": "1",
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(tmp_path / "mail"),
                "ALLOW_PRIVATE_FETCH": "1",
                "OUTBOX_LEASE_SECONDS": "2",
                **env,
            }
        ),
        log_path=tmp_path / f"{name}.log",
        new_session=True,
    )


def mails(tmp_path):
    """Every message the file backend wrote: [(subject, body, Message-ID)]."""
    found = []
    for path in sorted((tmp_path / "mail").glob("*.log")) if (tmp_path / "mail").exists() else ():
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip())
                found.append((message["Subject"], message.get_payload(), message["Message-ID"]))
    return found


def wait_for(condition, *, processes, what, logs):
    deadline = time.monotonic() + WAIT
    while not condition():
        for process in processes:
            assert process.poll() is None, "\n".join(p.read_text()[-3000:] for p in logs)
        assert time.monotonic() < deadline, f"{what}\n" + "\n".join(
            p.read_text()[-3000:] for p in logs
        )
        time.sleep(0.2)


def api_for(user):
    """An API client that answers a crash as the 500 a real client would see."""
    api = APIClient(raise_request_exception=False)
    token = services.token_issue(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def pending():
    return OutboxJob.objects.filter(done_at__isnull=True)


def test_writes_during_a_broker_outage_succeed_and_every_job_runs_once_after(
    tmp_path, redis_server, radicale, settings
):
    settings.OUTBOX_REDISPATCH_SECONDS = 0  # the sweep below hands over what is waiting
    assistant = factories.AssistantFactory()
    client = factories.ClientFactory()
    client.client_profile.primary_assistant = assistant
    client.client_profile.save()
    as_client = api_for(client)
    workers = cluster(tmp_path, redis_server, "qcluster")
    logs = [tmp_path / "qcluster.log"]
    make_calendar(radicale)
    try:
        linked = as_client.post(
            "/api/v1/calendar/caldav-accounts/",
            {
                "url": radicale,
                "username": RADICALE_USER,
                "password": RADICALE_PASSWORD,
                "calendar": "Tasks",
            },
            format="json",
        )
        assert linked.status_code == 201, linked.content
        due = (timezone.now() + datetime.timedelta(days=7)).isoformat()

        def write(n):
            task = as_client.post(
                "/api/v1/tasks/",
                {"title": f"Errand {n}", "requested_due_at": due, "estimate_minutes": 60},
                format="json",
            )
            message = as_client.post(
                f"/api/v1/tasks/{task.json()['id']}/messages/", {"body": f"Note {n}"}
            )
            return [task.status_code, message.status_code]

        before = [write(n) for n in range(2)]
        wait_for(
            lambda: not pending().exists(),
            processes=[workers],
            what="jobs of the writes before the outage",
            logs=logs,
        )
        redis_server.kill()
        during = [write(n) for n in range(2, 5)]
        assert not outbox.dispatch(pending().first().pk)  # the broker is really down
        redis_server.start()  # empty: everything queued before is gone
        assert redis_server.queued() == 0
        handed = outbox.outbox_sweep()
        wait_for(
            lambda: not pending().exists(),
            processes=[workers],
            what="jobs recorded during the outage",
            logs=logs,
        )
        # A second sweep (a repeated schedule) finds nothing left to hand over.
        assert outbox.outbox_sweep() == 0
        time.sleep(1)
    finally:
        stop(workers)

    assert before == [[201, 201]] * 2 and during == [[201, 201]] * 3
    # 3 writes, each with (assignment e-mail, message e-mail, calendar push) were waiting.
    assert handed >= 9
    sent = mails(tmp_path)
    expected = [f"New task for you: Errand {n}" for n in range(5)]
    expected += [f"New message on Errand {n}" for n in range(5)]
    subjects = Counter(subject for subject, _, _ in sent)
    assert subjects == Counter(expected), subjects
    assert len({message_id for _, _, message_id in sent}) == len(sent) == 10
    # Every push ran exactly once, and radicale holds one event per errand.
    pushes = OutboxJob.objects.filter(func="calendar_sync.jobs.push_task")
    assert pushes.count() == 5 and set(pushes.values_list("attempts", flat=True)) == {1}
    summaries = Counter(str(event["SUMMARY"]) for event in remote_events(radicale).values())
    assert all(summaries[f"Due: Errand {n}"] == 1 for n in range(5)), summaries


class SilentSmtpServer:
    """A TCP server that accepts connections and never answers: an e-mail job that
    reaches it hangs until its worker is killed."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.connections = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)
            self.accepted.set()

    def close(self):
        self.sock.close()
        for connection in self.connections:
            connection.close()


def test_a_qcluster_killed_mid_job_loses_nothing(tmp_path, redis_server, settings):
    settings.OUTBOX_REDISPATCH_SECONDS = 0
    assistant = factories.AssistantFactory()
    task = factories.TaskFactory(assignee=assistant, assigned_to=True)
    smtp = SilentSmtpServer()
    first = cluster(
        tmp_path,
        redis_server,
        "first",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
    )
    logs = [tmp_path / "first.log"]
    try:
        answer = api_for(task.client).post(
            f"/api/v1/tasks/{task.pk}/messages/", {"body": "Are the tickets booked?"}
        )
        assert answer.status_code == 201
        assert smtp.accepted.wait(WAIT), (tmp_path / "first.log").read_text()[-3000:]
    finally:
        kill_group(first)  # the main process and its workers, mid-job
        smtp.close()
    (job,) = OutboxJob.objects.filter(func="concierge.jobs.send_notification_email")
    assert job.done_at is None and job.attempts == 1  # taken, never finished
    assert redis_server.queued() == 0  # popped without acknowledgement: gone from Redis

    second = cluster(tmp_path, redis_server, "second")
    logs.append(tmp_path / "second.log")
    try:
        time.sleep(2.1)  # the dead worker's lease (OUTBOX_LEASE_SECONDS) runs out
        assert outbox.outbox_sweep() == 1
        wait_for(
            lambda: mails(tmp_path),
            processes=[second],
            what="the e-mail after the restart",
            logs=logs,
        )
        time.sleep(1)
    finally:
        stop(second)
    job.refresh_from_db()
    assert job.done_at is not None and job.attempts == 2
    assert [(s, b) for s, b, _ in mails(tmp_path)] == [
        (f"New message on {task.title}", "Are the tickets booked?")
    ]


def test_a_keyed_pack_purchase_during_an_outage_buys_one_pack(redis_server, settings):
    settings.STRIPE_ENABLED = True  # a finalised invoice queues its Stripe mirror
    client = factories.ClientFactory()
    as_client = api_for(client)
    redis_server.kill()
    answers = [
        as_client.post("/api/v1/packs/", {"minutes": 300}, HTTP_IDEMPOTENCY_KEY="buy-300-once")
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[2]["Idempotent-Replayed"] == "true"
    assert HourPack.objects.filter(client=client).count() == 1
    assert Invoice.objects.filter(client=client).count() == 1
    (mirror,) = OutboxJob.objects.filter(func="billing.stripe_jobs.mirror_invoice")
    assert mirror.args == [Invoice.objects.get(client=client).pk] and mirror.done_at is None
