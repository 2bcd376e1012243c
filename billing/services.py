"""Writes of the billing app: plans, subscriptions, packs, invoices and the period close.

The rating itself is pure (billing/rating.py); this module loads what it needs in bulk,
stores the result and links every billed entry to its invoice in the same transaction.
"""

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from assistants.models import TimeEntry
from billing import errors, periods, rating, selectors
from billing import stripe as billing_stripe
from billing.models import (
    HourPack,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceNumberSequence,
    InvoiceStatus,
    LineKind,
    Plan,
    PlanKind,
    Subscription,
    SubscriptionStatus,
    UsageAlert,
)
from billing.signals import invoice_finalised
from concierge.errors import Conflict, Invalid, NotFound
from concierge.jobs import enqueue
from concierge.models import NotificationKind, Role, User
from concierge.notifications import notify

log = logging.getLogger(__name__)

CLOSE_CHUNK = 500
PACK_VALIDITY = datetime.timedelta(days=365)
DEFAULT_PACKS = (
    {"minutes": 300, "price": "125.00", "currency": "EUR"},
    {"minutes": 600, "price": "240.00", "currency": "EUR"},
    {"minutes": 1200, "price": "460.00", "currency": "EUR"},
)
ALERT_THRESHOLDS = (80, 100)


def pack_offers():
    return [
        {"minutes": o["minutes"], "price": Decimal(o["price"]), "currency": o["currency"]}
        for o in getattr(settings, "BILLING_PACKS", DEFAULT_PACKS)
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
        raise Invalid(errors.INVALID, "The plan is not valid.", fields=problems)


def _normalise_tiers(tiers):
    return [
        {
            "up_to_minutes": t["up_to_minutes"],
            "hourly_rate": f"{Decimal(str(t['hourly_rate'])):.2f}",
        }
        for t in tiers
    ]


@transaction.atomic
def plan_create(
    *,
    code: str,
    name: str,
    kind: str,
    overage_tiers: list,
    currency: str = "EUR",
    monthly_fee: Decimal = Decimal("0.00"),
    included_minutes: int = 0,
    rollover_cap_minutes: int = 0,
    rounding_increment_minutes: int = 1,
    active: bool = True,
) -> Plan:
    fields = {
        "code": code,
        "name": name,
        "kind": kind,
        "currency": currency.upper(),
        "monthly_fee": monthly_fee,
        "included_minutes": included_minutes,
        "rollover_cap_minutes": rollover_cap_minutes,
        "rounding_increment_minutes": rounding_increment_minutes,
        "overage_tiers": overage_tiers,
        "active": active,
    }
    _validate_plan(fields)
    fields["overage_tiers"] = _normalise_tiers(overage_tiers)
    if Plan.objects.filter(code=code).exists():
        raise Invalid(errors.INVALID, "The plan is not valid.", fields={"code": ["Taken."]})
    return Plan.objects.create(**fields)


@transaction.atomic
def plan_update(*, plan: Plan, **changes) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    fields = {
        name: getattr(plan, name)
        for name in (
            "code",
            "name",
            "kind",
            "currency",
            "monthly_fee",
            "included_minutes",
            "rollover_cap_minutes",
            "rounding_increment_minutes",
            "overage_tiers",
            "active",
        )
    }
    fields.update(changes)
    _validate_plan(fields)
    if Plan.objects.filter(code=fields["code"]).exclude(pk=plan.pk).exists():
        raise Invalid(errors.INVALID, "The plan is not valid.", fields={"code": ["Taken."]})
    fields["overage_tiers"] = _normalise_tiers(fields["overage_tiers"])
    fields["currency"] = fields["currency"].upper()
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save()
    return plan


# Subscriptions ----------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.now().astimezone(periods.zone()).date()


@transaction.atomic
def subscription_create(
    *, client: User, plan: Plan, start_date: datetime.date | None = None
) -> Subscription:
    """Subscribe a client; a manager may give a past `start_date` (migrating a customer)."""
    if client.role != Role.CLIENT:
        raise Invalid(errors.NOT_A_CLIENT, "Only clients can subscribe.")
    if not plan.active:
        raise Invalid(errors.PLAN_INACTIVE, "This plan is not offered any more.")
    User.objects.select_for_update().filter(pk=client.pk).first()
    if selectors.live_subscription(client.pk) is not None:
        raise Conflict(errors.ALREADY_SUBSCRIBED, "This client already has a subscription.")
    try:
        with transaction.atomic():
            return Subscription.objects.create(
                client=client, plan=plan, start_date=start_date or _today()
            )
    except IntegrityError:
        raise Conflict(
            errors.ALREADY_SUBSCRIBED, "This client already has a subscription."
        ) from None


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "scheduled_plan")
        .get(pk=subscription.pk)
    )


