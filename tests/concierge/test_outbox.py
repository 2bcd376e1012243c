"""The job outbox (`concierge.platform.outbox`) and `Idempotency-Key` claims, without a cluster.

"The broker is down" here is a real Redis client pointed at a loopback port nobody
listens on: django-q2's `async_task` raises as it does in an outage.
"""

import datetime

import django_q.conf
import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from assistants.models import TimeEntry
from concierge import jobs
from concierge.models import IdempotencyRecord, OutboxJob
from concierge.platform import outbox
from tests import factories
from tests.peers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    monkeypatch.setattr(django_q.conf.Conf, "SYNC", False)
    monkeypatch.setattr(django_q.conf.Conf, "ORM", None)
    monkeypatch.setattr(django_q.conf.Conf, "REDIS", f"redis://127.0.0.1:{free_port()}/0")


def email_job(user):
    return outbox.enqueue("concierge.jobs.send_email", user.pk, "Hello", "Body")


def test_a_job_is_recorded_and_rolled_back_with_its_write(client_user, broker_down):
    with pytest.raises(RuntimeError), transaction.atomic():
        email_job(client_user)
        raise RuntimeError("the write fails")
    assert not OutboxJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_broker_down_the_write_succeeds_later_hooks_run_and_the_job_waits(broker_down):
    task = factories.TaskFactory(assignee=factories.AssistantFactory(), assigned_to=True)
    after = []
    with transaction.atomic():
        email_job(task.client)
        transaction.on_commit(lambda: after.append("ran"))
    assert after == ["ran"]  # a failed hand-over does not skip the hooks after it

    answer = factories_api(task.client).post(
        f"/api/v1/tasks/{task.pk}/messages/", {"body": "Still there?"}, format="json"
    )
    assert answer.status_code == 201
    waiting = OutboxJob.objects.filter(done_at__isnull=True, attempts=0)
    assert waiting.count() == 2 and mail.outbox == []


def factories_api(user):
    from rest_framework.test import APIClient

    from concierge import services

    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {services.token_issue(user=user).key}")
    return api


def test_a_job_runs_once_however_often_it_is_delivered(
    client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = email_job(client_user)  # handed over (and run inline) after commit
    job.refresh_from_db()
    assert job.done_at is not None and job.attempts == 1
    assert outbox.run_outbox_job(job.pk) is None  # a second delivery
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<job-{job.pk}@localhost>"


def test_work_handed_over_under_the_engines_old_paths_still_runs(client_user, broker_down):
    """The outbox engine lived in concierge.jobs: a task django-q2 still holds for
    `concierge.jobs.run_outbox_job`, and a schedule stored for `concierge.jobs.outbox_sweep`
    before `sync_schedules` ran, find the engine under those names; rows of the domain's
    jobs, stored by their paths in concierge.jobs, run as before."""
    from django.utils.module_loading import import_string

    job = email_job(client_user)
    assert job.func == "concierge.jobs.send_email"
    assert import_string("concierge.jobs.run_outbox_job")(job.pk) == 1
    assert len(mail.outbox) == 1 and OutboxJob.objects.get(pk=job.pk).is_done
    assert import_string("concierge.jobs.outbox_sweep") is outbox.outbox_sweep


def test_a_job_leased_by_a_worker_is_left_to_it(client_user, broker_down):
    job = email_job(client_user)
    OutboxJob.objects.filter(pk=job.pk).update(
        claimed_until=timezone.now() + datetime.timedelta(minutes=1)
    )
    assert outbox.run_outbox_job(job.pk) is None
    assert mail.outbox == [] and not OutboxJob.objects.get(pk=job.pk).is_done
    OutboxJob.objects.filter(pk=job.pk).update(claimed_until=timezone.now())  # lease ran out
    assert outbox.run_outbox_job(job.pk) == 1 and len(mail.outbox) == 1


def test_a_failing_job_backs_off_keeps_its_error_and_stops_after_max_attempts(
    client_user, broker_down, settings
):
    job = outbox.enqueue("concierge.jobs.no_such_job", client_user.pk)
    with pytest.raises(ImportError):
        outbox.run_outbox_job(job.pk)
    job.refresh_from_db()
    assert job.attempts == 1 and "no_such_job" in job.last_error and job.done_at is None
    assert job.claimed_until > timezone.now() + datetime.timedelta(seconds=50)
    later = timezone.now() + datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS)
    assert outbox.outbox_sweep(now=later) == 0  # broker down: nothing handed, nothing lost
    OutboxJob.objects.filter(pk=job.pk).update(attempts=settings.OUTBOX_MAX_ATTEMPTS)
    assert not _due_ids(now=later + datetime.timedelta(days=1))


def _due_ids(now):
    handed = []
    original = outbox.dispatch
    outbox.dispatch = lambda job_id: handed.append(job_id) or True
    try:
        outbox.outbox_sweep(now=now)
    finally:
        outbox.dispatch = original
    return handed


