"""Stripe jobs: mirror a finalised invoice, pause subscriptions past their grace period."""

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from billing import credit_notes, selectors
from billing import stripe as billing_stripe
from billing.models import (
    BillingEventSource,
    CreditNote,
    CreditNoteStatus,
    Invoice,
    InvoiceStatus,
)
from billing.signals import invoice_finalised
from billing.webhooks import apply_invoice_event
from concierge.platform.outbox import enqueue

# The webhook event each collection outcome amounts to.
COLLECTION_EVENTS = {
    billing_stripe.Collection.PAID: "invoice.paid",
    billing_stripe.Collection.DECLINED: "invoice.payment_failed",
}


def mirror_invoice(invoice_id):
    """Mirror one finalised non-zero invoice to Stripe and charge it. Safe to run twice.

    The charge's outcome moves local state through the same idempotent path as the
    webhooks (``apply_invoice_event``): paid marks the invoice paid; a declined card is the
    payment failure it is (the subscription becomes past_due, a pack is revoked) and is
    not raised, since a retry of the job would only try to charge the card again. The
    webhooks Stripe sends for the same charge later change nothing.
    """
    if not settings.STRIPE_ENABLED:
        return None
    invoice = Invoice.objects.select_related("client").get(pk=invoice_id)
    if invoice.status != InvoiceStatus.OPEN or invoice.total == 0:
        return invoice.stripe_invoice_id or None
    stripe_id = billing_stripe.invoice_mirror(invoice=invoice)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice_id)
        if not locked.stripe_invoice_id:
            locked.stripe_invoice_id = stripe_id
            locked.save(update_fields=["stripe_invoice_id"])
    _collect(invoice_id, stripe_id)
    return stripe_id


def collect_invoice(invoice_id):
    """Charge a mirrored open invoice that was never charged, or apply the outcome of a
    charge Stripe made (reconciliation). Charges at most once (`invoice_collect`)."""
    if not settings.STRIPE_ENABLED:
        return None
    invoice = Invoice.objects.get(pk=invoice_id)
    if invoice.status != InvoiceStatus.OPEN or not invoice.stripe_invoice_id:
        return None
    return _collect(invoice_id, invoice.stripe_invoice_id)


def _collect(invoice_id, stripe_invoice_id, *, retry=False):
    outcome = billing_stripe.invoice_collect(
        stripe_invoice_id=stripe_invoice_id, invoice_id=invoice_id, retry=retry
    )
    event_type = COLLECTION_EVENTS.get(outcome)
    if event_type is not None:
        apply_invoice_event(
            event_type=event_type,
            obj={"id": stripe_invoice_id, "metadata": {"invoice_id": str(invoice_id)}},
            source=BillingEventSource.CHARGE,
        )
    return outcome


def retry_open_invoices(client_id):
    """After a client sets a new card: charge their unpaid subscription invoices with it
    (``selectors.unpaid_card_invoices``). Each invoice's outcome moves local state as the
    webhooks do (paid again → the subscription is active again)."""
    if not settings.STRIPE_ENABLED:
        return {}
    unpaid = selectors.unpaid_card_invoices(client_id).values_list("pk", "stripe_invoice_id")
    return {
        invoice_id: _collect(invoice_id, stripe_invoice_id, retry=True)
        for invoice_id, stripe_invoice_id in unpaid
    }


def pause_past_due_subscriptions(now=None):
    """Move subscriptions past_due for longer than BILLING_GRACE_DAYS to paused."""
    from billing.services import subscriptions_pause_past_due

    return subscriptions_pause_past_due(now=now)


@receiver(invoice_finalised, dispatch_uid="billing.stripe_jobs.queue_mirror")
def queue_mirror(sender, invoice_id, **kwargs):
    if settings.STRIPE_ENABLED:
        enqueue("billing.stripe_jobs.mirror_invoice", invoice_id)


def anonymise_customer(customer_id, user_id):
    """Strip an erased person's details from their Stripe customer (safe to repeat)."""
    billing_stripe.customer_anonymise(customer_id=customer_id, user_id=user_id)


def settle_credit_note(credit_note_id):
    """Refund a credit note of a paid Stripe invoice and mark it settled. Safe to run
    twice (the refund's idempotency key is the credit note's); an invoice not paid yet is
    left for a manager to settle."""
    if not settings.STRIPE_ENABLED:
        return None
    note = CreditNote.objects.select_related("invoice").get(pk=credit_note_id)
    if note.status == CreditNoteStatus.SETTLED:
        return note.stripe_refund_id or None
    refund_id = billing_stripe.credit_note_refund(credit_note=note)
    if refund_id:
        credit_notes.settled_by_stripe(note.pk, refund_id=refund_id)
    return refund_id