@transaction.atomic
def subscription_change(*, subscription: Subscription, plan: Plan) -> Subscription:
    """Schedule a plan change for the start of the next period (the same plan undoes it)."""
    subscription = _locked(subscription)
    if subscription.cancel_at_period_end:
        raise Conflict(errors.SUBSCRIPTION_ENDING, "The subscription ends at this period's end.")
    if plan.pk == subscription.plan_id:
        subscription.scheduled_plan = None
        subscription.scheduled_plan_from = None
    else:
        if not plan.active:
            raise Invalid(errors.PLAN_INACTIVE, "This plan is not offered any more.")
        subscription.scheduled_plan = plan
        subscription.scheduled_plan_from = periods.next_period(
            selectors.current_period(subscription)
        )
    subscription.save(update_fields=["scheduled_plan", "scheduled_plan_from", "updated_at"])
    return subscription


@transaction.atomic
def subscription_cancel(*, subscription: Subscription) -> Subscription:
    """Cancel at the end of the current period; the last period is still invoiced."""
    subscription = _locked(subscription)
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
    return subscription


@transaction.atomic
def subscription_set_spend_cap(
    *, subscription: Subscription, spend_cap: Decimal | None
) -> Subscription:
    subscription = _locked(subscription)
    if spend_cap is not None and subscription.plan.kind != PlanKind.HOURLY:
        raise Invalid(errors.SPEND_CAP_NOT_HOURLY, "Only hourly plans take a spend cap.")
    subscription.spend_cap = spend_cap
    subscription.save(update_fields=["spend_cap", "updated_at"])
    return subscription


def check_spend_cap(*, task, assistant, started_at, ended_at=None) -> None:
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
            errors.SPEND_CAP_REACHED,
            "The client's monthly spend cap is reached; the client must raise it first.",
        )


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


def _announce(invoice_ids) -> None:
    ids = list(invoice_ids)
    if not ids:
        return

    def send():
        for invoice_id in ids:
            invoice_finalised.send(sender=Invoice, invoice_id=invoice_id)

    transaction.on_commit(send)


@transaction.atomic
def pack_purchase(*, client: User, minutes: int) -> HourPack:
    """Buy an hour pack: minutes credited now; its own invoice with one line."""
    if client.role != Role.CLIENT:
        raise Invalid(errors.NOT_A_CLIENT, "Only clients buy hour packs.")
    offer = next((o for o in pack_offers() if o["minutes"] == minutes), None)
    if offer is None:
        raise Invalid(
            errors.UNKNOWN_PACK,
            "No hour pack of that size is offered.",
            fields={"minutes": [f"One of {[o['minutes'] for o in pack_offers()]}."]},
        )
    now = timezone.now()
    pack = HourPack.objects.create(
        client=client,
        minutes=minutes,
        remaining_minutes=minutes,
        price=offer["price"],
        currency=offer["currency"],
        purchased_at=now,
        expires_at=now + PACK_VALIDITY,
    )
    today = now.astimezone(periods.zone()).date()
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
        total=pack.price,
        finalised_at=now,
        paid_at=None if pack.price else now,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        position=0,
        kind=LineKind.PACK,
        description=f"Hour pack: {minutes} min, valid 365 days",
        quantity_minutes=minutes,
        amount=pack.price,
    )
    if pack.price:
        _announce([invoice.pk])
    return pack


@transaction.atomic
def hour_pack_revoke(*, pack_id: int) -> HourPack:
    """Its payment failed: the pack's remaining minutes are withdrawn (repeats are no-ops)."""
    pack = HourPack.objects.select_for_update().get(pk=pack_id)
    if pack.revoked_at is None:
        pack.revoked_at = timezone.now()
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


