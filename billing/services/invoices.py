"""What every invoice needs whoever issues it: gapless numbers, the legal mentions, the
announcement after commit; and the payment of one (by card or marked by a manager)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from billing import errors, periods, rating, selectors, tax
from billing import seller as billing_seller
from billing import stripe as billing_stripe
from billing.models import (
    BillingEventSource,
    Invoice,
    InvoiceNumberSequence,
    InvoiceStatus,
    SellerVersion,
)
from billing.services.transitions import invoice_transition
from billing.signals import invoice_finalised
from concierge.errors import Conflict
from concierge.models import User
from concierge.platform.outbox import enqueue


def _numbers(year: int, count: int) -> list[str]:
    """Reserve `count` consecutive numbers of `year` (gapless: inside the caller's
    transaction, under a row lock)."""
    if count == 0:
        return []
    InvoiceNumberSequence.objects.get_or_create(year=year)
    sequence = InvoiceNumberSequence.objects.select_for_update().get(year=year)
    first = sequence.last_number + 1
    sequence.last_number += count
    sequence.save(update_fields=["last_number"])
    return [f"{year}-{n:06d}" for n in range(first, first + count)]


def _announce(invoice_ids: Iterable[int]) -> None:
    ids = list(invoice_ids)
    if not ids:
        return

    def send() -> None:
        for invoice_id in ids:
            invoice_finalised.send(sender=Invoice, invoice_id=invoice_id)

    transaction.on_commit(send)


def payment_method_set(
    *, user: User, payment_method: str = "", setup_intent: str = ""
) -> billing_stripe.PaymentMethodSummary:
    """Make a card the client's default for invoices: a PaymentMethod id from Stripe.js,
    or the card of a SetupIntent Stripe.js confirmed (with 3-D Secure when the bank asked:
    later off-session charges are then exempt from it). Unpaid subscription invoices are
    then charged again with it, by a job."""
    if setup_intent:
        summary = billing_stripe.setup_intent_complete(user=user, setup_intent=setup_intent)
    else:
        summary = billing_stripe.payment_method_attach(user=user, payment_method=payment_method)
    if selectors.unpaid_card_invoices(user.pk).exists():
        enqueue("billing.stripe_jobs.retry_open_invoices", user.pk)
    return summary


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, actor: User | None = None) -> Invoice:
    """Local mode: a manager records the payment of an open invoice (repeats are no-ops)."""
    if settings.STRIPE_ENABLED:
        raise Conflict(errors.Code.COLLECTED_BY_STRIPE, _("Invoices are collected through Stripe."))
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == InvoiceStatus.PAID:
        return invoice
    if not invoice_transition(
        invoice=invoice, action="pay", source=BillingEventSource.MANAGER, actor=actor
    ):
        raise Conflict(
            errors.Code.INVOICE_NOT_PAYABLE, _("Only an open invoice can be marked paid.")
        )
    return invoice


@dataclass(frozen=True)
class LegalMentions:
    """What every invoice issued by one close or purchase states besides its lines: the
    seller in force, the buyers' details, how prices are stated, the issue date."""

    seller: SellerVersion | None
    buyers: dict[int, dict[str, str]]
    prices_include_tax: bool
    issued_on: datetime.date

    @classmethod
    def now(cls, client_ids: list[int], now: datetime.datetime) -> "LegalMentions":
        return cls(
            seller=billing_seller.seller_for_issue(),
            buyers=billing_seller.buyer_snapshots(client_ids),
            prices_include_tax=settings.BILLING_PRICES_INCLUDE_TAX,
            issued_on=now.astimezone(periods.zone()).date(),
        )

    def taxed(self, lines: list[rating.Line], rate: Decimal) -> tax.Taxed:
        """The lines' VAT at `rate` (none when the seller is exempt from VAT)."""
        if self.seller is not None and self.seller.vat_exemption_text:
            rate = Decimal("0.00")
        return tax.apply(lines, [rate] * len(lines), prices_include_tax=self.prices_include_tax)

    def fields(self, client_id: int, taxed: tax.Taxed) -> dict[str, Any]:
        """An invoice's legal fields: seller, buyer, totals, due date."""
        return {
            "seller": self.seller,
            "buyer": self.buyers.get(client_id, {}),
            "prices_include_tax": self.prices_include_tax,
            "total": taxed.total_incl_tax,
            "total_excl_tax": taxed.total_excl_tax,
            "total_tax": taxed.total_tax,
            "total_incl_tax": taxed.total_incl_tax,
            "due_date": billing_seller.due_date(self.seller, self.issued_on),
        }
