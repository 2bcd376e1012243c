"""Every background job of the project, run in a real django-q2 `qcluster` child process
on the database (ORM) broker, each asserting the job's effect; and a catalogue test that
fails when a job exists (a schedule, or a name queued with `enqueue`/`enqueue_once`/
`async_task`) without a case here."""

import ast
import datetime
import time

import django_q.conf
import pytest
from django_q.tasks import async_task

from concierge.schedules import OUR_APPS, declared_schedules
from tests import factories
from tests.peers import BIN, ROOT, child_env, start, stop

NOT_IN_A_CLUSTER = "NOT run through a real cluster by any test yet (left for later): "

CASES = {
    # Run by test_jobs_run_in_a_real_cluster_on_the_database_broker below.
    "concierge.jobs.send_notification_email": (
        "notify() a user: an e-mail file with the notification's subject appears and the "
        "notification gets emailed_at"
    ),
    "concierge.jobs.notify_overdue_tasks": (
        "an assigned task past promised_due_at: a TASK_OVERDUE Notification for the assignee"
    ),
    "concierge.jobs.auto_complete_deliveries": (
        "a task delivered AUTO_COMPLETE_DAYS+1 days ago becomes completed"
    ),
    "assistants.jobs.stop_runaway_timers": (
        "a timer running longer than TIMER_MAX_HOURS is stopped as needs_review, ended at "
        "started_at + the limit"
    ),
    # Covered elsewhere through a real cluster.
    "concierge.jobs.extend_recurring_task": (
        "tests/e2e/test_cluster_recurrence.py::"
        "test_a_real_worker_on_the_database_broker_extends_a_series_and_bounds_a_bad_one "
        "(ORM broker cluster, via the outbox runner)"
    ),
    "concierge.jobs.extend_recurring_tasks": (
        NOT_IN_A_CLUSTER + "only its per-series job extend_recurring_task runs in "
        "tests/e2e/test_cluster_recurrence.py; the fan-out itself does not"
    ),
    # Not yet run through a cluster.
    "concierge.jobs.outbox_sweep": NOT_IN_A_CLUSTER
    + "called in-process by tests/e2e/test_faults.py",
    "assistants.jobs.stop_timers_at_budget": NOT_IN_A_CLUSTER + "no cluster case written",
    "billing.jobs.close_periods": NOT_IN_A_CLUSTER + "no cluster case written",
    "billing.jobs.usage_alerts": (
        "a client on a monthly plan: the job queues a usage_alert_client outbox row for them"
    ),
    "billing.jobs.usage_alert_client": (
        "the row usage_alerts queued is run by the cluster: done, with no error"
    ),
    "billing.jobs.reconcile_payments": NOT_IN_A_CLUSTER + "needs the Stripe peer",
    "billing.stripe_jobs.pause_past_due_subscriptions": NOT_IN_A_CLUSTER + "needs the Stripe peer",
    "billing.stripe_jobs.anonymise_customer": NOT_IN_A_CLUSTER + "needs the Stripe peer",
    "billing.stripe_jobs.mirror_invoice": NOT_IN_A_CLUSTER + "needs the Stripe peer",
    "billing.stripe_jobs.collect_invoice": NOT_IN_A_CLUSTER + "needs the Stripe peer",
    "billing.stripe_jobs.retry_open_invoices": NOT_IN_A_CLUSTER + "needs the Stripe peer",
    "billing.notices.tell_invoice_issued": NOT_IN_A_CLUSTER + "no cluster case written",
    "billing.webhooks.process_trigger": NOT_IN_A_CLUSTER + "needs a stored Stripe event",
    "calendar_sync.jobs.refresh_all_subscriptions": NOT_IN_A_CLUSTER + "no cluster case written",
    "calendar_sync.jobs.refresh_subscription": NOT_IN_A_CLUSTER + "needs an ICS server peer",
    "calendar_sync.jobs.push_task": NOT_IN_A_CLUSTER + "needs a CalDAV server peer",
    "calendar_sync.jobs.push_account": NOT_IN_A_CLUSTER + "needs a CalDAV server peer",
}

# Run by the cluster test too, though no app code queues it (so it is in no catalogue):
# an e-mail file with the subject appears in EMAIL_FILE_PATH.
ALSO_RUN = {"concierge.jobs.send_email"}

QUEUEING = {"enqueue", "enqueue_once", "async_task"}