def payment_method_set(*, user: User, payment_method: str):
    """Make a card (a PaymentMethod id from Stripe.js) the client's default for invoices;
    unpaid subscription invoices are then charged again with it, by a job."""
    summary = billing_stripe.payment_method_attach(user=user, payment_method=payment_method)
    if selectors.unpaid_card_invoices(user.pk).exists():
        enqueue("billing.stripe_jobs.retry_open_invoices", user.pk)
    return summary


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice) -> Invoice:
    """Local mode: a manager records the payment of an open invoice (repeats are no-ops)."""
    if settings.STRIPE_ENABLED:
        raise Conflict(errors.COLLECTED_BY_STRIPE, "Invoices are collected through Stripe.")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == InvoiceStatus.PAID:
        return invoice
    if invoice.status != InvoiceStatus.OPEN:
        raise Conflict(errors.INVOICE_NOT_PAYABLE, "Only an open invoice can be marked paid.")
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = timezone.now()
    invoice.save(update_fields=["status", "paid_at"])
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


def billing_period_close(
    *, period: datetime.date | None = None, now: datetime.datetime | None = None
) -> CloseResult:
    """Close every ended, unclosed period up to `period` (default: the last ended one),
    oldest first, so rollover chains. Idempotent and safe to run concurrently."""
    now = now or timezone.now()
    last = periods.last_ended_period(now)
    if period is not None:
        period = periods.period_of(period)
        if period > last:
            raise Conflict(errors.PERIOD_NOT_ENDED, "That period has not ended yet.")
        last = period
    result = CloseResult()
    current = _first_open_period()
    while current is not None and current <= last:
        created = close_one_period(period=current, now=now)
        if created:
            result.periods.append(current)
            result.invoices += created
        current = periods.next_period(current)
    return result


def close_one_period(*, period: datetime.date, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    ids = list(
        Subscription.objects.filter(_awaiting(period)).order_by("id").values_list("id", flat=True)
    )
    created = 0
    for index in range(0, len(ids), CLOSE_CHUNK):
        created += _close_chunk(period, ids[index : index + CLOSE_CHUNK], now)
    return created


@transaction.atomic
def _close_chunk(period: datetime.date, ids: list[int], now: datetime.datetime) -> int:
    start, end = periods.bounds(period)
    subs = list(
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "scheduled_plan")
        .filter(_awaiting(period), id__in=ids)
        .order_by("id")
    )
    if not subs:
        return 0
    client_ids = [s.client_id for s in subs]

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

    numbers = iter(_numbers(now.astimezone(periods.zone()).year, len(subs)))
    invoices, rated_of, packs_touched = [], [], []
    last = periods.last_day(period)
    for sub in subs:
        if sub.scheduled_plan_id and sub.scheduled_plan_from and sub.scheduled_plan_from <= period:
            sub.plan = sub.scheduled_plan
            sub.scheduled_plan = None
            sub.scheduled_plan_from = None
        plan = sub.plan
        factor = periods.proration_factor(start_date=sub.start_date, period=period)
        client_packs = packs_by_client.get(sub.client_id, [])
        rated = rating.rate_period(
            plan=selectors.rating_plan(plan),
            entries=entries_by_client.get(sub.client_id, []),
            rollover_in=sub.rollover_minutes if sub.closed_through else 0,
            factor=factor,
            packs=[rating.PackBalance(p.pk, p.remaining_minutes) for p in client_packs],
            factor_label=(
                f"{factor.numerator * periods.days_in(period) // factor.denominator}"
                f"/{periods.days_in(period)} days"
            ),
        )
        for pack in client_packs:
            used = rated.pack_usage.get(pack.pk)
            if used:
                pack.remaining_minutes -= used
                packs_touched.append(pack)
        paid = rated.total == 0
        invoices.append(
            Invoice(
                client_id=sub.client_id,
                subscription=sub,
                kind=InvoiceKind.PERIOD,
                number=next(numbers),
                period_start=period,
                period_end=last,
                status=InvoiceStatus.PAID if paid else InvoiceStatus.OPEN,
                currency=plan.currency,
                total=rated.total,
                usage={**rated.usage(), "proration": str(factor)},
                plan=plan,
                created_at=now,
                finalised_at=now,
                paid_at=now if paid else None,
            )
        )
        rated_of.append(rated)
        sub.closed_through = period
        sub.rollover_minutes = rated.rollover_out
        if sub.cancel_at_period_end and sub.ended_on and sub.ended_on <= last:
            sub.status = SubscriptionStatus.CANCELLED

    try:
        with transaction.atomic():
            Invoice.objects.bulk_create(invoices)
    except IntegrityError:
        # Another close made these invoices between our read and our write.
        log.info("billing close of %s raced another close; nothing done", period)
        transaction.set_rollback(True)
        return 0

    lines, billed = [], []
    for invoice, rated in zip(invoices, rated_of, strict=True):
        for position, line in enumerate(rated.lines):
            lines.append(
                InvoiceLine(
                    invoice=invoice,
                    position=position,
                    kind=line.kind,
                    description=line.description,
                    quantity_minutes=line.quantity_minutes,
                    unit_rate=line.unit_rate,
                    amount=line.amount,
                )
            )
        for entry_id, minutes in rated.entry_minutes.items():
            billed.append(TimeEntry(pk=entry_id, invoice_id=invoice.pk, billed_minutes=minutes))
    InvoiceLine.objects.bulk_create(lines, batch_size=1000)
    ops = connection.ops
    _update_rows(TimeEntry, ["invoice_id", "billed_minutes"], billed)
    _update_rows(HourPack, ["remaining_minutes"], packs_touched)
    _update_rows(
        Subscription,
        [
            "plan_id",
            "scheduled_plan_id",
            "scheduled_plan_from",
            "closed_through",
            "rollover_minutes",
            "status",
            "updated_at",
        ],
        subs,
        adapt={
            "scheduled_plan_from": ops.adapt_datefield_value,
            "closed_through": ops.adapt_datefield_value,
            "updated_at": lambda _: ops.adapt_datetimefield_value(now),
        },
    )
    _announce(invoice.pk for invoice in invoices if invoice.total)
    return len(invoices)


