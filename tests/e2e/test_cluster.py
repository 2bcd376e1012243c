"""One job through a real django-q2 cluster, on the Redis broker as in production."""

import os
import time

import django_q.conf
import pytest
from django.conf import settings
from django_q.tasks import async_task, result

from tests import factories
from tests.peers import BIN, child_env, start, stop

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_queued_email_job_runs_in_a_real_cluster(tmp_path, monkeypatch):
    assert "redis" in settings.Q_CLUSTER, "REDIS_URL is set, so the broker must be Redis"
    monkeypatch.setattr(django_q.conf.Conf, "SYNC", False)
    user = factories.ClientFactory()
    cluster = start(
        [str(BIN / "python"), "manage.py", "qcluster"],
        env=child_env(
            DJANGO_DEBUG="1",
            REDIS_URL=os.environ["REDIS_URL"],
            Q_WORKERS="1",
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        ),
        log_path=tmp_path / "qcluster.log",
    )
    try:
        job_id = async_task("concierge.jobs.send_email", user.id, "Hello", "From the queue")
        deadline = time.monotonic() + 60
        while (answer := result(job_id)) is None and time.monotonic() < deadline:
            assert cluster.poll() is None, (tmp_path / "qcluster.log").read_text()
            time.sleep(0.2)
    finally:
        stop(cluster)
    assert answer == 1, (tmp_path / "qcluster.log").read_text()[-2000:]
