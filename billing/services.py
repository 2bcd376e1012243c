"""Writes of the billing app: plans, subscriptions, packs, invoices and the period close.

The rating itself is pure (billing/rating.py); this module loads what it needs in bulk,
stores the result and links every billed entry to its invoice in the same transaction.
"""

import datetime
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing import errors, periods, rating, selectors, tax
from billing import seller as billing_seller
from billing import stripe as billing_stripe
from billing.models import (
    PLAN_FIELDS,
    STANDARD_VAT_RATE,
    TERMS_FIELDS,
    BillingEventSource,
    HourPack,
    Invoice,
    InvoicedEntry,
    InvoiceEvent,
    InvoiceKind,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceStatus,
    LineKind,
    Plan,
    PlanKind,
    PlanTerms,
    SellerVersion,
    Subscription,
    SubscriptionEvent,
    SubscriptionStatus,
    UsageAlert,
)
from billing.signals import invoice_finalised
from concierge.errors import Conflict, Invalid
from concierge.jobs import enqueue
from concierge.models import NotificationKind, Role, Task, User
from concierge.notifications import addressed_to, notify
from concierge.services import locked

log = logging.getLogger(__name__)

CLOSE_CHUNK = 500
PACK_VALIDITY = datetime.timedelta(days=365)
DEFAULT_PACKS = (
    {"minutes": 300, "price": "125.00", "currency": "EUR"},
    {"minutes": 600, "price": "240.00", "currency": "EUR"},
    {"minutes": 1200, "price": "460.00", "currency": "EUR"},
)
ALERT_THRESHOLDS = (80, 100)


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


# Plans ------------------------------------------------------------------------------


def _validate_plan(fields: dict) -> None:
    problems = {}
    tier_problems = rating.validate_tiers(fields.get("overage_tiers") or [])
    if tier_problems:
        problems["overage_tiers"] = tier_problems
    if fields.get("kind") == PlanKind.HOURLY:
        for name in ("monthly_fee", "included_minutes", "rollover_cap_minutes"):
            if fields.get(name):
                problems[name] = ["An hourly plan has no fee, included minutes or rollover."]
    if fields.get("rounding_increment_minutes", 1) < 1:
        problems["rounding_increment_minutes"] = ["Must be at least 1."]
    if problems:
        raise Invalid(errors.Code.INVALID, "The plan is not valid.", fields=problems)


def _normalise_tiers(tiers: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "up_to_minutes": t["up_to_minutes"],
            "hourly_rate": f"{Decimal(str(t['hourly_rate'])):.2f}",
        }
        for t in tiers
    ]


def _plan_fields(plan: Plan, changes: dict) -> dict:
    """`plan`'s PLAN_FIELDS with `changes` made, checked and normalised (400 invalid)."""
    fields = {name: getattr(plan, name) for name in PLAN_FIELDS} | changes
    _validate_plan(fields)
    if Plan.objects.filter(code=fields["code"]).exclude(pk=plan.pk).exists():
        raise Invalid(errors.Code.INVALID, "The plan is not valid.", fields={"code": ["Taken."]})
    fields["overage_tiers"] = _normalise_tiers(fields["overage_tiers"])
    fields["currency"] = fields["currency"].upper()
    return fields


@transaction.atomic
def plan_create(**fields: Any) -> Plan:
    """A new plan of PLAN_FIELDS (the model's defaults for those left out)."""
    plan = Plan.objects.create(**_plan_fields(Plan(), fields))
    _terms_from(plan, SINCE_ALWAYS)
    return plan


# A new plan's terms apply to any period, even one before it was created (a manager may
# subscribe a migrated customer from a past start date).
SINCE_ALWAYS = datetime.date(2000, 1, 1)


def _terms_from(plan: Plan, effective_from: datetime.date) -> PlanTerms:
    terms, _created = PlanTerms.objects.update_or_create(
        plan=plan,
        effective_from=effective_from,
        defaults={name: getattr(plan, name) for name in TERMS_FIELDS},
    )
    return terms


def _plan_in_use(plan: Plan) -> bool:
    return (
        Subscription.objects.filter(Q(plan=plan) | Q(scheduled_plan=plan)).exists()
        or Invoice.objects.filter(plan=plan).exists()
    )


