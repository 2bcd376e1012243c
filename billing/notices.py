"""What billing tells clients: a new invoice, a failed payment, an overdue invoice. Each
is told once per invoice (the notification itself is the record that it was told; a
reminder, once per invoice and step, an InvoiceReminder row)."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing import pdf, periods, selectors
from billing.models import CreditNote, Invoice, InvoiceReminder, InvoiceStatus, PlanKind
from concierge.models import Notification, NotificationKind
from concierge.notifications import addressed_to, notify
from concierge.platform.outbox import enqueue


def _told(invoice: Invoice, kind: str) -> bool:
    return (
        Notification.objects.filter(user_id=invoice.client_id, kind=kind, data__invoice=invoice.pk)
        .exclude(data__has_key="reminder_days")
        .exclude(data__has_key="credit_note")
        .exclude(data__has_key="action_required")
        .exists()
    )


def queue_invoice_issued(sender, invoice_id, **kwargs):
    """Receiver of `invoice_finalised` (sent after commit): tell the client by a job."""
    enqueue("billing.notices.tell_invoice_issued", invoice_id)


@transaction.atomic
def tell_invoice_issued(invoice_id: int) -> bool:
    """Job: tell the client of a finalised invoice, once."""
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None or not invoice.number or _told(invoice, NotificationKind.INVOICE_ISSUED):
        return False
    with addressed_to(invoice.client_id):
        words = {
            "number": invoice.number,
            "total": invoice.total,
            "currency": invoice.currency,
            "start": date_format(invoice.period_start, "j F Y"),
            "end": date_format(invoice.period_end, "j F Y"),
        }
        notify(
            user_id=invoice.client_id,
            kind=NotificationKind.INVOICE_ISSUED,
            data={"invoice": invoice.pk},
            subject=_("Invoice %(number)s: %(total)s %(currency)s") % words,
            body=_(
                "Your invoice %(number)s for %(start)s to %(end)s comes to %(total)s "
                "%(currency)s. Its PDF is attached; its lines and the time it bills are in "
                "your account."
            )
            % words,
        )
    return True


def tell_credit_note_issued(note_id: int) -> bool:
    """Tell the client of a credit note, once (its e-mail carries the credit note's PDF)."""
    note = CreditNote.objects.select_related("invoice").filter(pk=note_id).first()
    if note is None:
        return False
    told = Notification.objects.filter(
        user_id=note.client_id, kind=NotificationKind.INVOICE_ISSUED, data__credit_note=note.pk
    )
    if told.exists():
        return False
    with addressed_to(note.client_id):
        words = {
            "number": note.number,
            "invoice": note.invoice.number,
            "total": note.total_incl_tax,
            "currency": note.currency,
        }
        notify(
            user_id=note.client_id,
            kind=NotificationKind.INVOICE_ISSUED,
            data={"invoice": note.invoice_id, "credit_note": note.pk},
            subject=_("Credit note %(number)s: %(total)s %(currency)s") % words,
            body=_(
                "A decision on your dispute takes %(total)s %(currency)s off invoice "
                "%(invoice)s: credit note %(number)s, attached."
            )
            % words,
        )
    return True


def invoice_email_attachments(notification) -> list[tuple[str, bytes, str]]:
    """The invoice e-mail carries its PDF, a credit note's e-mail the credit note's
    (registered for INVOICE_ISSUED)."""
    if notification.data.get("credit_note"):
        note = (
            CreditNote.objects.select_related("seller", "client", "invoice")
            .prefetch_related("lines")
            .filter(pk=notification.data["credit_note"], client_id=notification.user_id)
            .first()
        )
        if note is None:
            return []
        content, name = pdf.credit_note_pdf(note)
        return [(name, content, "application/pdf")]
    invoice = (
        Invoice.objects.select_related("seller", "client")
        .prefetch_related("lines")
        .filter(pk=notification.data.get("invoice"), client_id=notification.user_id)
        .first()
    )
    if invoice is None:
        return []
    content, name = pdf.invoice_pdf(invoice)
    return [(name, content, "application/pdf")]


def reminder_days() -> list[int]:
    return sorted({int(d) for d in getattr(settings, "BILLING_REMINDER_DAYS", (7, 15, 30))})


def remind_overdue_invoices(*, today: datetime.date | None = None) -> int:
    """Job: remind each client of an open invoice past its due date, once per step of
    BILLING_REMINDER_DAYS (days after the due date; a late run sends only the latest step
    reached). Returns the reminders sent."""
    today = today or timezone.now().astimezone(periods.zone()).date()
    steps = reminder_days()
    if not steps:
        return 0
    due = Invoice.objects.filter(
        status=InvoiceStatus.OPEN,
        due_date__isnull=False,
        due_date__lte=today - datetime.timedelta(days=steps[0]),
    ).values_list("pk", flat=True)
    return sum(_remind(invoice_id, today, steps) for invoice_id in due.order_by("pk"))


@transaction.atomic
def _remind(invoice_id: int, today: datetime.date, steps: list[int]) -> int:
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if invoice.status != InvoiceStatus.OPEN or invoice.due_date is None:
        return 0
    late = (today - invoice.due_date).days
    reached = [d for d in steps if d <= late]
    if not reached:
        return 0
    step = reached[-1]
    _reminder, created = InvoiceReminder.objects.get_or_create(invoice=invoice, days_after_due=step)
    if not created or invoice.reminders.filter(days_after_due__gt=step).exists():
        return 0
    with addressed_to(invoice.client_id):
        words = {
            "number": invoice.number,
            "total": invoice.total,
            "currency": invoice.currency,
            "due": date_format(invoice.due_date, "j F Y"),
            "days": late,
        }
        notify(
            user_id=invoice.client_id,
            kind=NotificationKind.INVOICE_ISSUED,
            data={"invoice": invoice.pk, "reminder_days": step},
            subject=_("Reminder: invoice %(number)s is overdue") % words,
            body=_(
                "Invoice %(number)s (%(total)s %(currency)s) was due on %(due)s, %(days)s "
                "days ago. Please pay it; its PDF is attached."
            )
            % words,
        )
    return 1


def tell_payment_action_required(invoice: Invoice) -> bool:
    """Tell the client, once per invoice, that their bank asks them to authenticate the
    payment (call under the invoice's row lock); the invoice's page links to where they
    do it."""
    told = Notification.objects.filter(
        user_id=invoice.client_id, data__invoice=invoice.pk, data__action_required=True
    )
    if told.exists():
        return False
    words = {"number": invoice.number, "total": invoice.total, "currency": invoice.currency}
    with addressed_to(invoice.client_id):
        notify(
            user_id=invoice.client_id,
            kind=NotificationKind.PAYMENT_FAILED,
            data={"invoice": invoice.pk, "action_required": True},
            subject=_("Confirm the payment of invoice %(number)s") % words,
            body=_(
                "Your bank asks you to confirm the payment of %(total)s %(currency)s for "
                "invoice %(number)s. Open the invoice in your account and follow "
                "“Authenticate the payment”."
            )
            % words,
        )
    return True


def tell_payment_failed(invoice: Invoice) -> bool:
    """Tell the client, once per invoice, that paying it failed (call under the invoice's
    row lock, in the transaction that records the failure)."""
    if _told(invoice, NotificationKind.PAYMENT_FAILED):
        return False
    words = {"number": invoice.number, "total": invoice.total, "currency": invoice.currency}
    with addressed_to(invoice.client_id):
        notify(
            user_id=invoice.client_id,
            kind=NotificationKind.PAYMENT_FAILED,
            data={"invoice": invoice.pk},
            subject=_("Payment failed for invoice %(number)s") % words,
            body=_(
                "We could not collect %(total)s %(currency)s for invoice %(number)s. Please "
                "check the card on your account; the invoice is charged again once a working "
                "card is attached."
            )
            % words,
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
    words = {
        "amount": usage.projected_amount,
        "cap": subscription.spend_cap,
        "currency": usage.currency,
    }
    with addressed_to(subscription.client_id):
        notify(
            user_id=subscription.client_id,
            kind=NotificationKind.SPEND_CAP_REACHED,
            data=key,
            subject=_("Your monthly spend cap is reached"),
            body=_(
                "This period's time comes to %(amount)s %(currency)s, your cap is %(cap)s "
                "%(currency)s. Your assistants cannot log more time until you raise the cap "
                "in your subscription settings."
            )
            % words,
        )
    return True
