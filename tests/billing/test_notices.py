"""What billing tells clients, in the service and by e-mail: new invoices, failed
payments, hours running low — each once."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from billing import jobs, notices
from billing.models import Invoice, InvoiceStatus
from billing.webhooks import apply_invoice_event
from concierge.models import Notification, NotificationKind
from tests.billing.helpers import at, freeze, hourly_plan, log
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def told(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind).order_by("id"))


def test_each_new_invoice_is_told_once(monkeypatch, django_capture_on_commit_callbacks):
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 16))
    freeze(monkeypatch, at(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.close_periods() == 2
    invoices = list(Invoice.objects.filter(client=subscription.client).order_by("id"))
    notes = told(subscription.client, NotificationKind.INVOICE_ISSUED)
    assert [n.data for n in notes] == [{"invoice": i.pk} for i in invoices]
    assert all(i.number in n.subject for i, n in zip(invoices, notes, strict=True))
    assert sorted(m.subject for m in mail.outbox) == sorted(n.subject for n in notes)
    # The job delivered twice, or the signal sent again, tells nobody twice.
    assert notices.tell_invoice_issued(invoices[0].pk) is False
    assert len(told(subscription.client, NotificationKind.INVOICE_ISSUED)) == 2


def test_a_failed_payment_is_told_once_per_invoice():
    subscription = SubscriptionFactory()
    invoice = Invoice.objects.create(
        client=subscription.client,
        subscription=subscription,
        number="2026-000031",
        period_start=datetime.date(2026, 9, 16),
        period_end=datetime.date(2026, 9, 30),
        status=InvoiceStatus.OPEN,
        total=Decimal("52.50"),
        stripe_invoice_id="in_fail",
    )
    failed = {"id": "in_fail", "metadata": {}}
    for _ in range(3):  # Stripe repeats events
        apply_invoice_event(event_type="invoice.payment_failed", obj=failed)
    notes = told(subscription.client, NotificationKind.PAYMENT_FAILED)
    assert len(notes) == 1 and notes[0].data == {"invoice": invoice.pk}
    assert "2026-000031" in notes[0].subject and "52.50 EUR" in notes[0].body
    apply_invoice_event(event_type="invoice.paid", obj=failed)
    apply_invoice_event(event_type="invoice.payment_failed", obj=failed)  # reordered replay
    assert len(told(subscription.client, NotificationKind.PAYMENT_FAILED)) == 1


def test_hours_running_low_is_its_own_kind(monkeypatch, django_capture_on_commit_callbacks):
    freeze(monkeypatch, at(2026, 10, 20))
    subscription = SubscriptionFactory(start_date=datetime.date(2026, 10, 1))
    log(subscription.client, at(2026, 10, 2), 100)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.usage_alerts()
    notes = told(subscription.client, NotificationKind.HOURS_RUNNING_LOW)
    assert len(notes) == 1 and notes[0].data == {"subscription": subscription.pk, "threshold": 80}


def test_spend_cap_reached_is_told_once_per_cap(monkeypatch):
    from assistants import services as time_services
    from concierge.errors import Conflict
    from tests.factories import AssistantFactory, TaskFactory

    freeze(monkeypatch, at(2026, 9, 25))
    subscription = SubscriptionFactory(
        plan=hourly_plan(), start_date=datetime.date(2026, 9, 1), spend_cap=Decimal("45.00")
    )
    assistant = AssistantFactory()
    task = TaskFactory(client=subscription.client, assignee=assistant, status="in_progress")

    def work(day, minutes=60, billable=True):
        start = at(2026, 9, day)
        return time_services.time_entry_create(
            actor=assistant,
            task=task,
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=minutes),
            billable=billable,
        )

    work(20)  # 30.00 of 45.00
    assert told(subscription.client, NotificationKind.SPEND_CAP_REACHED) == []
    work(21, billable=False)  # not billable: changes nothing
    work(22)  # 60.00: reached
    notes = told(subscription.client, NotificationKind.SPEND_CAP_REACHED)
    assert len(notes) == 1 and "45.00 EUR" in notes[0].body
    with pytest.raises(Conflict):
        work(23)  # refused, and not told again
    subscription.spend_cap = Decimal("90.00")
    subscription.save()
    work(23)  # 90.00: the raised cap is reached too
    assert len(told(subscription.client, NotificationKind.SPEND_CAP_REACHED)) == 2