@transaction.atomic
def plan_update(*, plan: Plan, **changes: Any) -> Plan:
    plan = locked(plan)
    fields = _plan_fields(plan, changes)
    terms_changed = any(fields[name] != getattr(plan, name) for name in TERMS_FIELDS)
    in_use = _plan_in_use(plan)
    if in_use and fields["kind"] != plan.kind:
        raise Conflict(
            errors.Code.PLAN_IN_USE,
            "A plan that has subscribers keeps its kind; create a new plan instead.",
            fields={"kind": ["Fixed once the plan has subscribers."]},
        )
    if in_use and terms_changed and not plan.terms.exists():
        _terms_from(plan, SINCE_ALWAYS)  # the terms it was used at, before they change
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save()
    if terms_changed:
        if in_use:
            # Never retroactive: a running period keeps the terms it started with.
            _terms_from(plan, periods.next_period(periods.period_of_instant(timezone.now())))
        else:
            plan.terms.all().delete()
            _terms_from(plan, SINCE_ALWAYS)
    return plan


# Subscriptions ----------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.now().astimezone(periods.zone()).date()


@transaction.atomic
def subscription_create(
    *,
    client: User,
    plan: Plan,
    start_date: datetime.date | None = None,
    actor: User | None = None,
) -> Subscription:
    """Subscribe a client; a manager may give a past `start_date` (migrating a customer).
    The subscription's history starts with a `subscribe` event."""
    if client.role != Role.CLIENT:
        raise Invalid(errors.Code.NOT_A_CLIENT, "Only clients can subscribe.")
    if not plan.active:
        raise Invalid(errors.Code.PLAN_INACTIVE, "This plan is not offered any more.")
    User.objects.select_for_update().filter(pk=client.pk).first()
    if selectors.live_subscription(client.pk) is not None:
        raise Conflict(errors.Code.ALREADY_SUBSCRIBED, "This client already has a subscription.")
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                client=client, plan=plan, start_date=start_date or _today()
            )
    except IntegrityError:
        raise Conflict(
            errors.Code.ALREADY_SUBSCRIBED, "This client already has a subscription."
        ) from None
    actor = actor or client
    SubscriptionEvent.objects.create(
        subscription=subscription,
        action="subscribe",
        to_status=subscription.status,
        source=BillingEventSource.MANAGER if actor.is_manager else BillingEventSource.CLIENT,
        actor=actor,
        note=f"plan {plan.code} from {subscription.start_date:%Y-%m-%d}",
    )
    return subscription


@transaction.atomic
def subscription_change(*, subscription: Subscription, plan: Plan) -> Subscription:
    """Schedule a plan change for the start of the next period (the same plan undoes it)."""
    subscription = locked(subscription, related=("plan", "scheduled_plan"))
    if subscription.cancel_at_period_end:
        raise Conflict(
            errors.Code.SUBSCRIPTION_ENDING, "The subscription ends at this period's end."
        )
    if plan.pk == subscription.plan_id:
        subscription.scheduled_plan = None
        subscription.scheduled_plan_from = None
    else:
        if not plan.active:
            raise Invalid(errors.Code.PLAN_INACTIVE, "This plan is not offered any more.")
        subscription.scheduled_plan = plan
        subscription.scheduled_plan_from = periods.next_period(
            selectors.current_period(subscription)
        )
    subscription.save(update_fields=["scheduled_plan", "scheduled_plan_from", "updated_at"])
    _record_request(
        subscription,
        "schedule_plan",
        f"plan {plan.code} from {subscription.scheduled_plan_from:%Y-%m-%d}"
        if subscription.scheduled_plan_id
        else "scheduled plan change withdrawn",
    )
    return subscription


def _record_request(subscription: Subscription, action: str, note: str) -> None:
    """A client's request that takes effect later (no status change yet), on record."""
    SubscriptionEvent.objects.create(
        subscription=subscription,
        action=action,
        from_status=subscription.status,
        to_status=subscription.status,
        source=BillingEventSource.CLIENT,
        actor_id=subscription.client_id,
        note=note,
    )


@transaction.atomic
def subscription_cancel(*, subscription: Subscription) -> Subscription:
    """Cancel at the end of the current period; the last period is still invoiced."""
    subscription = locked(subscription, related=("plan", "scheduled_plan"))
    if not subscription.cancel_at_period_end:
        subscription.cancel_at_period_end = True
        subscription.ended_on = periods.last_day(selectors.current_period(subscription))
        subscription.scheduled_plan = None
        subscription.scheduled_plan_from = None
        subscription.save(
            update_fields=[
                "cancel_at_period_end",
                "ended_on",
                "scheduled_plan",
                "scheduled_plan_from",
                "updated_at",
            ]
        )
        _record_request(subscription, "cancel", f"ends on {subscription.ended_on:%Y-%m-%d}")
    return subscription


