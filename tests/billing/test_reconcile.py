"""Money reconciliation (billing.reconcile) against localstripe: what a lost job or a
dead worker left undone is applied once, and a second run changes nothing."""

import datetime
from decimal import Decimal

import pytest
import stripe
from django.utils import timezone

from billing import services
from billing import stripe as billing_stripe
from billing.models import HourPack, InvoiceStatus
from billing.reconcile import payments_reconcile
from billing.webhooks import apply_invoice_event
from concierge.models import OutboxJob
from tests.billing.test_stripe import make_invoice, stripe_footprint
from tests.factories import SubscriptionFactory
from tests.stripe_peer import localstripe  # noqa: F401

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(hours=1)  # past BILLING_RECONCILE_AFTER_SECONDS


def reconcile(capture):
    with capture(execute=True):
        return payments_reconcile(now=timezone.now() + LATER)


def test_a_finalised_invoice_whose_mirror_job_was_lost_is_mirrored_and_charged_once(
    localstripe,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("24.50"), Decimal("28.00")])  # its job never ran
    billing_stripe.payment_method_attach(user=sub.client, payment_method="pm_card_visa")
    assert payments_reconcile().mirrored == 0  # too recent: the normal path goes first

    assert reconcile(django_capture_on_commit_callbacks).mirrored == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.stripe_invoice_id
    assert stripe_footprint(sub.client) == ([invoice.stripe_invoice_id], ["succeeded"])
    again = reconcile(django_capture_on_commit_callbacks)
    assert (again.mirrored, again.collected) == (0, 0)
    assert stripe_footprint(sub.client) == ([invoice.stripe_invoice_id], ["succeeded"])
    assert OutboxJob.objects.filter(done_at__isnull=True).count() == 0


def test_a_mirrored_invoice_never_charged_is_charged_once(
    localstripe,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("49.00")])
    billing_stripe.payment_method_attach(user=sub.client, payment_method="pm_card_visa")
    # The worker died between mirroring and charging.
    invoice.stripe_invoice_id = billing_stripe.invoice_mirror(invoice=invoice)
    invoice.save(update_fields=["stripe_invoice_id"])
    assert stripe_footprint(sub.client) == ([invoice.stripe_invoice_id], [])

    assert reconcile(django_capture_on_commit_callbacks).collected == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert stripe.Invoice.retrieve(invoice.stripe_invoice_id).status == "paid"
    assert reconcile(django_capture_on_commit_callbacks).collected == 0
    assert stripe_footprint(sub.client) == ([invoice.stripe_invoice_id], ["succeeded"])


def test_a_pack_paid_after_its_revocation_is_credited_again_once(
    django_capture_on_commit_callbacks,
):
    sub = SubscriptionFactory()
    pack = services.pack_purchase(client=sub.client, minutes=300)
    HourPack.objects.filter(pk=pack.pk).update(remaining_minutes=120)  # 180 min used
    services.hour_pack_revoke(pack_id=pack.pk)
    # Paid after all, recorded by a path that did not credit it (an older release).
    pack.invoice.status = InvoiceStatus.PAID
    pack.invoice.paid_at = timezone.now()
    pack.invoice.save(update_fields=["status", "paid_at"])

    assert reconcile(django_capture_on_commit_callbacks).packs_credited == 1
    pack.refresh_from_db()
    assert (pack.remaining_minutes, pack.revoked_at) == (120, None)
    assert reconcile(django_capture_on_commit_callbacks).packs_credited == 0
    pack.refresh_from_db()
    assert pack.remaining_minutes == 120


def test_a_late_paid_event_credits_a_revoked_pack_once():
    sub = SubscriptionFactory()
    pack = services.pack_purchase(client=sub.client, minutes=300)
    obj = {"id": "in_pack", "metadata": {"invoice_id": str(pack.invoice.pk)}}
    apply_invoice_event(event_type="invoice.payment_failed", obj=obj)
    pack.refresh_from_db()
    assert pack.remaining_minutes == 0 and pack.revoked_minutes == 300
    for _ in range(2):
        apply_invoice_event(event_type="invoice.paid", obj=obj)
    pack.refresh_from_db()
    assert (pack.remaining_minutes, pack.revoked_at, pack.revoked_minutes) == (300, None, 0)


def test_a_mirror_that_lost_its_local_id_finds_its_stripe_invoice(localstripe):  # noqa: F811
    """The worker died after Stripe made the invoice and before the local row kept its id
    (localstripe, like Stripe after 24 hours, has no idempotency key to replay)."""
    from billing.stripe_jobs import mirror_invoice

    sub = SubscriptionFactory()
    invoice = make_invoice(sub, [Decimal("24.50")])
    billing_stripe.payment_method_attach(user=sub.client, payment_method="pm_card_visa")
    first = billing_stripe.invoice_mirror(invoice=invoice)  # the local save never happened
    assert mirror_invoice(invoice.pk) == first
    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id == first and invoice.status == InvoiceStatus.PAID
    assert stripe_footprint(sub.client) == ([first], ["succeeded"])
