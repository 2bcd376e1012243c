"""Stripe jobs: mirror a finalised invoice, pause subscriptions past their grace period."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from billing.models import Invoice, InvoiceStatus, Subscription, SubscriptionStatus
from billing.signals import invoice_finalised
from concierge.jobs import enqueue


def mirror_invoice(invoice_id):
    """Mirror one finalised non-zero invoice to Stripe and charge it. Safe to run twice."""
    from billing import stripe as billing_stripe

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
    billing_stripe.invoice_collect(stripe_invoice_id=stripe_id, invoice_id=invoice_id)
    return stripe_id


def pause_past_due_subscriptions(now=None):
    """Move subscriptions past_due for longer than BILLING_GRACE_DAYS to paused."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.BILLING_GRACE_DAYS)
    return Subscription.objects.filter(
        status=SubscriptionStatus.PAST_DUE, past_due_since__lte=cutoff
    ).update(status=SubscriptionStatus.PAUSED, updated_at=now)


@receiver(invoice_finalised, dispatch_uid="billing.stripe_jobs.queue_mirror")
def queue_mirror(sender, invoice_id, **kwargs):
    if settings.STRIPE_ENABLED:
        enqueue("billing.stripe_jobs.mirror_invoice", invoice_id)