@transaction.atomic
def subscription_set_spend_cap(
    *, subscription: Subscription, spend_cap: Decimal | None
) -> Subscription:
    subscription = locked(subscription, related=("plan", "scheduled_plan"))
    if spend_cap is not None and subscription.plan.kind != PlanKind.HOURLY:
        raise Invalid(errors.Code.SPEND_CAP_NOT_HOURLY, "Only hourly plans take a spend cap.")
    subscription.spend_cap = spend_cap
    subscription.save(update_fields=["spend_cap", "updated_at"])
    return subscription


def check_spend_cap(
    *,
    task: Task,
    assistant: User | None,
    started_at: datetime.datetime,
    ended_at: datetime.datetime | None = None,
) -> None:
    """Billable-time guard: refuse new billable time once an hourly plan's current period
    has reached the client's spend cap."""
    subscription = selectors.live_subscription(task.client_id)
    if (
        subscription is None
        or subscription.spend_cap is None
        or subscription.plan.kind != PlanKind.HOURLY
    ):
        return
    usage = selectors.current_usage(subscription)
    if usage.projected_amount >= subscription.spend_cap:
        raise Conflict(
            errors.Code.SPEND_CAP_REACHED,
            "The client's monthly spend cap is reached; the client must raise it first.",
        )


def check_plan_or_balance(
    *,
    task: Task,
    assistant: User | None,
    started_at: datetime.datetime,
    ended_at: datetime.datetime | None = None,
) -> None:
    """Billable-time guard: a client bills time through a subscription or their hour
    packs. Without a subscription, billable time must fit in the packs' balance
    (409 pack_balance_exhausted); with neither, none is taken (409 no_plan_or_pack)."""
    if selectors.live_subscription(task.client_id) is not None:
        return
    usage = selectors.pack_usage(task.client_id)
    if usage is None:
        raise Conflict(
            errors.Code.NO_PLAN_OR_PACK,
            "This client has neither a subscription nor an hour pack: billable time can't be "
            "logged for them (log it as non-billable, or the client subscribes or buys a pack).",
        )
    wanted = 0 if ended_at is None else -(-int((ended_at - started_at).total_seconds()) // 60)
    if usage.remaining_minutes <= 0 or wanted > usage.remaining_minutes:
        raise Conflict(
            errors.Code.PACK_BALANCE_EXHAUSTED,
            f"The client's hour packs have {usage.remaining_minutes} min left; "
            "they must buy a pack first.",
        )


def billable_room(*, task: Task) -> int | None:
    """Billable-room provider: a pack-only client's balance left, in seconds."""
    if selectors.live_subscription(task.client_id) is not None:
        return None
    usage = selectors.pack_usage(task.client_id)
    return 0 if usage is None else usage.remaining_minutes * 60


# Status machines --------------------------------------------------------------------

SS, IS = SubscriptionStatus, InvoiceStatus
# action → (statuses it may start from, status it leads to); as tasks' TRANSITIONS.
SUBSCRIPTION_TRANSITIONS = {
    "payment_failed": (frozenset({SS.ACTIVE}), SS.PAST_DUE),
    "pause": (frozenset({SS.PAST_DUE}), SS.PAUSED),
    "settle": (frozenset({SS.PAST_DUE, SS.PAUSED}), SS.ACTIVE),
    "end": (frozenset({SS.ACTIVE, SS.PAST_DUE, SS.PAUSED}), SS.CANCELLED),
}
INVOICE_TRANSITIONS = {
    "pay": (frozenset({IS.OPEN, IS.REQUIRES_ACTION}), IS.PAID),
    "action_required": (frozenset({IS.OPEN}), IS.REQUIRES_ACTION),
    "void": (frozenset({IS.DRAFT, IS.OPEN, IS.REQUIRES_ACTION}), IS.VOID),
}


def _allowed(table: dict, action: str, status: str) -> str | None:
    sources, target = table[action]
    return target if status in sources else None


def _move(
    obj: Subscription | Invoice,
    *,
    table: dict,
    action: str,
    event_model: type[SubscriptionEvent] | type[InvoiceEvent],
    source: str,
    actor: User | None,
    stripe_event_id: str,
    note: str,
    now: datetime.datetime | None,
) -> bool:
    """Move a locked subscription or invoice by `action` if its status allows it, with an
    event row; False (and nothing written) otherwise."""
    target = _allowed(table, action, obj.status)
    if target is None:
        return False
    now = now or timezone.now()
    previous = obj.status
    obj.status = target
    if isinstance(obj, Subscription):
        obj.past_due_since = now if target == SS.PAST_DUE else None
        obj.save(update_fields=["status", "past_due_since", "updated_at"])
    else:
        obj.paid_at = now if target == IS.PAID else obj.paid_at
        obj.save(update_fields=["status", "paid_at"])
    event_model.objects.create(
        **{str(obj._meta.model_name): obj},
        action=action,
        from_status=previous,
        to_status=target,
        source=source,
        actor=actor,
        stripe_event_id=stripe_event_id,
        note=note,
        created_at=now,
    )
    return True


def subscription_transition(
    *,
    subscription: Subscription,
    action: str,
    source: str,
    actor: User | None = None,
    stripe_event_id: str = "",
    note: str = "",
    now: datetime.datetime | None = None,
) -> bool:
    """Move a subscription (locked by the caller) through SUBSCRIPTION_TRANSITIONS."""
    return _move(
        subscription,
        table=SUBSCRIPTION_TRANSITIONS,
        action=action,
        event_model=SubscriptionEvent,
        source=source,
        actor=actor,
        stripe_event_id=stripe_event_id,
        note=note,
        now=now,
    )


def invoice_transition(
    *,
    invoice: Invoice,
    action: str,
    source: str,
    actor: User | None = None,
    stripe_event_id: str = "",
    note: str = "",
    now: datetime.datetime | None = None,
) -> bool:
    """Move an invoice (locked by the caller) through INVOICE_TRANSITIONS."""
    return _move(
        invoice,
        table=INVOICE_TRANSITIONS,
        action=action,
        event_model=InvoiceEvent,
        source=source,
        actor=actor,
        stripe_event_id=stripe_event_id,
        note=note,
        now=now,
    )


@transaction.atomic
def subscriptions_pause_past_due(*, now: datetime.datetime | None = None) -> int:
    """Job: pause subscriptions past_due for longer than BILLING_GRACE_DAYS."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.BILLING_GRACE_DAYS)
    due = Subscription.objects.select_for_update().filter(
        status=SS.PAST_DUE, past_due_since__lte=cutoff
    )
    paused = 0
    for subscription in due.order_by("pk"):
        paused += subscription_transition(
            subscription=subscription,
            action="pause",
            source=BillingEventSource.JOB,
            note=f"past due for more than {settings.BILLING_GRACE_DAYS} days",
            now=now,
        )
    return paused


# Invoices ---------------------------------------------------------------------------


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


@transaction.atomic
def pack_purchase(*, client: User, minutes: int) -> HourPack:
    """Buy an hour pack: minutes credited now; its own invoice with one line."""
    if client.role != Role.CLIENT:
        raise Invalid(errors.Code.NOT_A_CLIENT, "Only clients buy hour packs.")
    offer = next((o for o in pack_offers() if o["minutes"] == minutes), None)
    if offer is None:
        raise Invalid(
            errors.Code.UNKNOWN_PACK,
            "No hour pack of that size is offered.",
            fields={"minutes": [f"One of {[o['minutes'] for o in pack_offers()]}."]},
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
    InvoiceEvent.objects.create(
        invoice=invoice,
        action="issue",
        to_status=invoice.status,
        source=BillingEventSource.CLIENT,
        actor=client,
        created_at=now,
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
        raise Conflict(errors.Code.COLLECTED_BY_STRIPE, "Invoices are collected through Stripe.")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == InvoiceStatus.PAID:
        return invoice
    if not invoice_transition(
        invoice=invoice, action="pay", source=BillingEventSource.MANAGER, actor=actor
    ):
        raise Conflict(errors.Code.INVOICE_NOT_PAYABLE, "Only an open invoice can be marked paid.")
    return invoice


# Period close -----------------------------------------------------------------------


@dataclass
class CloseResult:
    periods: list = field(default_factory=list)
    invoices: int = 0


def _awaiting(period: datetime.date) -> Q:
    """Subscriptions whose next period to close is `period`."""
    return ~Q(status=SubscriptionStatus.CANCELLED) & (
        Q(closed_through=periods.previous_period(period))
        | Q(
            closed_through__isnull=True,
            start_date__gte=period,
            start_date__lte=periods.last_day(period),
        )
    )


def _first_open_period() -> datetime.date | None:
    live = Subscription.objects.exclude(status=SubscriptionStatus.CANCELLED)
    found = live.aggregate(
        closed=Min("closed_through"),
        started=Min("start_date", filter=Q(closed_through__isnull=True)),
    )
    candidates = []
    if found["closed"]:
        candidates.append(periods.next_period(found["closed"]))
    if found["started"]:
        candidates.append(periods.period_of(found["started"]))
    return min(candidates) if candidates else None


def _source(actor: User | None) -> str:
    return BillingEventSource.MANAGER if actor is not None else BillingEventSource.JOB


def billing_period_close(
    *,
    period: datetime.date | None = None,
    now: datetime.datetime | None = None,
    actor: User | None = None,
) -> CloseResult:
    """Close every ended, unclosed period up to `period` (default: the last ended one),
    oldest first, so rollover chains; then the pack statements of clients without a
    subscription. Idempotent and safe to run concurrently."""
    now = now or timezone.now()
    last = periods.last_ended_period(now)
    if period is not None:
        period = periods.period_of(period)
        if period > last:
            raise Conflict(errors.Code.PERIOD_NOT_ENDED, "That period has not ended yet.")
        last = period
    result = CloseResult()
    current = _first_open_period()
    while current is not None and current <= last:
        created = close_one_period(period=current, now=now, actor=actor)
        if created:
            result.periods.append(current)
            result.invoices += created
        current = periods.next_period(current)
    statements = close_pack_statements(period=last, now=now, actor=actor)
    if statements:
        if last not in result.periods:
            result.periods.append(last)
        result.invoices += statements
    return result


def close_one_period(
    *, period: datetime.date, now: datetime.datetime | None = None, actor: User | None = None
) -> int:
    now = now or timezone.now()
    ids = list(
        Subscription.objects.filter(_awaiting(period)).order_by("id").values_list("id", flat=True)
    )
    created = 0
    for index in range(0, len(ids), CLOSE_CHUNK):
        created += _close_chunk(period, ids[index : index + CLOSE_CHUNK], now, actor)
    return created


def _load_usage(
    client_ids: Collection[int], period: datetime.date
) -> tuple[dict[int, list[rating.EntryUsage]], dict[int, list[HourPack]]]:
    """The entries to bill (locked) and the usable packs (locked) of these clients."""
    start, end = periods.bounds(period)
    entries_by_client: dict[int, list] = {}
    rows = (
        selectors.unbilled_entries(client_ids, end)
        .select_for_update(of=("self",))
        .order_by("started_at", "id")
        .values_list("id", "task__client_id", "started_at", "ended_at", "billable_minutes_override")
    )
    for entry_id, client_id, started_at, ended_at, override in rows:
        entries_by_client.setdefault(client_id, []).append(
            selectors.entry_usage(entry_id, started_at, ended_at, override)
        )
    packs_by_client: dict[int, list[HourPack]] = {}
    for pack in selectors.usable_packs(client_ids, start, end).select_for_update():
        packs_by_client.setdefault(pack.client_id, []).append(pack)
    return entries_by_client, packs_by_client


def _draw_packs(
    client_packs: list[HourPack], rated: rating.Rating, packs_touched: list[HourPack]
) -> None:
    for pack in client_packs:
        used = rated.pack_usage.get(pack.pk)
        if used:
            pack.remaining_minutes -= used
            packs_touched.append(pack)


def _issue(
    invoices: list[Invoice],
    rated_of: list[rating.Rating],
    taxed_of: list[tax.Taxed],
    packs_touched: list[HourPack],
    now: datetime.datetime,
    actor: User | None,
) -> bool:
    """Store new invoices with their lines and issue events, link every billed entry to
    its invoice and draw the packs. False when a concurrent close got there first."""
    try:
        with transaction.atomic():
            Invoice.objects.bulk_create(invoices)
    except IntegrityError:
        return False
    lines, billed, events = [], [], []
    for invoice, rated, taxed in zip(invoices, rated_of, taxed_of, strict=True):
        for position, taxed_line in enumerate(taxed.lines):
            line = taxed_line.line
            lines.append(
                InvoiceLine(
                    invoice=invoice,
                    position=position,
                    kind=line.kind,
                    description=line.description,
                    quantity_minutes=line.quantity_minutes,
                    unit_rate=line.unit_rate,
                    amount=taxed_line.amount,
                    tax_rate=taxed_line.tax_rate,
                    tax_amount=taxed_line.tax_amount,
                )
            )
        for entry_id, minutes in rated.entry_minutes.items():
            billed.append(
                InvoicedEntry(entry_id=entry_id, invoice_id=invoice.pk, billed_minutes=minutes)
            )
        events.append(
            InvoiceEvent(
                invoice=invoice,
                action="issue",
                to_status=invoice.status,
                source=_source(actor),
                actor=actor,
                created_at=now,
            )
        )
    InvoiceLine.objects.bulk_create(lines, batch_size=1000)
    InvoiceEvent.objects.bulk_create(events, batch_size=1000)
    InvoicedEntry.objects.bulk_create(billed, batch_size=1000)
    _save_fields(packs_touched, ["remaining_minutes"])
    _announce(invoice.pk for invoice in invoices if invoice.total)
    return True


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


def _period_invoice(
    *,
    client_id: int,
    subscription: Subscription | None,
    period: datetime.date,
    number: str,
    taxed: tax.Taxed,
    legal: LegalMentions,
    currency: str,
    now: datetime.datetime,
    **extra: Any,
) -> Invoice:
    paid = taxed.total_incl_tax == 0
    return Invoice(
        client_id=client_id,
        subscription=subscription,
        kind=InvoiceKind.PERIOD,
        number=number,
        period_start=period,
        period_end=periods.last_day(period),
        status=InvoiceStatus.PAID if paid else InvoiceStatus.OPEN,
        currency=currency,
        created_at=now,
        finalised_at=now,
        paid_at=now if paid else None,
        **legal.fields(client_id, taxed),
        **extra,
    )


def _lock_awaiting(period: datetime.date, ids: list[int]) -> list[Subscription]:
    """These subscriptions, locked, if they still await `period`'s close (a concurrent
    close may have taken them since their ids were read)."""
    return list(
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "scheduled_plan")
        .filter(_awaiting(period), id__in=ids)
        .order_by("id")
    )


def _apply_scheduled_plan(sub: Subscription, period: datetime.date) -> None:
    """A downgrade scheduled for this period takes effect now, before it is rated."""
    if (
        sub.scheduled_plan_id
        and sub.scheduled_plan_from
        and sub.scheduled_plan_from <= period
        and sub.scheduled_plan is not None
    ):
        sub.plan = sub.scheduled_plan
        sub.scheduled_plan = None
        sub.scheduled_plan_from = None


def _rate_subscription(
    sub: Subscription,
    terms: PlanTerms | None,
    period: datetime.date,
    factor: Fraction,
    entries: list[rating.EntryUsage],
    packs: list[HourPack],
) -> rating.Rating:
    """The period rated at the subscription's plan and `terms`, prorated by `factor`,
    with the minutes it rolled over and its client's `packs`."""
    return rating.rate_period(
        plan=selectors.rating_plan(sub.plan, terms),
        entries=entries,
        rollover_in=sub.rollover_minutes if sub.closed_through else 0,
        factor=factor,
        packs=[rating.PackBalance(p.pk, p.remaining_minutes) for p in packs],
        factor_label=(
            f"{factor.numerator * periods.days_in(period) // factor.denominator}"
            f"/{periods.days_in(period)} days"
        ),
    )


