"""Stripe webhook handling.

dj-stripe verifies the signature and stores each delivery as a ``WebhookEventTrigger``;
``DJSTRIPE_WEBHOOK_EVENT_CALLBACK`` hands it to ``queue_webhook``, and a job re-fetches the
event's invoice from Stripe and applies what Stripe says now to local state, through the
invoice and subscription transition services. Each change is an event row holding the
Stripe event id; an event id already applied to an invoice changes nothing, and every
transition is guarded by the current state, so replayed, reordered and duplicated events
change nothing more than once.
"""

import stripe
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from djstripe.enums import WebhookEndpointValidation
from djstripe.models import WebhookEndpoint
from djstripe.views import ProcessWebhookView

from billing import errors
from billing.models import (
    BillingEventSource,
    Invoice,
    InvoiceHistory,
    InvoiceKind,
    InvoiceStatus,
    Subscription,
)
from billing.notices import tell_payment_action_required, tell_payment_failed
from billing.services import hour_pack_restore
from billing.services.transitions import history_entry
from concierge import audit
from concierge import errors as core_errors
from concierge.models import AuditOrigin
from concierge.platform.outbox import enqueue

PAID_EVENTS = ("invoice.paid", "invoice.payment_succeeded")
FAILED_EVENTS = ("invoice.payment_failed",)
# The off-session charge needs the card holder's authentication (3-D Secure).
ACTION_EVENTS = ("invoice.payment_action_required",)


def _local_invoice_id(obj):
    metadata = obj.get("metadata") or {}
    if metadata.get("invoice_id"):
        return int(metadata["invoice_id"])
    found = Invoice.objects.filter(stripe_invoice_id=obj.get("id") or "").values_list(
        "pk", flat=True
    )
    return found[0] if found else None


@transaction.atomic
def apply_invoice_event(
    *,
    event_type: str,
    obj: dict,
    now=None,
    stripe_event_id: str = "",
    source: str = BillingEventSource.WEBHOOK,
):
    """Apply one Stripe invoice outcome (a plain dict payload) to local state."""
    from billing.services import hour_pack_revoke, invoice_transition, subscription_transition

    now = now or timezone.now()
    invoice_id = _local_invoice_id(obj)
    if invoice_id is None:
        return None
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None:
        return None
    if stripe_event_id and invoice.events.filter(stripe_event_id=stripe_event_id).exists():
        return invoice  # this event was applied already
    moved = False
    if event_type in PAID_EVENTS:
        moved = invoice_transition(
            invoice=invoice,
            action="pay",
            source=source,
            stripe_event_id=stripe_event_id,
            note=event_type,
            now=now,
        )
        if invoice.subscription_id:
            _reactivate_if_settled(invoice.subscription_id, source, stripe_event_id, now)
        if invoice.kind == InvoiceKind.PACK and invoice.hour_pack_id:
            # Paid after a failure revoked it (Stripe's own retry succeeded): credit again.
            hour_pack_restore(pack_id=invoice.hour_pack_id)
    elif event_type in ACTION_EVENTS and invoice.status == InvoiceStatus.OPEN:
        moved = invoice_transition(
            invoice=invoice,
            action="action_required",
            source=source,
            stripe_event_id=stripe_event_id,
            note=event_type,
            now=now,
        )
        url = obj.get("hosted_invoice_url") or ""
        if url.startswith("https://"):
            invoice.payment_action_url = url[:500]
            invoice.save(update_fields=["payment_action_url"])
        tell_payment_action_required(invoice)
    elif event_type in FAILED_EVENTS and invoice.status != InvoiceStatus.PAID:
        tell_payment_failed(invoice)
        if invoice.kind == InvoiceKind.PACK and invoice.hour_pack_id:
            hour_pack_revoke(pack_id=invoice.hour_pack_id, now=now)
        elif invoice.subscription_id:
            subscription = Subscription.objects.select_for_update().get(pk=invoice.subscription_id)
            subscription_transition(
                subscription=subscription,
                action="payment_failed",
                source=source,
                stripe_event_id=stripe_event_id,
                note=f"invoice {invoice.number or invoice.pk}",
                now=now,
            )
    if stripe_event_id and not moved:
        # The event id is kept even when it moved nothing, so a repeat is recognised.
        audit.write(
            [
                history_entry(
                    invoice,
                    InvoiceHistory.STRIPE_EVENT,
                    from_status=invoice.status,
                    to_status=invoice.status,
                    source=source,
                    actor=None,
                    stripe_event_id=stripe_event_id,
                    note=event_type,
                    at=now,
                )
            ]
        )
    return invoice