def _update_rows(model, columns, objects, adapt=None):
    """`UPDATE … SET columns WHERE id = …` for many rows in one executemany: the
    per-row CASE expressions of bulk_update cost more than the close itself."""
    if not objects:
        return
    adapt = adapt or {}
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608 - names from model metadata
    rows = [
        [adapt.get(c, lambda v: v)(getattr(obj, c)) for c in columns] + [obj.pk] for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# Usage alerts -----------------------------------------------------------------------


@transaction.atomic
def usage_alerts_check(*, subscription_id: int, now=None) -> list[int]:
    """Notify the client once per period when usage crosses 80 % and 100 % of the
    allowance (rollover + included + packs). Returns the thresholds newly crossed."""
    subscription = (
        Subscription.objects.select_related("plan", "scheduled_plan")
        .filter(pk=subscription_id)
        .exclude(status=SubscriptionStatus.CANCELLED)
        .first()
    )
    if subscription is None:
        return []
    usage = selectors.current_usage(subscription, now)
    allowance = usage.allowance_minutes
    used = usage.rating.used_minutes
    if allowance <= 0:
        return []
    crossed = []
    for threshold in ALERT_THRESHOLDS:
        if used * 100 < threshold * allowance:
            continue
        _, created = UsageAlert.objects.get_or_create(
            subscription=subscription,
            period_start=usage.period_start,
            threshold=threshold,
            defaults={"used_minutes": used, "allowance_minutes": allowance},
        )
        if created:
            crossed.append(threshold)
    if crossed:
        top = max(crossed)
        notify(
            user_id=subscription.client_id,
            kind=NotificationKind.HOURS_RUNNING_LOW,
            data={"subscription": subscription.pk, "threshold": top},
            subject=f"You have used {top} % of this month's hours",
            body=(
                f"This period you have used {used} of your {allowance} minutes "
                f"({usage.period_start:%B %Y}). Further time is billed as overage."
            ),
        )
    return crossed


def invoice_get(*, invoice_id: int) -> Invoice:
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound(errors.NOT_FOUND, "No such invoice.")
    return invoice