def _subscription_invoice(
    sub: Subscription,
    period: datetime.date,
    terms: PlanTerms | None,
    factor: Fraction,
    taxed: tax.Taxed,
    legal: LegalMentions,
    rated: rating.Rating,
    number: str,
    now: datetime.datetime,
) -> Invoice:
    usage = {**rated.usage(), "proration": str(factor)}
    if terms is not None:
        usage["terms_effective_from"] = terms.effective_from.isoformat()
    return _period_invoice(
        client_id=sub.client_id,
        subscription=sub,
        period=period,
        number=number,
        taxed=taxed,
        legal=legal,
        currency=terms.currency if terms else sub.plan.currency,
        now=now,
        usage=usage,
        plan=sub.plan,
        plan_terms=terms,
    )


def _mark_closed(
    sub: Subscription,
    period: datetime.date,
    rated: rating.Rating,
    now: datetime.datetime,
    actor: User | None,
) -> SubscriptionEvent | None:
    """Record `period` as closed on the subscription, with the minutes it rolls over; one
    cancelled at the end of this period ends (the event returned, to be stored)."""
    sub.closed_through = period
    sub.rollover_minutes = rated.rollover_out
    sub.updated_at = now
    if not (sub.cancel_at_period_end and sub.ended_on and sub.ended_on <= periods.last_day(period)):
        return None
    target = _allowed(SUBSCRIPTION_TRANSITIONS, "end", sub.status)
    if target is None:
        return None
    event = SubscriptionEvent(
        subscription=sub,
        action="end",
        from_status=sub.status,
        to_status=target,
        source=_source(actor),
        actor=actor,
        note="cancelled at the end of its last period",
        created_at=now,
    )
    sub.status = target
    return event