def _reactivate_if_settled(subscription_id, source, stripe_event_id, now):
    from billing.services import subscription_transition

    sub = Subscription.objects.select_for_update().get(pk=subscription_id)
    unpaid = Invoice.objects.filter(
        subscription_id=subscription_id, status=InvoiceStatus.OPEN
    ).exclude(stripe_invoice_id="")
    if unpaid.exists():
        return
    subscription_transition(
        subscription=sub,
        action="settle",
        source=source,
        stripe_event_id=stripe_event_id,
        note="every invoice is paid",
        now=now,
    )


def queue_webhook(trigger, api_key=None):
    """DJSTRIPE_WEBHOOK_EVENT_CALLBACK: a verified delivery is processed by a job."""
    enqueue("billing.webhooks.process_trigger", trigger.pk)


def refetched_outcome(event_type: str, obj: dict) -> tuple[str | None, dict]:
    """What to apply for an invoice event, from the invoice as Stripe has it now (events
    arrive late and out of order): paid if it is paid, a failure only while it is open."""
    from billing import stripe as billing_stripe

    remote = billing_stripe.client().Invoice.retrieve(obj["id"])
    current = {"id": remote.id, "metadata": dict(remote.get("metadata") or {})}
    if remote.status == "paid":
        return "invoice.paid", current
    if event_type in (*FAILED_EVENTS, *ACTION_EVENTS) and remote.status == "open":
        current["hosted_invoice_url"] = remote.get("hosted_invoice_url") or ""
        return event_type, current
    return None, current


def process_trigger(trigger_id):
    """Job: apply the event of one verified dj-stripe webhook delivery."""
    import json

    from django.conf import settings
    from djstripe.models import WebhookEventTrigger

    # Only verified deliveries are queued; the trigger row's ``valid`` flag is saved
    # after the queueing transaction commits, so it is not read here.
    trigger = WebhookEventTrigger.objects.get(pk=trigger_id)
    payload = json.loads(trigger.body)
    event_type = payload.get("type", "")
    if event_type not in (*PAID_EVENTS, *FAILED_EVENTS, *ACTION_EVENTS):
        return None
    obj = payload["data"]["object"]
    if settings.STRIPE_ENABLED and obj.get("id"):
        event_type, obj = refetched_outcome(event_type, obj)
        if event_type is None:
            return None
    with audit.origin(AuditOrigin.WEBHOOK):
        return apply_invoice_event(
            event_type=event_type, obj=obj, stripe_event_id=payload.get("id") or ""
        )


class VerifiedWebhookView(ProcessWebhookView):
    """dj-stripe's webhook endpoint, with the signature checked *before* anything is
    stored: dj-stripe keeps a row for every delivery, valid or not, so anyone who knows an
    endpoint's address could otherwise fill the database with junk. Bodies are bounded by
    DATA_UPLOAD_MAX_MEMORY_SIZE."""

    def post(self, request, uuid):
        signature = request.headers.get("stripe-signature")
        if not signature:
            return _webhook_refused(_("A Stripe-Signature header is required."))
        endpoint = WebhookEndpoint.objects.filter(djstripe_uuid=uuid).first()
        if endpoint is None:
            return JsonResponse(
                {"code": core_errors.Code.NOT_FOUND, "detail": _("Not found.")}, status=404
            )
        if endpoint.djstripe_validation_method == WebhookEndpointValidation.verify_signature:
            try:
                stripe.WebhookSignature.verify_header(
                    request.body.decode("utf-8"),
                    signature,
                    endpoint.secret,
                    endpoint.djstripe_tolerance,
                )
            except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError):
                return _webhook_refused(_("The signature does not match this endpoint."))
        return super().post(request, uuid)


def _webhook_refused(detail):
    return JsonResponse({"code": errors.Code.INVALID_SIGNATURE, "detail": detail}, status=400)