def queued_names():
    """Every string literal passed first to enqueue/enqueue_once/async_task in the apps'
    modules (not tests, not migrations)."""
    names = set()
    for label in OUR_APPS:
        for path in sorted((ROOT / label).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or "tests" in parts or path.name.startswith("test"):
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                first = node.args[0]
                if (
                    name in QUEUEING
                    and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                ):
                    names.add(first.value)
    return names


def test_every_job_has_a_case():
    scheduled = {declaration["func"] for declaration in declared_schedules()}
    queued = queued_names()
    assert "concierge.jobs.send_notification_email" in queued  # the scan sees calls
    catalogue = scheduled | queued
    assert catalogue - set(CASES) == set(), "jobs without a case"
    assert set(CASES) - catalogue == set(), "cases for jobs that do not exist"
    assert ALSO_RUN.isdisjoint(catalogue), "move it into CASES"


def wait_for(check, cluster, log, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not check():
        assert cluster.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"{what}: no effect\n{log.read_text()[-3000:]}"
        time.sleep(0.3)


@pytest.mark.django_db(transaction=True)
def test_jobs_run_in_a_real_cluster_on_the_database_broker(tmp_path, monkeypatch, settings):
    from assistants.models import TimeEntry, TimeEntryStatus
    from concierge.models import Notification, NotificationKind, OutboxJob, Task, TaskStatus
    from concierge.notifications import notify

    began = time.monotonic()
    monkeypatch.setattr(django_q.conf.Conf, "SYNC", False)
    monkeypatch.setattr(django_q.conf.Conf, "ORM", "default")
    mail = tmp_path / "mail"
    mail.mkdir()
    now = datetime.datetime.now(datetime.UTC)

    def mails():
        return "\n".join(p.read_text(errors="replace") for p in sorted(mail.iterdir()))

    user = factories.ClientFactory()
    assistant = factories.AssistantFactory()
    overdue = factories.TaskFactory(
        status=TaskStatus.ASSIGNED,
        assignee=assistant,
        promised_due_at=now - datetime.timedelta(hours=2),
    )
    delivered = factories.TaskFactory(
        status=TaskStatus.DELIVERED,
        assignee=factories.AssistantFactory(),
        delivered_at=now - datetime.timedelta(days=settings.AUTO_COMPLETE_DAYS + 1),
    )
    started = now - datetime.timedelta(hours=settings.TIMER_MAX_HOURS + 1)
    runaway = factories.TimeEntryFactory(
        started_at=started, ended_at=None, status=TimeEntryStatus.RUNNING
    )

    subscriber = factories.SubscriptionFactory(start_date=datetime.date(2025, 1, 1))

    log = tmp_path / "qcluster.log"
    cluster = start(
        [str(BIN / "python"), "manage.py", "qcluster"],
        env=child_env(
            DJANGO_DEBUG="1",
            REDIS_URL="",
            Q_WORKERS="2",
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail),
        ),
        log_path=log,
    )
    try:
        # concierge.jobs.send_email
        async_task("concierge.jobs.send_email", user.pk, "Catalogue hello", "From the queue")
        wait_for(lambda: "Catalogue hello" in mails(), cluster, log, "send_email")

        # concierge.jobs.send_notification_email
        note = notify(user_id=user.pk, subject="Catalogue notice", body="Read me")
        async_task("concierge.jobs.send_notification_email", note.pk)
        wait_for(
            lambda: Notification.objects.filter(pk=note.pk, emailed_at__isnull=False).exists(),
            cluster,
            log,
            "send_notification_email",
        )
        assert "Catalogue notice" in mails()
        assert mails().count("Subject: Catalogue notice") == 1, mails()

        # concierge.jobs.notify_overdue_tasks
        async_task("concierge.jobs.notify_overdue_tasks")
        wait_for(
            lambda: Notification.objects.filter(
                user=assistant, kind=NotificationKind.TASK_OVERDUE, data__task=overdue.pk
            ).exists(),
            cluster,
            log,
            "notify_overdue_tasks",
        )

        # concierge.jobs.auto_complete_deliveries
        async_task("concierge.jobs.auto_complete_deliveries")
        wait_for(
            lambda: Task.objects.get(pk=delivered.pk).status == TaskStatus.COMPLETED,
            cluster,
            log,
            "auto_complete_deliveries",
        )

        # assistants.jobs.stop_runaway_timers
        async_task("assistants.jobs.stop_runaway_timers")
        wait_for(
            lambda: TimeEntry.objects.get(pk=runaway.pk).ended_at is not None,
            cluster,
            log,
            "stop_runaway_timers",
        )
        entry = TimeEntry.objects.get(pk=runaway.pk)
        assert entry.status == TimeEntryStatus.NEEDS_REVIEW
        assert entry.ended_at == started + datetime.timedelta(hours=settings.TIMER_MAX_HOURS)

        # concierge.jobs.outbox_sweep
        lost = OutboxJob.objects.create(
            func="concierge.jobs.send_email",
            args=[user.pk, "Catalogue swept", "Lost by the broker"],
            kwargs={},
            dispatched_at=now - datetime.timedelta(hours=1),
        )
        async_task("concierge.jobs.outbox_sweep")
        wait_for(
            lambda: OutboxJob.objects.filter(pk=lost.pk, done_at__isnull=False).exists(),
            cluster,
            log,
            "outbox_sweep",
        )
        assert OutboxJob.objects.get(pk=lost.pk).last_error == ""
        assert "Catalogue swept" in mails()

        # billing.jobs.usage_alerts, then billing.jobs.usage_alert_client
        async_task("billing.jobs.usage_alerts")
        alerts = OutboxJob.objects.filter(
            func="billing.jobs.usage_alert_client", args=[subscriber.client_id]
        )
        wait_for(
            lambda: alerts.filter(done_at__isnull=False).exists(),
            cluster,
            log,
            "usage_alerts",
        )
        assert list(alerts.values_list("last_error", flat=True)) == [""]
    finally:
        stop(cluster)
        print(f"\njob catalogue cluster test: {time.monotonic() - began:.1f} s")