def test_the_sweep_hands_over_what_waited_long_enough_and_forgets_old_done_jobs(
    client_user, broker_down, settings
):
    now = timezone.now()
    waited = email_job(client_user)
    fresh = email_job(client_user)
    done = email_job(client_user)
    leased = email_job(client_user)
    old = now - datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS + 1)
    OutboxJob.objects.filter(pk__in=[waited.pk, done.pk, leased.pk]).update(dispatched_at=old)
    OutboxJob.objects.filter(pk=done.pk).update(done_at=now - datetime.timedelta(days=30))
    OutboxJob.objects.filter(pk=leased.pk).update(claimed_until=now + datetime.timedelta(60))
    assert _due_ids(now) == [waited.pk]
    assert OutboxJob.objects.get(pk=waited.pk).dispatched_at == now
    assert _due_ids(now) == []  # just handed over: not again before its time
    assert not OutboxJob.objects.filter(pk=done.pk).exists()
    assert OutboxJob.objects.filter(pk=fresh.pk, done_at__isnull=True).exists()


def test_the_sweep_runs_what_the_broker_lost(client_user, broker_down, monkeypatch, settings):
    job = email_job(client_user)
    monkeypatch.setattr(django_q.conf.Conf, "SYNC", True)  # the broker is back
    later = timezone.now() + datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS)
    assert outbox.outbox_sweep(now=later) == 1
    assert OutboxJob.objects.get(pk=job.pk).is_done and len(mail.outbox) == 1
    assert outbox.outbox_sweep(now=later + datetime.timedelta(hours=1)) == 0


# Idempotency-Key -------------------------------------------------------------------------

ENTRIES = "/api/v1/time-entries/"
# One request, repeated: the same body every time.
START = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3)


def _entry(api, task, key, start=START):
    return api.post(
        ENTRIES,
        {
            "task": task.pk,
            "started_at": start.isoformat(),
            "ended_at": (start + datetime.timedelta(hours=1)).isoformat(),
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.fixture
def assigned(assistant_user, client_user):
    # A subscriber: billable time needs a plan or an hour pack behind it.
    factories.SubscriptionFactory(client=client_user, start_date=datetime.date(2025, 1, 1))
    return factories.TaskFactory(client=client_user, assignee=assistant_user, assigned_to=True)


def test_a_failed_keyed_request_leaves_no_claim_and_the_retry_does_the_work(
    assistant_api, assigned, monkeypatch
):
    from assistants import services

    real = services.time_entry_create

    def fails_after_the_write(**kwargs):
        real(**kwargs)
        raise RuntimeError("the worker fails after the entry was written")

    monkeypatch.setattr(services, "time_entry_create", fails_after_the_write)
    assistant_api.raise_request_exception = False
    assert _entry(assistant_api, assigned, "k-fail").status_code == 500
    assert not TimeEntry.objects.exists() and not IdempotencyRecord.objects.exists()
    monkeypatch.setattr(services, "time_entry_create", real)
    first = _entry(assistant_api, assigned, "k-fail")
    again = _entry(assistant_api, assigned, "k-fail")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and first.json() == again.json()
    assert TimeEntry.objects.count() == 1


def test_a_claim_left_in_progress_expires(assistant_api, assistant_user, assigned, settings):
    first = _entry(assistant_api, assigned, "k-stale")
    record = IdempotencyRecord.objects.get(key="k-stale")
    TimeEntry.objects.all().delete()  # as if the first request had died before its work
    record.status_code = 0
    record.body = None
    record.save()
    in_use = _entry(assistant_api, assigned, "k-stale")
    assert in_use.status_code == 409 and in_use.json()["code"] == "idempotency_key_in_use"
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now()
        - datetime.timedelta(seconds=settings.IDEMPOTENCY_CLAIM_SECONDS + 1)
    )
    retried = _entry(assistant_api, assigned, "k-stale")
    assert first.status_code == retried.status_code == 201
    assert TimeEntry.objects.count() == 1
    assert _entry(assistant_api, assigned, "k-stale").json() == retried.json()


def test_an_operator_runs_a_failed_job_again_from_the_admin(
    client_user, manager_user, broker_down, monkeypatch, settings, client
):
    job = email_job(client_user)
    done = email_job(client_user)
    OutboxJob.objects.filter(pk=job.pk).update(
        attempts=settings.OUTBOX_MAX_ATTEMPTS, last_error="SMTP refused"
    )
    OutboxJob.objects.filter(pk=done.pk).update(done_at=timezone.now())
    manager_user.is_staff = manager_user.is_superuser = True
    manager_user.save()
    client.force_login(manager_user)
    monkeypatch.setattr(django_q.conf.Conf, "SYNC", True)  # the broker is back
    answer = client.post(
        "/admin/concierge/outboxjob/",
        {"action": "hand_over_again", "_selected_action": [job.pk, done.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    assert "1 job(s) handed to the job runner." in answer.content.decode()
    job.refresh_from_db()
    assert job.is_done and job.attempts == 1 and len(mail.outbox) == 1


def test_a_notification_e_mail_is_keyed_by_the_notification(
    client_user, django_capture_on_commit_callbacks
):
    from concierge.models import Notification
    from concierge.notifications import notify

    with django_capture_on_commit_callbacks(execute=True):
        notify(user_id=client_user.pk, subject="Hello", body="Once")
    (notification,) = Notification.objects.filter(user=client_user)
    (job,) = OutboxJob.objects.filter(func="concierge.jobs.send_notification_email")
    assert job.is_done and outbox.run_outbox_job(job.pk) is None  # a repeated delivery
    assert jobs.send_notification_email(notification.pk) == 0  # the job itself, once more
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == (
        f"<notification-{notification.pk}@localhost>"
    )
