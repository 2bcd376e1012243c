"""Who issues invoices and to whom: the seller's versions and the clients' billing
details, and what an invoice copies of them when it is issued."""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import errors
from billing.audit import Action
from billing.models import BillingDetails, SellerVersion
from concierge import audit
from concierge.errors import Conflict, Invalid
from concierge.models import Role, User

SELLER_FIELDS = (
    "name",
    "address",
    "country_code",
    "siren",
    "vat_id",
    "legal_form",
    "share_capital",
    "email",
    "payment_terms_days",
    "late_payment_text",
    "recovery_indemnity_text",
    "vat_exemption_text",
)
# A seller's version must name these before invoices can be issued.
SELLER_REQUIRED = ("name", "address", "siren")
BUYER_FIELDS = ("name", "address", "country_code", "company", "vat_id")

# France's legal mentions (Code de commerce L441-10), used when the seller sets none.
DEFAULT_LATE_PAYMENT_TEXT = (
    "Late payment bears interest at three times the French legal interest rate."
)
DEFAULT_RECOVERY_INDEMNITY_TEXT = (
    "A fixed indemnity of 40 EUR for recovery costs is due by business customers on late payment."
)


def current_seller() -> SellerVersion | None:
    return SellerVersion.objects.order_by("-created_at", "-id").first()


def seller_required() -> bool:
    """Outside debug, no invoice is issued without a seller (BILLING_REQUIRE_SELLER)."""
    return bool(getattr(settings, "BILLING_REQUIRE_SELLER", not settings.DEBUG))


def seller_for_issue() -> SellerVersion | None:
    """The seller version an invoice issued now names; 409 `seller_missing` when none is
    recorded and one is required."""
    seller = current_seller()
    if seller is None and seller_required():
        raise Conflict(
            errors.Code.SELLER_MISSING,
            _(
                "No invoice can be issued before a manager records the seller's identity "
                "(billing/seller/)."
            ),
        )
    return seller


@transaction.atomic
def seller_update(*, actor: User | None, **changes: Any) -> SellerVersion:
    """Record a new version of the seller: the current one with `changes` made. Earlier
    invoices keep the version they were issued with."""
    SellerVersion.objects.select_for_update().order_by("-created_at", "-id").first()
    current = current_seller()
    fields = {name: getattr(current, name) for name in SELLER_FIELDS} if current else {}
    fields |= changes
    missing = {name: ["Required."] for name in SELLER_REQUIRED if not fields.get(name)}
    if missing:
        raise Invalid(errors.Code.INVALID, _("The seller is not complete."), fields=missing)
    if current is not None and all(
        fields.get(name) == getattr(current, name) for name in SELLER_FIELDS
    ):
        return current
    seller = SellerVersion.objects.create(**fields, created_by=actor, created_at=timezone.now())
    audit.record(
        actor=actor,
        action=Action.SELLER_CHANGED,
        target=seller,
        changes=audit.changes_of(
            audit.snapshot(current, SELLER_FIELDS) if current else {},
            audit.snapshot(seller, SELLER_FIELDS),
        ),
    )
    return seller


def billing_details_of(client: User) -> BillingDetails | None:
    return BillingDetails.objects.filter(client=client).first()


@transaction.atomic
def billing_details_update(
    *, client: User, actor: User | None = None, **changes: Any
) -> BillingDetails:
    """Set a client's billing details (the first time, name and address are required).
    Invoices already issued keep the details they were made out to."""
    if client.role != Role.CLIENT:
        raise Invalid(errors.Code.NOT_A_CLIENT, _("Only clients have billing details."))
    User.objects.select_for_update().filter(pk=client.pk).first()
    details = billing_details_of(client) or BillingDetails(client=client)
    before = audit.snapshot(details, changes) if details.pk else {}
    for name, value in changes.items():
        setattr(details, name, value)
    missing = {name: ["Required."] for name in ("name", "address") if not getattr(details, name)}
    if missing:
        raise Invalid(
            errors.Code.INVALID, _("Billing details need a name and an address."), fields=missing
        )
    details.save()
    changed = audit.changes_of(before, audit.snapshot(details, changes))
    if changed:
        audit.record(
            actor=actor or client,
            action=Action.BILLING_DETAILS_CHANGED,
            target=details,
            changes=changed,
            about=client,
        )
    return details


def buyer_snapshots(client_ids: list[int]) -> dict[int, dict[str, str]]:
    """What each client's invoices are made out to now: their billing details, or (when
    they gave none) their name on the account."""
    found = {}
    for user in User.objects.filter(pk__in=client_ids).select_related("billing_details"):
        details = getattr(user, "billing_details", None)
        if details is not None:
            found[user.pk] = {name: getattr(details, name) for name in BUYER_FIELDS}
        else:
            found[user.pk] = {
                "name": f"{user.first_name} {user.last_name}".strip() or user.email,
                "address": "",
                "country_code": "FR",
                "company": "",
                "vat_id": "",
            }
    return found


def due_date(seller: SellerVersion | None, issued_on: datetime.date) -> datetime.date:
    """The payment terms' due date of an invoice issued on `issued_on` (30 days without
    a seller)."""
    days = seller.payment_terms_days if seller is not None else 30
    return issued_on + datetime.timedelta(days=days)