# What closing a period changes on a subscription (saved for the whole chunk at once).
CLOSED_FIELDS = [
    "plan",
    "scheduled_plan",
    "scheduled_plan_from",
    "closed_through",
    "rollover_minutes",
    "status",
    "updated_at",
]


@transaction.atomic
def _close_chunk(
    period: datetime.date, ids: list[int], now: datetime.datetime, actor: User | None
) -> int:
    """Close `period` for these subscriptions: rate each one's usage, issue its invoice,
    draw its packs and carry its rollover; all or nothing."""
    subs = _lock_awaiting(period, ids)
    if not subs:
        return 0
    entries_by_client, packs_by_client = _load_usage([s.client_id for s in subs], period)
    terms_of = selectors.terms_by_plan(
        [s.plan_id for s in subs] + [s.scheduled_plan_id for s in subs if s.scheduled_plan_id]
    )
    legal = LegalMentions.now([s.client_id for s in subs], now)
    numbers = iter(_numbers(now.astimezone(periods.zone()).year, len(subs)))
    invoices: list[Invoice] = []
    rated_of: list[rating.Rating] = []
    taxed_of: list[tax.Taxed] = []
    packs_touched: list[HourPack] = []
    ended = []
    for sub in subs:
        _apply_scheduled_plan(sub, period)
        terms = selectors.terms_in_force(terms_of.get(sub.plan_id, []), period)
        factor = periods.proration_factor(start_date=sub.start_date, period=period)
        packs = packs_by_client.get(sub.client_id, [])
        entries = entries_by_client.get(sub.client_id, [])
        rated = _rate_subscription(sub, terms, period, factor, entries, packs)
        taxed = legal.taxed(rated.lines, (terms or sub.plan).tax_rate)
        _draw_packs(packs, rated, packs_touched)
        invoices.append(
            _subscription_invoice(
                sub, period, terms, factor, taxed, legal, rated, next(numbers), now
            )
        )
        rated_of.append(rated)
        taxed_of.append(taxed)
        if event := _mark_closed(sub, period, rated, now, actor):
            ended.append(event)

    if not _issue(invoices, rated_of, taxed_of, packs_touched, now, actor):
        # Another close made these invoices between our read and our write.
        log.info("billing close of %s raced another close; nothing done", period)
        transaction.set_rollback(True)
        return 0
    SubscriptionEvent.objects.bulk_create(ended)
    _save_fields(subs, CLOSED_FIELDS)
    return len(invoices)


