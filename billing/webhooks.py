"""Stripe webhook handling.

dj-stripe verifies the signature and stores each delivery as a ``WebhookEventTrigger``;
``DJSTRIPE_WEBHOOK_EVENT_CALLBACK`` hands it to ``queue_webhook``, and a job applies the
event's invoice object to local state; every transition is guarded by the current state, so
replayed, reordered and duplicated events change nothing more than once.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from billing.models import (
    HourPack,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Subscription,
    SubscriptionStatus,
)
from billing.notices import tell_payment_failed
from billing.services import hour_pack_restore
from concierge.jobs import enqueue

PAID_EVENTS = ("invoice.paid", "invoice.payment_succeeded")
FAILED_EVENTS = ("invoice.payment_failed",)


def _local_invoice_id(obj):
    metadata = obj.get("metadata") or {}
    if metadata.get("invoice_id"):
        return int(metadata["invoice_id"])
    found = Invoice.objects.filter(stripe_invoice_id=obj.get("id") or "").values_list(
        "pk", flat=True
    )
    return found[0] if found else None


@transaction.atomic
def apply_invoice_event(*, event_type: str, obj: dict, now=None):
    """Apply one Stripe invoice event (a plain dict payload) to local state."""
    now = now or timezone.now()
    invoice_id = _local_invoice_id(obj)
    if invoice_id is None:
        return None
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None:
        return None
    if event_type in PAID_EVENTS:
        if invoice.status != InvoiceStatus.PAID:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = now
            invoice.save(update_fields=["status", "paid_at"])
        if invoice.subscription_id:
            _reactivate_if_settled(invoice.subscription_id)
        if invoice.kind == InvoiceKind.PACK and invoice.hour_pack_id:
            # Paid after a failure revoked it (Stripe's own retry succeeded): credit again.
            hour_pack_restore(pack_id=invoice.hour_pack_id)
    elif event_type in FAILED_EVENTS:
        if invoice.status == InvoiceStatus.PAID:
            return invoice
        tell_payment_failed(invoice)
        if invoice.kind == InvoiceKind.PACK and invoice.hour_pack_id:
            HourPack.objects.filter(pk=invoice.hour_pack_id, revoked_at__isnull=True).update(
                revoked_minutes=F("remaining_minutes"), remaining_minutes=0, revoked_at=now
            )
        elif invoice.subscription_id:
            Subscription.objects.filter(
                pk=invoice.subscription_id, status=SubscriptionStatus.ACTIVE
            ).update(status=SubscriptionStatus.PAST_DUE, past_due_since=now, updated_at=now)
    return invoice


def _reactivate_if_settled(subscription_id):
    sub = Subscription.objects.select_for_update().get(pk=subscription_id)
    if sub.status not in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.PAUSED):
        return
    unpaid = Invoice.objects.filter(
        subscription_id=subscription_id, status=InvoiceStatus.OPEN
    ).exclude(stripe_invoice_id="")
    if unpaid.exists():
        return
    sub.status = SubscriptionStatus.ACTIVE
    sub.past_due_since = None
    sub.save(update_fields=["status", "past_due_since", "updated_at"])


def queue_webhook(trigger, api_key=None):
    """DJSTRIPE_WEBHOOK_EVENT_CALLBACK: a verified delivery is processed by a job."""
    enqueue("billing.webhooks.process_trigger", trigger.pk)


def process_trigger(trigger_id):
    """Job: apply the event of one verified dj-stripe webhook delivery."""
    import json

    from djstripe.models import WebhookEventTrigger

    # Only verified deliveries are queued; the trigger row's ``valid`` flag is saved
    # after the queueing transaction commits, so it is not read here.
    trigger = WebhookEventTrigger.objects.get(pk=trigger_id)
    payload = json.loads(trigger.body)
    event_type = payload.get("type", "")
    if event_type not in (*PAID_EVENTS, *FAILED_EVENTS):
        return None
    return apply_invoice_event(event_type=event_type, obj=payload["data"]["object"])
