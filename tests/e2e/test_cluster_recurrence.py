"""Recurring tasks through a real django-q2 cluster on the database broker (`make run`'s):
its workers are daemonic processes, where the bounded expansion must still work."""

import datetime
import time

import django_q.conf
import pytest

from concierge.models import OutboxJob, Task
from concierge.platform.outbox import enqueue
from tests import factories
from tests.peers import BIN, child_env, start, stop

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_real_worker_on_the_database_broker_extends_a_series_and_bounds_a_bad_one(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(django_q.conf.Conf, "SYNC", False)
    monkeypatch.setattr(django_q.conf.Conf, "ORM", "default")
    now = datetime.datetime.now(datetime.UTC)
    good = factories.TaskFactory(recurrence="FREQ=DAILY", requested_due_at=now)
    factories.SubscriptionFactory(client=good.client, start_date=datetime.date(2025, 1, 1))
    # Stored as it could have been before rules were checked: it never occurs.
    bad = factories.TaskFactory(
        client=good.client,
        recurrence="FREQ=HOURLY;BYYEARDAY=366;BYMONTHDAY=1",
        requested_due_at=now,
    )
    log = tmp_path / "qcluster.log"
    cluster = start(
        [str(BIN / "python"), "manage.py", "qcluster"],
        env=child_env(DJANGO_DEBUG="1", REDIS_URL="", Q_WORKERS="1"),
        log_path=log,
    )
    try:
        jobs = [enqueue("concierge.jobs.extend_recurring_task", task.pk) for task in (good, bad)]
        deadline = time.monotonic() + 90
        while OutboxJob.objects.filter(pk__in=[j.pk for j in jobs], done_at__isnull=True).exists():
            assert cluster.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.3)
    finally:
        stop(cluster)
    errors = list(
        OutboxJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list("last_error", flat=True)
    )
    assert errors == ["", ""], errors
    assert Task.objects.filter(recurrence_parent=good).count() >= 2
    assert not Task.objects.filter(recurrence_parent=bad).exists()