@transaction.atomic
def close_pack_statements(
    *, period: datetime.date, now: datetime.datetime | None = None, actor: User | None = None
) -> int:
    """Clients without a live subscription (hour packs only): one statement for `period`
    of their unbilled billable time started before its end, drawn from their packs
    (oldest first); time beyond the packs is billed at the latest pack's own hourly
    price. Clients already given a statement for `period` wait for the next one."""
    now = now or timezone.now()
    end = periods.bounds(period)[1]
    live = Subscription.objects.exclude(status=SubscriptionStatus.CANCELLED).values("client_id")
    stated = Invoice.objects.filter(
        kind=InvoiceKind.PERIOD, subscription__isnull=True, period_start=period
    ).values("client_id")
    client_ids = sorted(
        set(
            selectors.unbilled_entries_of_all(end)
            .exclude(task__client_id__in=live)
            .exclude(task__client_id__in=stated)
            .values_list("task__client_id", flat=True)
        )
    )
    if not client_ids:
        return 0
    # Lock the clients' rows, as `subscription_create` does, in pk order: the rows must be
    # fetched for the lock to be taken (Django drops FOR UPDATE from `.count()`). Then read
    # again, with the lock held, who still has no subscription: one created while we
    # waited is committed now, and that client's time is its subscription's to bill.
    list(
        User.objects.select_for_update()
        .filter(pk__in=client_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    subscribed = live.filter(client_id__in=client_ids).values_list("client_id", flat=True)
    client_ids = sorted(set(client_ids) - set(subscribed))
    if not client_ids:
        return 0
    entries_by_client, packs_by_client = _load_usage(client_ids, period)
    client_ids = [c for c in client_ids if entries_by_client.get(c)]
    legal = LegalMentions.now(client_ids, now)
    numbers = iter(_numbers(now.astimezone(periods.zone()).year, len(client_ids)))
    invoices: list[Invoice] = []
    rated_of: list[rating.Rating] = []
    taxed_of: list[tax.Taxed] = []
    packs_touched: list[HourPack] = []
    for client_id in client_ids:
        client_packs = packs_by_client.get(client_id, [])
        plan = selectors.pack_rating_plan(client_id)
        rated = rating.rate_period(
            plan=plan,
            entries=entries_by_client[client_id],
            packs=[rating.PackBalance(p.pk, p.remaining_minutes) for p in client_packs],
        )
        taxed = legal.taxed(rated.lines, selectors.pack_tax_rate(client_id))
        _draw_packs(client_packs, rated, packs_touched)
        invoices.append(
            _period_invoice(
                client_id=client_id,
                subscription=None,
                period=period,
                number=next(numbers),
                taxed=taxed,
                legal=legal,
                currency=plan.currency,
                now=now,
                usage={**rated.usage(), "pack_statement": True},
            )
        )
        rated_of.append(rated)
        taxed_of.append(taxed)
    if not _issue(invoices, rated_of, taxed_of, packs_touched, now, actor):
        transaction.set_rollback(True)
        return 0
    return len(invoices)


def _save_fields(objects: list, fields: list[str]) -> None:
    """Save `fields` of many rows of one model as bulk_update would, in one `UPDATE …
    WHERE id = %s` run by executemany: bulk_update's per-row CASE expressions cost more
    than the close itself."""
    if not objects:
        return
    meta = type(objects[0])._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 - names from model metadata
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# Usage alerts -----------------------------------------------------------------------


@transaction.atomic
def usage_alerts_check(
    *,
    subscription_id: int | None = None,
    client_id: int | None = None,
    now: datetime.datetime | None = None,
) -> list[int]:
    """Notify the client once per period when usage crosses 80 % and 100 % of the
    allowance (rollover + included + packs; a pack-only client: their packs' balance).
    Returns the thresholds newly crossed. Runs the moment billable time is recorded or
    changed, and from a job as a safety net; the unique constraint keeps it to once."""
    if subscription_id is not None:
        client_id = (
            Subscription.objects.filter(pk=subscription_id)
            .exclude(status=SubscriptionStatus.CANCELLED)
            .values_list("client_id", flat=True)
            .first()
        )
    if client_id is None:
        return []
    usage = selectors.client_usage(client_id, now)
    if usage is None or usage.awaiting_close:
        # Until the previous period is closed this period's allowance (its rollover) is
        # not known; the job checks again once the close has run.
        return []
    allowance = usage.allowance_minutes
    used = usage.rating.used_minutes
    if allowance <= 0:
        return []
    crossed = []
    for threshold in ALERT_THRESHOLDS:
        if used * 100 < threshold * allowance:
            continue
        with transaction.atomic():
            _alert, created = UsageAlert.objects.get_or_create(
                client_id=client_id,
                period_start=usage.period_start,
                threshold=threshold,
                defaults={
                    "subscription": usage.subscription,
                    "used_minutes": used,
                    "allowance_minutes": allowance,
                },
            )
        if created:
            crossed.append(threshold)
    if crossed:
        top = max(crossed)
        with addressed_to(client_id):
            words = {
                "top": top,
                "used": used,
                "allowance": allowance,
                "period": date_format(usage.period_start, "YEAR_MONTH_FORMAT"),
            }
            if usage.subscription is None:
                subject = _("You have used %(top)s %% of your hour packs") % words
                further = (
                    _("Buy a pack to keep billable time going.")
                    if top >= 100
                    else _("Buy another pack before they run out.")
                )
            else:
                subject = _("You have used %(top)s %% of this month's hours") % words
                further = _("Further time is billed as overage.")
            notify(
                user_id=client_id,
                kind=NotificationKind.HOURS_RUNNING_LOW,
                data={
                    "subscription": usage.subscription.pk if usage.subscription else None,
                    "threshold": top,
                },
                subject=subject,
                body=_(
                    "This period you have used %(used)s of your %(allowance)s minutes (%(period)s)."
                )
                % words
                + " "
                + further,
            )
    return crossed


def usage_alerts_on_time(*, task: Task) -> None:
    """Billable-time watcher: alert the moment a threshold is crossed."""
    usage_alerts_check(client_id=task.client_id)
