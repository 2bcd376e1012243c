"""Every background job of the project, run in a real django-q2 `qcluster` child process
(a daemonic worker, as in production), each asserting the job's effect, with the real peers
it talks to (localstripe, radicale, an ICS server on loopback); and a catalogue test that
fails when a job exists (a schedule, or a name queued with `enqueue`/`enqueue_once`/
`async_task`) without a case here.

The clusters use the database (ORM) broker, `make run`'s; the first test runs on Redis too,
production's broker, when REDIS_URL is set (CI). Each cluster reads a queue of its own
(Q_CLUSTER_NAME), so clusters of parallel test processes sharing one Redis never take each
other's jobs."""

import ast
import contextlib
import datetime
import json
import os
import time
import uuid
from decimal import Decimal

import django_q.conf
import pytest
from django_q.tasks import async_task

from concierge.schedules import OUR_APPS, declared_schedules
from tests import factories
from tests.calendar_sync.conftest import (  # noqa: F401 - fixtures
    RADICALE_PASSWORD,
    RADICALE_USER,
    ics_server,
    radicale,
)
from tests.peers import BIN, ROOT, child_env, start, stop
from tests.stripe_peer import (  # noqa: F401 - a fixture
    CARD_DECLINED_ON_CHARGE,
    CARD_OK,
    SECRET_KEY,
    card_payment_method,
    localstripe,
)

CASES = {
    # Run by test_jobs_run_in_a_real_cluster (database broker, and Redis when REDIS_URL is set).
    "concierge.jobs.send_email": "an e-mail file with the subject appears in EMAIL_FILE_PATH",
    "concierge.accounts.jobs.send_to_address": (
        "an e-mail to an address that is no person's (the old one after an e-mail change): "
        "its file appears in EMAIL_FILE_PATH"
    ),
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
    "concierge.platform.outbox.outbox_sweep": (
        "an outbox row handed to a broker that lost it is handed over again and done"
    ),
    "billing.jobs.usage_alerts": (
        "a client on a monthly plan: the job queues a usage_alert_client outbox row for them"
    ),
    "billing.jobs.usage_alert_client": (
        "the row usage_alerts queued is run by the cluster: done, with no error"
    ),
    # Run by test_domain_and_calendar_jobs_run_in_a_real_cluster (database broker).
    "concierge.jobs.extend_recurring_tasks": (
        "the fan-out queues one extend_recurring_task per series; the series gains occurrences"
    ),
    "concierge.jobs.extend_recurring_task": (
        "run from the fan-out's rows; also tests/e2e/test_cluster_recurrence.py (a rule that "
        "never occurs is bounded in a daemonic worker)"
    ),
    "assistants.jobs.stop_timers_at_budget": (
        "a billable timer past its task's max_minutes is stopped at started_at + the budget"
    ),
    "billing.jobs.close_periods": (
        "a subscription since last month: last month is closed, its invoice issued"
    ),
    "billing.jobs.month_summaries": (
        "after close_periods: the client with last month's invoice is queued a "
        "month_summary_client outbox row"
    ),
    "billing.jobs.month_summary_client": (
        "run from that row: a MONTH_SUMMARY notification and its e-mail, 'Your month in "
        "summary: YYYY-MM'"
    ),
    "billing.notices.tell_invoice_issued": (
        "queued by the close: the client's INVOICE_ISSUED notification and its e-mail"
    ),
    "billing.notices.remind_overdue_invoices": (
        "the closed invoice 8 days past its due date: one reminder recorded, its e-mail sent"
    ),
    "calendar_sync.jobs.refresh_all_subscriptions": (
        "an outside ICS calendar served on loopback: the fan-out queues its refresh"
    ),
    "calendar_sync.jobs.refresh_subscription": (
        "the queued refresh fetches the feed: status ok, its event stored as busy time"
    ),
    "calendar_sync.jobs.push_account": (
        "linking a radicale calendar queues it: the client's dated task is on the server"
    ),
    "calendar_sync.jobs.push_task": (
        "renaming the task queues it: the server's event carries the new title"
    ),
    # Run by test_stripe_jobs_run_in_a_real_cluster (database broker, localstripe).
    "billing.stripe_jobs.mirror_invoice": (
        "an open invoice of a client with a card: mirrored to Stripe, charged, paid"
    ),
    "billing.jobs.reconcile_payments": (
        "an invoice finalised long ago and never mirrored: its mirror is queued, it is paid"
    ),
    "billing.stripe_jobs.collect_invoice": (
        "an invoice mirrored but never charged: charged once, paid"
    ),
    "billing.stripe_jobs.retry_open_invoices": (
        "a declined invoice, then a good card: charged again, paid, the subscription active"
    ),
    "billing.stripe_jobs.pause_past_due_subscriptions": (
        "a subscription past due for longer than BILLING_GRACE_DAYS is paused"
    ),
    "billing.stripe_jobs.anonymise_customer": (
        "the Stripe customer of an erased person keeps no e-mail or name"
    ),
    "billing.webhooks.process_trigger": (
        "a stored invoice.paid delivery for an invoice Stripe has paid: the invoice is paid"
    ),
    "billing.stripe_jobs.settle_credit_note": (
        "a credit note on the paid mirrored invoice: refunded once on its charge, settled"
    ),
    "billing.notices.tell_credit_note_issued": (
        "that credit note: its client's notification naming it (the e-mail carries its PDF)"
    ),
}

