"""Stripe collection of local invoices.

The local invoice is the truth; Stripe only collects it. An invoice is mirrored as a
subscription-anchored Stripe invoice: every customer has a zero-priced plan subscription,
one invoice item per local line (integer minor units), then the invoice is created,
finalised and paid. Every call carries an idempotency key derived from local ids.
"""

from decimal import Decimal

import stripe as stripe_sdk
from django.conf import settings
from djstripe.models import Customer

ANCHOR_PLAN_ID = "concierge-anchor-{currency}"
MINOR_UNITS = {"EUR": 2, "USD": 2, "GBP": 2}


class StripeDisabled(Exception):
    pass


def client():
    if not settings.STRIPE_ENABLED:
        raise StripeDisabled("no Stripe key configured")
    key = (
        settings.STRIPE_LIVE_SECRET_KEY
        if settings.STRIPE_LIVE_MODE
        else settings.STRIPE_TEST_SECRET_KEY
    )
    stripe_sdk.api_key = key
    stripe_sdk.api_base = settings.STRIPE_API_HOST
    return stripe_sdk


def to_minor_units(amount: Decimal, currency: str) -> int:
    places = MINOR_UNITS.get(currency.upper(), 2)
    scaled = amount * (10**places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {places} decimal places")
    return int(scaled)


def customer_id_for(*, user) -> str:
    """The Stripe customer id of a paying client, created once."""
    existing = Customer.objects.filter(subscriber=user).exclude(id="").first()
    if existing is not None:
        return existing.id
    sdk = client()
    obj = sdk.Customer.create(
        email=user.email,
        metadata={"user_id": str(user.pk)},
        idempotency_key=f"customer-{user.pk}",
    )
    Customer.objects.update_or_create(
        id=obj.id,
        defaults={"subscriber": user, "livemode": False, "stripe_data": obj.to_dict()},
    )
    return obj.id


def payment_method_attach(*, user, payment_method: str) -> str:
    sdk = client()
    customer_id = customer_id_for(user=user)
    pm = sdk.PaymentMethod.attach(
        payment_method, customer=customer_id, idempotency_key=f"pm-{user.pk}-{payment_method}"
    )
    sdk.Customer.modify(
        customer_id,
        invoice_settings={"default_payment_method": pm.id},
        idempotency_key=f"pm-default-{user.pk}-{pm.id}",
    )
    return pm.id


def _anchor_subscription(sdk, *, customer_id: str, currency: str) -> str:
    plan_id = ANCHOR_PLAN_ID.format(currency=currency.lower())
    try:
        sdk.Plan.retrieve(plan_id)
    except stripe_sdk.InvalidRequestError:
        sdk.Plan.create(
            id=plan_id,
            amount=0,
            currency=currency.lower(),
            interval="month",
            product={"name": "Concierge billing"},
            idempotency_key=f"plan-{plan_id}",
        )
    subs = sdk.Subscription.list(customer=customer_id)
    for sub in subs.data:
        if sub.status in ("active", "trialing", "past_due"):
            return sub.id
    sub = sdk.Subscription.create(
        customer=customer_id,
        items=[{"plan": plan_id}],
        idempotency_key=f"anchor-{customer_id}-{plan_id}",
    )
    return sub.id


def invoice_mirror(*, invoice) -> str:
    """Create (or find) the Stripe invoice of a finalised local invoice and charge it."""
    if invoice.stripe_invoice_id:
        return invoice.stripe_invoice_id
    sdk = client()
    customer_id = customer_id_for(user=invoice.client)
    subscription_id = _anchor_subscription(sdk, customer_id=customer_id, currency=invoice.currency)
    key = f"invoice-{invoice.pk}"
    for line in invoice.lines.order_by("position", "pk"):
        sdk.InvoiceItem.create(
            customer=customer_id,
            subscription=subscription_id,
            amount=to_minor_units(line.amount, invoice.currency),
            currency=invoice.currency.lower(),
            description=line.description,
            metadata={"invoice_id": str(invoice.pk), "line_id": str(line.pk)},
            idempotency_key=f"{key}-line-{line.pk}",
        )
    stripe_invoice = sdk.Invoice.create(
        customer=customer_id,
        subscription=subscription_id,
        metadata={"invoice_id": str(invoice.pk), "number": invoice.number or ""},
        idempotency_key=key,
    )
    expected = to_minor_units(invoice.total, invoice.currency)
    if stripe_invoice.total != expected:
        raise ValueError(
            f"Stripe invoice {stripe_invoice.id} total {stripe_invoice.total} != {expected}"
        )
    return stripe_invoice.id


def invoice_collect(*, stripe_invoice_id: str, invoice_id: int):
    """Charge a mirrored invoice unless it is already settled (safe to run twice)."""
    sdk = client()
    remote = sdk.Invoice.retrieve(stripe_invoice_id)
    if remote.status in ("paid", "void", "uncollectible"):
        return remote
    return sdk.Invoice.pay(stripe_invoice_id, idempotency_key=f"invoice-{invoice_id}-pay")
