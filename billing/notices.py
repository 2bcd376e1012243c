"""What billing tells clients: a new invoice, a failed payment. Each is told once per
invoice (the notification itself is the record that it was told)."""

from django.db import transaction

from billing import selectors
from billing.models import Invoice, PlanKind
from concierge.jobs import enqueue
from concierge.models import Notification, NotificationKind
from concierge.notifications import notify


def _told(invoice: Invoice, kind: str) -> bool:
    return Notification.objects.filter(
        user_id=invoice.client_id, kind=kind, data__invoice=invoice.pk
    ).exists()


def queue_invoice_issued(sender, invoice_id, **kwargs):
    """Receiver of `invoice_finalised` (sent after commit): tell the client by a job."""
    enqueue("billing.notices.tell_invoice_issued", invoice_id)


@transaction.atomic
def tell_invoice_issued(invoice_id: int) -> bool:
    """Job: tell the client of a finalised invoice, once."""
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None or not invoice.number or _told(invoice, NotificationKind.INVOICE_ISSUED):
        return False
    notify(
        user_id=invoice.client_id,
        kind=NotificationKind.INVOICE_ISSUED,
        data={"invoice": invoice.pk},
        subject=f"Invoice {invoice.number}: {invoice.total} {invoice.currency}",
        body=(
            f"Your invoice {invoice.number} for {invoice.period_start:%d %B %Y} to "
            f"{invoice.period_end:%d %B %Y} comes to {invoice.total} {invoice.currency}. "
            "Its lines and the time it bills are in your account."
        ),
    )
    return True


def tell_payment_failed(invoice: Invoice) -> bool:
    """Tell the client, once per invoice, that paying it failed (call under the invoice's
    row lock, in the transaction that records the failure)."""
    if _told(invoice, NotificationKind.PAYMENT_FAILED):
        return False
    notify(
        user_id=invoice.client_id,
        kind=NotificationKind.PAYMENT_FAILED,
        data={"invoice": invoice.pk},
        subject=f"Payment failed for invoice {invoice.number}",
        body=(
            f"We could not collect {invoice.total} {invoice.currency} for invoice "
            f"{invoice.number}. Please check the card on your account; the invoice is "
            "charged again once a working card is attached."
        ),
    )
    return True


def spend_cap_watch(*, task) -> bool:
    """Billable-time watcher: once the client's hourly plan reaches its spend cap in the
    current period, tell the client — once per period and cap amount — that new time is
    refused until they raise it (the guard `services.check_spend_cap` refuses it)."""
    subscription = selectors.live_subscription(task.client_id)
    if (
        subscription is None
        or subscription.spend_cap is None
        or subscription.plan.kind != PlanKind.HOURLY
    ):
        return False
    usage = selectors.current_usage(subscription)
    if usage.projected_amount < subscription.spend_cap:
        return False
    key = {
        "subscription": subscription.pk,
        "period_start": usage.period_start.isoformat(),
        "spend_cap": str(subscription.spend_cap),
    }
    told = Notification.objects.filter(
        user_id=subscription.client_id,
        kind=NotificationKind.SPEND_CAP_REACHED,
        **{f"data__{name}": value for name, value in key.items()},
    )
    if told.exists():
        return False
    currency = usage.currency
    notify(
        user_id=subscription.client_id,
        kind=NotificationKind.SPEND_CAP_REACHED,
        data=key,
        subject="Your monthly spend cap is reached",
        body=(
            f"This period's time comes to {usage.projected_amount} {currency}, your cap "
            f"is {subscription.spend_cap} {currency}. Your assistants cannot log more "
            "time until you raise the cap in your subscription settings."
        ),
    )
    return True