# Jobs with a case that no schedule or app module has to name: the mail job is queued by
# code that sends a one-off message, and the cluster test runs it either way.
RUN_EVEN_UNNAMED = {"concierge.jobs.send_email"}

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
    assert set(CASES) - catalogue - RUN_EVEN_UNNAMED == set(), "cases for jobs that do not exist"


class Cluster:
    """A `manage.py qcluster` child process; `wait_for` polls for a job's effect."""

    def __init__(self, process, log):
        self.process, self.log = process, log

    def wait_for(self, check, what, timeout=90):
        deadline = time.monotonic() + timeout
        while not check():
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"{what}: no effect\n{self.log.read_text()[-3000:]}"
            time.sleep(0.3)


@contextlib.contextmanager
def real_cluster(tmp_path, monkeypatch, *, broker="orm", **env):
    """Start a cluster on `broker` ("orm" or "redis"), with its own queue, and point this
    process's `async_task` (and so the outbox) at the same queue; stop it on leaving."""
    queue = f"catalogue-{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(django_q.conf.Conf, "SYNC", False)
    monkeypatch.setattr(django_q.conf.Conf, "CLUSTER_NAME", queue)
    if broker == "orm":
        monkeypatch.setattr(django_q.conf.Conf, "ORM", "default")
        redis_url = ""
    else:
        assert django_q.conf.Conf.REDIS, "REDIS_URL is set, so the broker must be Redis"
        monkeypatch.setattr(django_q.conf.Conf, "ORM", None)
        redis_url = os.environ["REDIS_URL"]
    log = tmp_path / "qcluster.log"
    process = start(
        [str(BIN / "python"), "manage.py", "qcluster"],
        env=child_env(
            DJANGO_DEBUG="1",
            REDIS_URL=redis_url,
            Q_CLUSTER_NAME=queue,
            Q_WORKERS="2",
            **env,
        ),
        log_path=log,
    )
    began = time.monotonic()
    try:
        yield Cluster(process, log)
    finally:
        stop(process)
        print(f"\n{broker} cluster: {time.monotonic() - began:.1f} s")


def mailbox(tmp_path):
    """A folder for the file e-mail backend, and a function reading every message in it."""
    folder = tmp_path / "mail"
    folder.mkdir()

    def read():
        return "\n".join(p.read_text(errors="replace") for p in sorted(folder.iterdir()))

    return folder, read


BROKERS = pytest.mark.parametrize("broker", ["orm", pytest.param("redis", marks=pytest.mark.redis)])


