"""Money reconciliation: find what a lost job or a dead worker left undone on the money
paths, and apply it once.

- A finalised open invoice with a total, not mirrored to Stripe (its mirror job never
  ran): the mirror job is queued again. It is idempotent: Stripe idempotency keys derived
  from the invoice id (`billing.stripe.invoice_mirror`), a row lock for the local id.
- A mirrored open invoice never charged (a worker died between mirroring and charging)
  or charged without the outcome applied: the collection job is queued; it charges only
  an invoice Stripe has not attempted, with a key derived from the invoice id
  (`billing.stripe.invoice_collect`), and applies the outcome as the webhooks do.
- A pack whose invoice is paid while the pack is still revoked (the payment succeeded
  after a failure revoked it): the withdrawn minutes are given back, once.

Only rows older than `BILLING_RECONCILE_AFTER_SECONDS` are looked at, so the normal path
(a job queued at commit) runs first. Revoked packs' own invoices are not charged again
(`selectors.unpaid_card_invoices`).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from billing.models import Invoice, InvoiceKind, InvoiceStatus
from billing.services import hour_pack_restore
from concierge.platform.outbox import enqueue_once


@dataclass
class Reconciled:
    mirrored: int = 0
    collected: int = 0
    packs_credited: int = 0


def payments_reconcile(*, now: datetime.datetime | None = None) -> Reconciled:
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.BILLING_RECONCILE_AFTER_SECONDS)
    done = Reconciled()
    if settings.STRIPE_ENABLED:
        open_invoices = (
            Invoice.objects.filter(status=InvoiceStatus.OPEN, total__gt=0, finalised_at__lte=cutoff)
            .exclude(kind=InvoiceKind.PACK, hour_pack__revoked_at__isnull=False)
            .order_by("pk")
        )
        for invoice_id in open_invoices.filter(stripe_invoice_id="").values_list("pk", flat=True):
            if enqueue_once("billing.stripe_jobs.mirror_invoice", invoice_id):
                done.mirrored += 1
        mirrored = open_invoices.exclude(stripe_invoice_id="").values_list("pk", flat=True)
        for invoice_id in mirrored:
            if enqueue_once("billing.stripe_jobs.collect_invoice", invoice_id):
                done.collected += 1
    unpaid_packs = Invoice.objects.filter(
        kind=InvoiceKind.PACK,
        status=InvoiceStatus.PAID,
        paid_at__lte=cutoff,
        hour_pack__revoked_at__isnull=False,
    ).values_list("hour_pack_id", flat=True)
    for pack_id in unpaid_packs:
        hour_pack_restore(pack_id=pack_id)
        done.packs_credited += 1
    return done
