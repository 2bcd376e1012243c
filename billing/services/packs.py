"""Hour packs: the offers, buying one (with its own invoice), and withdrawing or giving
back its minutes when its payment fails or succeeds after all."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import errors, rating
from billing.models import (
    STANDARD_VAT_RATE,
    BillingEventSource,
    HourPack,
    Invoice,
    InvoiceHistory,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
)
from billing.services.invoices import LegalMentions, _announce, _numbers
from billing.services.transitions import history_entry
from concierge import audit
from concierge.errors import Invalid
from concierge.models import Role, User

PACK_VALIDITY = datetime.timedelta(days=365)
DEFAULT_PACKS = (
    {"minutes": 300, "price": "125.00", "currency": "EUR"},
    {"minutes": 600, "price": "240.00", "currency": "EUR"},
    {"minutes": 1200, "price": "460.00", "currency": "EUR"},
)


def pack_offers() -> list[dict[str, Any]]:
    offers: Iterable[dict[str, Any]] = getattr(settings, "BILLING_PACKS", DEFAULT_PACKS)
    return [
        {
            "minutes": o["minutes"],
            "price": Decimal(o["price"]),
            "currency": o["currency"],
            "tax_rate": Decimal(o.get("tax_rate", STANDARD_VAT_RATE)),
            "valid_days": PACK_VALIDITY.days,
        }
        for o in offers
    ]


@transaction.atomic
def pack_purchase(*, client: User, minutes: int) -> HourPack:
    """Buy an hour pack: minutes credited now; its own invoice with one line."""
    if client.role != Role.CLIENT:
        raise Invalid(errors.Code.NOT_A_CLIENT, _("Only clients buy hour packs."))
    offer = next((o for o in pack_offers() if o["minutes"] == minutes), None)
    if offer is None:
        raise Invalid(
            errors.Code.UNKNOWN_PACK,
            _("No hour pack of that size is offered."),
            fields={
                "minutes": [
                    _("One of %(sizes)s.")
                    % {"sizes": ", ".join(str(o["minutes"]) for o in pack_offers())}
                ]
            },
        )
    now = timezone.now()
    legal = LegalMentions.now([client.pk], now)
    pack = HourPack.objects.create(
        client=client,
        minutes=minutes,
        remaining_minutes=minutes,
        price=offer["price"],
        currency=offer["currency"],
        tax_rate=offer["tax_rate"],
        purchased_at=now,
        expires_at=now + PACK_VALIDITY,
    )
    line = rating.Line(
        kind=LineKind.PACK,
        description=f"Hour pack: {minutes} min, valid 365 days",
        quantity_minutes=minutes,
        unit_rate=None,
        amount=pack.price,
    )
    taxed = legal.taxed([line], pack.tax_rate)
    today = legal.issued_on
    (number,) = _numbers(today.year, 1)
    invoice = Invoice.objects.create(
        client=client,
        hour_pack=pack,
        kind=InvoiceKind.PACK,
        number=number,
        period_start=today,
        period_end=today,
        status=InvoiceStatus.OPEN if pack.price else InvoiceStatus.PAID,
        currency=pack.currency,
        finalised_at=now,
        paid_at=None if pack.price else now,
        **legal.fields(client.pk, taxed),
    )
    audit.write(
        [
            history_entry(
                invoice,
                InvoiceHistory.ISSUE,
                to_status=invoice.status,
                source=BillingEventSource.CLIENT,
                actor=client,
                at=now,
            )
        ]
    )
    (taxed_line,) = taxed.lines
    InvoiceLine.objects.create(
        invoice=invoice,
        position=0,
        kind=LineKind.PACK,
        description=line.description,
        quantity_minutes=minutes,
        amount=taxed_line.amount,
        tax_rate=taxed_line.tax_rate,
        tax_amount=taxed_line.tax_amount,
    )
    if pack.price:
        _announce([invoice.pk])
    return pack


@transaction.atomic
def hour_pack_revoke(*, pack_id: int, now: datetime.datetime | None = None) -> HourPack:
    """Its payment failed: the pack's remaining minutes are withdrawn (repeats are no-ops)."""
    pack = HourPack.objects.select_for_update().get(pk=pack_id)
    if pack.revoked_at is None:
        pack.revoked_at = now or timezone.now()
        pack.revoked_minutes = pack.remaining_minutes
        pack.remaining_minutes = 0
        pack.save(update_fields=["revoked_at", "revoked_minutes", "remaining_minutes"])
    return pack


@transaction.atomic
def hour_pack_restore(*, pack_id: int) -> HourPack:
    """Its invoice was paid after all: give back the minutes the revocation withdrew
    (repeats are no-ops)."""
    pack = HourPack.objects.select_for_update().get(pk=pack_id)
    if pack.revoked_at is not None:
        pack.remaining_minutes += pack.revoked_minutes
        pack.revoked_minutes = 0
        pack.revoked_at = None
        pack.save(update_fields=["revoked_at", "revoked_minutes", "remaining_minutes"])
    return pack