@pytest.mark.django_db(transaction=True)
@BROKERS
def test_jobs_run_in_a_real_cluster(broker, tmp_path, monkeypatch, settings):
    from assistants.models import TimeEntry, TimeEntryStatus
    from concierge.models import Notification, NotificationKind, OutboxJob, Task, TaskStatus
    from concierge.notifications import notify

    folder, mails = mailbox(tmp_path)
    now = datetime.datetime.now(datetime.UTC)
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

    with real_cluster(
        tmp_path,
        monkeypatch,
        broker=broker,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(folder),
    ) as cluster:
        # concierge.jobs.send_email
        async_task("concierge.jobs.send_email", user.pk, "Catalogue hello", "From the queue")
        cluster.wait_for(lambda: "Catalogue hello" in mails(), "send_email")

        # concierge.accounts.jobs.send_to_address
        async_task(
            "concierge.accounts.jobs.send_to_address", "old@example.test", "Catalogue moved", "Bye"
        )
        cluster.wait_for(lambda: "Catalogue moved" in mails(), "send_to_address")
        assert "To: old@example.test" in mails()

        # concierge.jobs.send_notification_email
        note = notify(user_id=user.pk, subject="Catalogue notice", body="Read me")
        async_task("concierge.jobs.send_notification_email", note.pk)
        cluster.wait_for(
            lambda: Notification.objects.filter(pk=note.pk, emailed_at__isnull=False).exists(),
            "send_notification_email",
        )
        assert mails().count("Subject: Catalogue notice") == 1, mails()

        # concierge.jobs.notify_overdue_tasks
        async_task("concierge.jobs.notify_overdue_tasks")
        cluster.wait_for(
            lambda: Notification.objects.filter(
                user=assistant, kind=NotificationKind.TASK_OVERDUE, data__task=overdue.pk
            ).exists(),
            "notify_overdue_tasks",
        )

        # concierge.jobs.auto_complete_deliveries
        async_task("concierge.jobs.auto_complete_deliveries")
        cluster.wait_for(
            lambda: Task.objects.get(pk=delivered.pk).status == TaskStatus.COMPLETED,
            "auto_complete_deliveries",
        )

        # assistants.jobs.stop_runaway_timers
        async_task("assistants.jobs.stop_runaway_timers")
        cluster.wait_for(
            lambda: TimeEntry.objects.get(pk=runaway.pk).ended_at is not None,
            "stop_runaway_timers",
        )
        entry = TimeEntry.objects.get(pk=runaway.pk)
        assert entry.status == TimeEntryStatus.NEEDS_REVIEW
        assert entry.ended_at == started + datetime.timedelta(hours=settings.TIMER_MAX_HOURS)

        # concierge.platform.outbox.outbox_sweep
        lost = OutboxJob.objects.create(
            func="concierge.jobs.send_email",
            args=[user.pk, "Catalogue swept", "Lost by the broker"],
            kwargs={},
            dispatched_at=now - datetime.timedelta(hours=1),
        )
        async_task("concierge.platform.outbox.outbox_sweep")
        cluster.wait_for(
            lambda: OutboxJob.objects.filter(pk=lost.pk, done_at__isnull=False).exists(),
            "outbox_sweep",
        )
        assert OutboxJob.objects.get(pk=lost.pk).last_error == ""
        assert "Catalogue swept" in mails()

        # billing.jobs.usage_alerts, then billing.jobs.usage_alert_client
        async_task("billing.jobs.usage_alerts")
        alerts = OutboxJob.objects.filter(
            func="billing.jobs.usage_alert_client", args=[subscriber.client_id]
        )
        cluster.wait_for(lambda: alerts.filter(done_at__isnull=False).exists(), "usage_alerts")
        assert list(alerts.values_list("last_error", flat=True)) == [""]


NEVER_OCCURS = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Catalogue//EN",
        "BEGIN:VEVENT",
        "UID:never",
        "DTSTAMP:20260101T000000Z",
        "DTSTART:20260101T000000Z",
        "DTEND:20260101T010000Z",
        "RRULE:FREQ=HOURLY;BYYEARDAY=366;BYMONTHDAY=1",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)


def vcal_with_one_event(starts_at):
    stamp = starts_at.strftime("%Y%m%dT%H%M%SZ")
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Catalogue//EN",
            "BEGIN:VEVENT",
            "UID:catalogue-busy",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{stamp}",
            "DURATION:PT1H",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


