"""Stripe collection of local invoices.

The local invoice is the truth; Stripe only collects it. An invoice is mirrored as a
subscription-anchored Stripe invoice: every customer has a zero-priced plan subscription,
one invoice item per local line (integer minor units), then the invoice is created,
finalised and paid. Every call carries an idempotency key derived from local ids.

The client-facing calls (``payment_method_attach``, ``payment_method_default``) raise
``ApplicationError`` with the codes of ``billing.errors``; the job-facing ones
(``invoice_mirror``, ``invoice_collect``) leave Stripe's errors to the job.
"""

import enum
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus

import stripe as stripe_sdk
from django.conf import settings
from django.utils.translation import gettext as _
from djstripe.models import Customer

from billing import errors, tax
from concierge.errors import ApplicationError, Conflict, Invalid, PaymentRequired

log = logging.getLogger(__name__)

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
    stripe_sdk.api_base = getattr(settings, "STRIPE_API_HOST", "https://api.stripe.com")
    return stripe_sdk


def to_minor_units(amount: Decimal, currency: str) -> int:
    places = MINOR_UNITS.get(currency.upper(), 2)
    scaled = amount * (10**places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {places} decimal places")
    return int(scaled)


def _local_customer(user):
    """The dj-stripe row of the client's Stripe customer, or None before the first need."""
    return Customer.objects.filter(subscriber=user).exclude(id="").first()


def _invoice_default(customer):
    """A Stripe customer's default payment method for invoices: an id, or the object when
    expanded, or None."""
    invoice_settings = getattr(customer, "invoice_settings", None)
    return getattr(invoice_settings, "default_payment_method", None) if invoice_settings else None


def customer_id_for(*, user) -> str:
    """The Stripe customer id of a paying client, created once."""
    existing = _local_customer(user)
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


def customer_anonymise(*, customer_id: str, user_id: int) -> None:
    """Stripe's copy of an erased person: no e-mail, name or description; the customer
    stays (its invoices and payments are records)."""
    client().Customer.modify(
        customer_id,
        email="",
        name="",
        description="",
        metadata={"user_id": str(user_id), "erased": "true"},
    )


@dataclass(frozen=True)
class PaymentMethodSummary:
    """A client's payment method as the API shows it (card details when it is a card)."""

    id: str
    brand: str | None = None
    last4: str | None = None


def _summary(pm) -> PaymentMethodSummary:
    card = getattr(pm, "card", None)
    return PaymentMethodSummary(
        id=pm.id,
        brand=getattr(card, "brand", None) if card else None,
        last4=getattr(card, "last4", None) if card else None,
    )


def _require_stripe():
    if not settings.STRIPE_ENABLED:
        raise Conflict(
            errors.Code.PAYMENTS_NOT_CONFIGURED,
            _("Card payments are not set up on this service: invoices are settled with a manager."),
        )


def _card_refusal(exc: stripe_sdk.CardError) -> str:
    """Why the bank declined the card, in the reader's words: Stripe's own `user_message`
    is English, so its most common reasons are said here, any other as a decline."""
    reason = getattr(exc, "decline_code", None) or exc.code
    if reason == "expired_card":
        return _("Your card has expired.")
    if reason == "incorrect_cvc":
        return _("Your card's security code is incorrect.")
    if reason == "insufficient_funds":
        return _("Your card has insufficient funds.")
    if reason in ("incorrect_number", "invalid_number"):
        return _("Your card number is incorrect.")
    return _("Your card was declined.")


@contextmanager
def _client_facing_errors():
    """Stripe's errors as the API's, so a client never sees a 500 for them.

    - A card error (Stripe's 402: declined, expired, wrong CVC, ...) is the client's to fix
      with another card: 402 ``card_declined``, the reason Stripe gives said in the
      reader's language (`_card_refusal`). One stable code; the sentence names the reason.
    - Anything else (network, timeouts, rate limits, Stripe's own errors, a key Stripe
      refuses, a request it rejects that is not about the client's input) is nothing the
      client can fix and no crash of this service: 502 ``payment_provider_error``, "try
      again later", logged with Stripe's request id for the operator. Nothing local is
      left half-done: the only local write (the customer row) follows a successful
      Stripe call, and every call here is safe to repeat.
    """
    try:
        yield
    except stripe_sdk.CardError as exc:
        raise PaymentRequired(errors.Code.CARD_DECLINED, _card_refusal(exc)) from exc
    except stripe_sdk.StripeError as exc:
        log.warning("Stripe call failed: %r", exc)
        raise ApplicationError(
            errors.Code.PAYMENT_PROVIDER_ERROR,
            _(
                "The payment provider could not be reached or refused the request; "
                "please try again later."
            ),
            status=HTTPStatus.BAD_GATEWAY,
        ) from exc


def payment_method_attach(*, user, payment_method: str) -> PaymentMethodSummary:
    """Attach a payment method (an id from Stripe.js) to the client's Stripe customer,
    created once, and make it the default for invoices. Safe to repeat.

    No database transaction is held across the Stripe calls. Errors: 409
    ``payments_not_configured`` in local mode, 400 ``invalid_payment_method`` when Stripe
    does not know or will not attach this id (another account's or mode's id, one already
    attached to another customer), 402 ``card_declined``, 502 ``payment_provider_error``.
    """
    _require_stripe()
    with _client_facing_errors():
        sdk = client()
        customer_id = customer_id_for(user=user)
        try:
            pm = sdk.PaymentMethod.attach(
                payment_method,
                customer=customer_id,
                idempotency_key=f"pm-{user.pk}-{payment_method}",
            )
        except stripe_sdk.InvalidRequestError as exc:
            if exc.param == "customer":
                raise  # our customer id, not the client's input: a provider error
            refusal = (
                _("This payment method cannot be used. Stripe says: %(reason)s")
                % {"reason": exc.user_message}
                if exc.user_message
                else _("Stripe does not know this payment method.")
            )
            raise Invalid(
                errors.Code.INVALID_PAYMENT_METHOD,
                refusal,
                fields={"payment_method": [refusal]},
            ) from exc
        # Setting the default is idempotent by itself. No idempotency key: a key per
        # (client, method) would make Stripe replay an old answer when a client switches
        # back to an earlier card within a day, leaving the other one the default.
        sdk.Customer.modify(customer_id, invoice_settings={"default_payment_method": pm.id})
    return _summary(pm)


def payment_method_default(*, user) -> PaymentMethodSummary | None:
    """The client's default payment method for invoices, as Stripe has it now (None when
    the client has no Stripe customer yet or no default). Errors as payment_method_attach."""
    _require_stripe()
    existing = _local_customer(user)
    if existing is None:
        return None
    with _client_facing_errors():
        sdk = client()
        customer = sdk.Customer.retrieve(
            existing.id, expand=["invoice_settings.default_payment_method"]
        )
        pm = _invoice_default(customer)
        if not pm:
            return None
        if isinstance(pm, str):
            pm = sdk.PaymentMethod.retrieve(pm)
    return _summary(pm)


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


def _mirrored_already(sdk, *, customer_id: str, invoice_id: int) -> str | None:
    """The Stripe invoice an earlier run made for this local invoice, if any.

    A worker that died after Stripe created the invoice and before the local row kept its
    id runs again later, perhaps after Stripe's idempotency keys (24 hours) have expired:
    found here, nothing is created or charged a second time (not even invoice items,
    which would otherwise wait as pending items for the customer's next invoice)."""
    wanted = str(invoice_id)

    def carries(obj):
        metadata = getattr(obj, "metadata", None)
        return metadata is not None and metadata.to_dict().get("invoice_id") == wanted

    # The invoice's own metadata; its lines' too (localstripe keeps only those).
    for remote in sdk.Invoice.list(customer=customer_id, limit=100).auto_paging_iter():
        lines = getattr(remote, "lines", None)
        if carries(remote) or any(carries(line) for line in (lines.data if lines else ())):
            return remote.id
    return None


def _tax_items(invoice) -> list:
    """The invoice's VAT, one item per rate that has any (Stripe collects what the local
    invoice states: its lines excluding VAT, then the VAT of each rate)."""
    lines = invoice.lines.values_list("tax_rate", "amount", "tax_amount")
    return [b for b in tax.breakdown_of(list(lines)) if b.tax_amount]


def invoice_mirror(*, invoice) -> str:
    """Create (or find) the Stripe invoice of a finalised local invoice and charge it."""
    if invoice.stripe_invoice_id:
        return invoice.stripe_invoice_id
    sdk = client()
    customer_id = customer_id_for(user=invoice.client)
    existing = _mirrored_already(sdk, customer_id=customer_id, invoice_id=invoice.pk)
    if existing is not None:
        return existing
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
    for vat in _tax_items(invoice):
        sdk.InvoiceItem.create(
            customer=customer_id,
            subscription=subscription_id,
            amount=to_minor_units(vat.tax_amount, invoice.currency),
            currency=invoice.currency.lower(),
            description=f"VAT {vat.tax_rate.normalize():f} %",
            metadata={"invoice_id": str(invoice.pk), "tax_rate": str(vat.tax_rate)},
            idempotency_key=f"{key}-vat-{vat.tax_rate}",
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


class Collection(enum.StrEnum):
    """What one ``invoice_collect`` call learnt about a mirrored invoice."""

    PAID = "paid"
    DECLINED = "declined"  # the charge was refused: the payment failed
    # Nothing to apply now: a charge is still processing, or was already attempted (Stripe
    # retries it and the webhooks report the outcome), or the invoice was voided in Stripe.
    PENDING = "pending"


def _default_payment_method(sdk, customer_id) -> str | None:
    pm = _invoice_default(sdk.Customer.retrieve(customer_id))
    return getattr(pm, "id", pm) or None


def invoice_collect(*, stripe_invoice_id: str, invoice_id: int, retry: bool = False) -> Collection:
    """Charge a mirrored invoice once, unless it is settled or was already attempted.

    Safe to run twice, and never charges twice: an open invoice Stripe has already tried
    to charge is left to Stripe's own retries and the webhooks (a second ``pay`` would be a
    second charge once the idempotency key has expired), unless ``retry``: the client has
    set a new card since, and the charge is tried once with that card (its id is in the
    idempotency key). A customer without a card, and a declined card, are outcomes, not
    errors: the payment failed. Stripe answers a declined card with a card error (402);
    localstripe instead returns the open invoice with its failed payment intent. Other
    Stripe errors propagate.
    """
    sdk = client()
    remote = sdk.Invoice.retrieve(stripe_invoice_id)
    if remote.status == "paid":
        return Collection.PAID
    chargeable = remote.status == "draft" or (
        remote.status == "open" and (retry or not remote.attempted)
    )
    if not chargeable:
        return Collection.PENDING
    payment_method = _default_payment_method(sdk, remote.customer)
    if payment_method is None:
        log.info("Stripe invoice %s (invoice %s): no card on file", stripe_invoice_id, invoice_id)
        return Collection.DECLINED
    key = f"invoice-{invoice_id}-pay" + (f"-{payment_method}" if retry else "")
    try:
        remote = sdk.Invoice.pay(stripe_invoice_id, idempotency_key=key)
    except stripe_sdk.CardError as exc:
        log.info("Stripe invoice %s (invoice %s) declined: %s", stripe_invoice_id, invoice_id, exc)
        return Collection.DECLINED
    if remote.status == "paid":
        return Collection.PAID
    if _charge_declined(sdk, remote):
        log.info("Stripe invoice %s (invoice %s) declined", stripe_invoice_id, invoice_id)
        return Collection.DECLINED
    return Collection.PENDING


def _charge_declined(sdk, remote) -> bool:
    """Whether the invoice's payment intent (older API shape, as localstripe returns it)
    needs a new payment method after a refused charge."""
    intent = getattr(remote, "payment_intent", None)
    if not intent:
        return False
    if isinstance(intent, str):
        intent = sdk.PaymentIntent.retrieve(intent)
    return intent.status == "requires_payment_method" and bool(
        getattr(intent, "last_payment_error", None)
    )


def credit_note_refund(*, credit_note) -> str | None:
    """Refund a credit note's amount on the charge that paid its invoice; None while the
    invoice is not paid (nothing to refund yet). One refund per credit note: Stripe's
    idempotency key and the refund's metadata name it."""
    invoice = credit_note.invoice
    sdk = client()
    remote = sdk.Invoice.retrieve(invoice.stripe_invoice_id)
    charge = getattr(remote, "charge", None)
    if remote.status != "paid" or not charge:
        return None
    charge_id = charge if isinstance(charge, str) else charge.id
    refund = sdk.Refund.create(
        charge=charge_id,
        amount=to_minor_units(credit_note.total_incl_tax, credit_note.currency),
        metadata={"credit_note_id": str(credit_note.pk), "number": credit_note.number},
        idempotency_key=f"credit-note-{credit_note.pk}-refund",
    )
    return refund.id


@dataclass(frozen=True)
class SetupIntentStarted:
    id: str
    client_secret: str


def setup_intent_create(*, user) -> SetupIntentStarted:
    """Start saving a card with Strong Customer Authentication: a SetupIntent for
    off-session use on the client's customer. Stripe.js confirms it with the card (and
    3-D Secure when the bank asks), then `setup_intent_complete` makes the card the
    default. Errors as payment_method_attach."""
    _require_stripe()
    with _client_facing_errors():
        sdk = client()
        intent = sdk.SetupIntent.create(
            customer=customer_id_for(user=user),
            usage="off_session",
            metadata={"user_id": str(user.pk)},
        )
    return SetupIntentStarted(id=intent.id, client_secret=intent.client_secret)


def setup_intent_complete(*, user, setup_intent: str) -> PaymentMethodSummary:
    """The card of a confirmed SetupIntent of this client becomes their default for
    invoices. 400 ``invalid_payment_method`` for an intent Stripe does not know or that is
    another customer's; 409 ``setup_intent_incomplete`` while it still needs the card or
    its authentication. Safe to repeat."""
    _require_stripe()
    with _client_facing_errors():
        sdk = client()
        customer_id = customer_id_for(user=user)
        try:
            intent = sdk.SetupIntent.retrieve(setup_intent)
        except stripe_sdk.InvalidRequestError as exc:
            raise Invalid(
                errors.Code.INVALID_PAYMENT_METHOD,
                _("Stripe does not know this SetupIntent."),
                fields={"setup_intent": [_("Unknown.")]},
            ) from exc
        if intent.customer != customer_id:
            raise Invalid(
                errors.Code.INVALID_PAYMENT_METHOD,
                _("This SetupIntent is not yours."),
                fields={"setup_intent": [_("Not yours.")]},
            )
        if intent.status != "succeeded" or not intent.payment_method:
            raise Conflict(
                errors.Code.SETUP_INTENT_INCOMPLETE,
                _("The card is not confirmed yet: your bank asks you to authenticate it.")
                if intent.status == "requires_action"
                else _("The card is not confirmed yet."),
            )
        pm_id = intent.payment_method
        pm_id = pm_id if isinstance(pm_id, str) else pm_id.id
        sdk.Customer.modify(customer_id, invoice_settings={"default_payment_method": pm_id})
        pm = sdk.PaymentMethod.retrieve(pm_id)
    return _summary(pm)