@pytest.mark.django_db(transaction=True)
@BROKERS
def test_domain_and_calendar_jobs_run_in_a_real_cluster(
    broker,
    tmp_path,
    monkeypatch,
    ics_server,  # noqa: F811
    radicale,  # noqa: F811
):
    import caldav

    from assistants.models import TimeEntry, TimeEntryStatus
    from billing import periods
    from billing.models import Invoice
    from calendar_sync import services as calendar_services
    from calendar_sync.models import FetchStatus, IcsSubscription
    from concierge.models import Notification, NotificationKind, OutboxJob, Task

    folder, mails = mailbox(tmp_path)
    now = datetime.datetime.now(datetime.UTC)
    last_month = periods.last_ended_period(now)

    series = factories.TaskFactory(recurrence="FREQ=DAILY", requested_due_at=now)
    factories.SubscriptionFactory(client=series.client, start_date=last_month)
    budgeted = factories.TaskFactory(
        client=series.client, max_minutes=1, assignee=factories.AssistantFactory()
    )
    running = factories.TimeEntryFactory(
        task=budgeted,
        started_at=now - datetime.timedelta(minutes=10),
        ended_at=None,
        status=TimeEntryStatus.RUNNING,
        billable=True,
    )
    busy_at = (now + datetime.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    feed = IcsSubscription.objects.create(
        user=series.client, url=ics_server("/busy.ics", vcal_with_one_event(busy_at))
    )
    # A rule that never occurs: the parse in its own process is cut off at
    # CALENDAR_IMPORT_SECONDS, even from a daemonic worker (which may not fork a child).
    never = IcsSubscription.objects.create(
        user=series.client, url=ics_server("/never.ics", NEVER_OCCURS)
    )
    dated = factories.TaskFactory(
        client=series.client,
        title="Catalogue passport",
        promised_due_at=now + datetime.timedelta(days=5),
    )
    dav = caldav.DAVClient(
        url=radicale,
        username=RADICALE_USER,
        password=RADICALE_PASSWORD,
        require_tls=False,
        enable_rfc6764=False,
    )
    dav.principal().make_calendar(name="Tasks")

    def remote_summaries():
        calendar = dav.principal().calendar(name="Tasks")
        return {str(event.icalendar_component["SUMMARY"]) for event in calendar.events()}

    with real_cluster(
        tmp_path,
        monkeypatch,
        broker=broker,
        ALLOW_PRIVATE_FETCH="1",
        CALENDAR_IMPORT_SECONDS="2",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(folder),
    ) as cluster:
        # concierge.jobs.extend_recurring_tasks fans out to extend_recurring_task
        async_task("concierge.jobs.extend_recurring_tasks")
        cluster.wait_for(
            lambda: Task.objects.filter(recurrence_parent=series).count() >= 2,
            "extend_recurring_tasks",
        )
        extensions = OutboxJob.objects.filter(func="concierge.jobs.extend_recurring_task")
        cluster.wait_for(
            lambda: not extensions.filter(done_at__isnull=True).exists(), "extend_recurring_task"
        )
        assert list(extensions.values_list("args", "last_error")) == [([series.pk], "")]

        # assistants.jobs.stop_timers_at_budget
        async_task("assistants.jobs.stop_timers_at_budget")
        cluster.wait_for(
            lambda: TimeEntry.objects.get(pk=running.pk).ended_at is not None,
            "stop_timers_at_budget",
        )
        running.refresh_from_db()
        assert running.ended_at == running.started_at + datetime.timedelta(minutes=1)
        assert running.billable

        # billing.jobs.close_periods, which queues billing.notices.tell_invoice_issued
        async_task("billing.jobs.close_periods")
        invoices = Invoice.objects.filter(client=series.client, period_start=last_month)
        cluster.wait_for(
            lambda: Notification.objects.filter(
                user=series.client, kind=NotificationKind.INVOICE_ISSUED
            ).exists(),
            "close_periods, tell_invoice_issued",
        )
        invoice = invoices.get()
        assert invoice.number
        cluster.wait_for(lambda: f"Invoice {invoice.number}" in mails(), "the invoice e-mail")

        # billing.jobs.month_summaries, which queues billing.jobs.month_summary_client
        async_task("billing.jobs.month_summaries")
        cluster.wait_for(
            lambda: Notification.objects.filter(
                user=series.client, kind=NotificationKind.MONTH_SUMMARY
            ).exists(),
            "month_summaries, month_summary_client",
        )
        cluster.wait_for(
            lambda: f"Your month in summary: {last_month:%Y-%m}" in mails(),
            "the month's summary e-mail",
        )

        # billing.notices.remind_overdue_invoices
        from billing.models import InvoiceReminder

        today = now.astimezone(periods.zone()).date()
        invoices.update(due_date=today - datetime.timedelta(days=8))
        async_task("billing.notices.remind_overdue_invoices")
        cluster.wait_for(
            lambda: InvoiceReminder.objects.filter(invoice=invoice, days_after_due=7).exists(),
            "remind_overdue_invoices",
        )
        cluster.wait_for(
            lambda: f"Reminder: invoice {invoice.number} is overdue" in mails(), "the reminder"
        )

        # calendar_sync.jobs.refresh_all_subscriptions fans out to refresh_subscription
        async_task("calendar_sync.jobs.refresh_all_subscriptions")
        cluster.wait_for(
            lambda: IcsSubscription.objects.get(pk=feed.pk).status == FetchStatus.OK,
            "refresh_all_subscriptions, refresh_subscription",
        )
        assert list(feed.busy_intervals.values_list("starts_at", "ends_at")) == [
            (busy_at, busy_at + datetime.timedelta(hours=1))
        ]
        cluster.wait_for(
            lambda: IcsSubscription.objects.get(pk=never.pk).status == FetchStatus.ERROR,
            "the bounded parse",
        )
        assert "too costly" in IcsSubscription.objects.get(pk=never.pk).last_error

        # calendar_sync.jobs.push_account: queued when the calendar is linked
        calendar_services.caldav_account_set(
            user=series.client,
            url=radicale,
            username=RADICALE_USER,
            password=RADICALE_PASSWORD,
            calendar="Tasks",
        )
        cluster.wait_for(lambda: "Due: Catalogue passport" in remote_summaries(), "push_account")

        # calendar_sync.jobs.push_task: queued when the task changes
        dated.title = "Catalogue passport renewal"
        dated.sequence += 1
        dated.save()
        cluster.wait_for(
            lambda: "Due: Catalogue passport renewal" in remote_summaries(), "push_task"
        )
        pushes = OutboxJob.objects.filter(func__startswith="calendar_sync.jobs.push_")
        assert set(pushes.values_list("last_error", flat=True)) == {""}


@pytest.mark.django_db(transaction=True)
@BROKERS
def test_stripe_jobs_run_in_a_real_cluster(broker, tmp_path, monkeypatch, settings, localstripe):  # noqa: F811
    import stripe
    from djstripe.models import WebhookEventTrigger

    from billing import stripe as billing_stripe
    from billing.models import Invoice, InvoiceStatus, SubscriptionStatus
    from billing.stripe_jobs import mirror_invoice
    from tests.billing.test_stripe import make_invoice

    now = datetime.datetime.now(datetime.UTC)

    def open_invoice(amount, number):
        """An open invoice of its own subscription's client, who has a card on file."""
        subscription = factories.SubscriptionFactory()
        billing_stripe.payment_method_attach(
            user=subscription.client, payment_method="pm_card_visa"
        )
        return make_invoice(subscription, [Decimal(amount)], number=number)

    mirrored = open_invoice("24.50", "2026-100001")
    reconciled = open_invoice("10.00", "2026-100002")
    reconciled.finalised_at = now - datetime.timedelta(hours=1)
    reconciled.save(update_fields=["finalised_at"])
    uncharged = open_invoice("12.00", "2026-100003")
    uncharged.stripe_invoice_id = billing_stripe.invoice_mirror(invoice=uncharged)
    uncharged.save(update_fields=["stripe_invoice_id"])
    webhooked = open_invoice("7.00", "2026-100004")
    webhooked.stripe_invoice_id = billing_stripe.invoice_mirror(invoice=webhooked)
    webhooked.save(update_fields=["stripe_invoice_id"])
    # Stripe charges it; the webhook that says so is the only news of it here.
    billing_stripe.invoice_collect(
        stripe_invoice_id=webhooked.stripe_invoice_id, invoice_id=webhooked.pk
    )
    assert Invoice.objects.get(pk=webhooked.pk).status == InvoiceStatus.OPEN

    declined = factories.SubscriptionFactory()
    card = card_payment_method(CARD_DECLINED_ON_CHARGE)
    billing_stripe.payment_method_attach(user=declined.client, payment_method=card.id)
    unpaid = make_invoice(declined, [Decimal("30.00")], number="2026-100005")
    mirror_invoice(unpaid.pk)
    declined.refresh_from_db()
    assert declined.status == SubscriptionStatus.PAST_DUE
    good = card_payment_method(CARD_OK)
    billing_stripe.payment_method_attach(user=declined.client, payment_method=good.id)

    lapsed = factories.SubscriptionFactory(
        status=SubscriptionStatus.PAST_DUE,
        past_due_since=now - datetime.timedelta(days=settings.BILLING_GRACE_DAYS + 1),
    )
    erased = factories.ClientFactory(email="erased-customer@example.test")
    customer_id = billing_stripe.customer_id_for(user=erased)

    def status(invoice):
        return Invoice.objects.get(pk=invoice.pk).status

    with real_cluster(
        tmp_path,
        monkeypatch,
        broker=broker,
        STRIPE_TEST_SECRET_KEY=SECRET_KEY,
        STRIPE_API_HOST=localstripe,
        BILLING_RECONCILE_AFTER_SECONDS="600",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    ) as cluster:
        # billing.stripe_jobs.mirror_invoice
        async_task("billing.stripe_jobs.mirror_invoice", mirrored.pk)
        cluster.wait_for(lambda: status(mirrored) == InvoiceStatus.PAID, "mirror_invoice")
        remote = stripe.Invoice.retrieve(Invoice.objects.get(pk=mirrored.pk).stripe_invoice_id)
        assert (remote.status, remote.total) == ("paid", 2450)

        # billing.stripe_jobs.settle_credit_note
        from billing.models import CreditNote, CreditNoteStatus

        note = CreditNote.objects.create(
            invoice=Invoice.objects.get(pk=mirrored.pk),
            client=mirrored.client,
            entry=factories.TimeEntryFactory(task__client=mirrored.client),
            year=2026,
            sequence=1,
            number="AV-2026-000001",
            reason="catalogue",
            total_excl_tax=Decimal("5.00"),
            total_tax=Decimal("1.00"),
            total_incl_tax=Decimal("6.00"),
            credited_minutes=10,
        )
        async_task("billing.stripe_jobs.settle_credit_note", note.pk)
        cluster.wait_for(
            lambda: CreditNote.objects.get(pk=note.pk).status == CreditNoteStatus.SETTLED,
            "settle_credit_note",
        )
        charge = remote.charge if isinstance(remote.charge, str) else remote.charge.id
        assert [r.amount for r in stripe.Refund.list(charge=charge).data] == [600]

        # billing.notices.tell_credit_note_issued
        from concierge.models import Notification

        async_task("billing.notices.tell_credit_note_issued", note.pk)
        cluster.wait_for(
            lambda: Notification.objects.filter(data__credit_note=note.pk).exists(),
            "tell_credit_note_issued",
        )

        # billing.jobs.reconcile_payments queues the mirror the lost job never ran
        async_task("billing.jobs.reconcile_payments")
        cluster.wait_for(lambda: status(reconciled) == InvoiceStatus.PAID, "reconcile_payments")

        # billing.stripe_jobs.collect_invoice
        async_task("billing.stripe_jobs.collect_invoice", uncharged.pk)
        cluster.wait_for(lambda: status(uncharged) == InvoiceStatus.PAID, "collect_invoice")
        charges = stripe.Charge.list(customer=billing_stripe.customer_id_for(user=uncharged.client))
        assert [(c.amount, c.status) for c in charges.data] == [(1200, "succeeded")]

        # billing.stripe_jobs.retry_open_invoices
        async_task("billing.stripe_jobs.retry_open_invoices", declined.client_id)
        cluster.wait_for(lambda: status(unpaid) == InvoiceStatus.PAID, "retry_open_invoices")
        declined.refresh_from_db()
        assert declined.status == SubscriptionStatus.ACTIVE

        # billing.stripe_jobs.pause_past_due_subscriptions
        async_task("billing.stripe_jobs.pause_past_due_subscriptions")
        cluster.wait_for(
            lambda: type(lapsed).objects.get(pk=lapsed.pk).status == SubscriptionStatus.PAUSED,
            "pause_past_due_subscriptions",
        )

        # billing.stripe_jobs.anonymise_customer
        async_task("billing.stripe_jobs.anonymise_customer", customer_id, erased.pk)
        cluster.wait_for(
            lambda: not stripe.Customer.retrieve(customer_id).get("email"), "anonymise_customer"
        )
        assert stripe.Customer.retrieve(customer_id).metadata["erased"] == "true"

        # billing.webhooks.process_trigger
        event = {
            "id": "evt_catalogue_paid",
            "type": "invoice.paid",
            "data": {
                "object": {
                    "id": webhooked.stripe_invoice_id,
                    "metadata": {"invoice_id": str(webhooked.pk)},
                }
            },
        }
        trigger = WebhookEventTrigger.objects.create(
            remote_ip="127.0.0.1", headers={}, body=json.dumps(event), valid=True
        )
        async_task("billing.webhooks.process_trigger", trigger.pk)
        cluster.wait_for(lambda: status(webhooked) == InvoiceStatus.PAID, "process_trigger")
