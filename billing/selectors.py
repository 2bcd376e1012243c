"""Reads of the billing app. Each takes the acting user first (when there is one)."""

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assistants.models import TimeEntry
from billing import errors, periods, rating
from billing.models import (
    STANDARD_VAT_RATE,
    CreditNote,
    HourPack,
    Invoice,
    InvoicedEntry,
    InvoiceKind,
    InvoiceStatus,
    Plan,
    PlanTerms,
    Subscription,
    SubscriptionStatus,
)
from concierge.errors import NotFound
from concierge.models import ClientProfile, User
from concierge.selectors import clients_visible_to


def plans_visible_to(user: User | AnonymousUser) -> QuerySet[Plan]:
    """Everyone reads active plans; managers also inactive ones."""
    plans = Plan.objects.all()
    if user.is_authenticated and user.is_manager:
        return plans
    return plans.filter(active=True)


def live_subscription(client_id: int) -> Subscription | None:
    """The client's subscription that is not cancelled, or None."""
    return (
        Subscription.objects.select_related("plan", "scheduled_plan")
        .filter(client_id=client_id)
        .exclude(status=SubscriptionStatus.CANCELLED)
        .first()
    )


def live_subscriptions(client_ids: Collection[int]) -> dict:
    """`{client id: subscription}` for those of `client_ids` with one not cancelled."""
    subscriptions = (
        Subscription.objects.select_related("plan", "scheduled_plan")
        .filter(client_id__in=list(client_ids))
        .exclude(status=SubscriptionStatus.CANCELLED)
    )
    return {subscription.client_id: subscription for subscription in subscriptions}


def invoice_counts_by_status(user: User) -> dict:
    """`{status: count}` of the invoices `user` may see, every status present."""
    found = dict(
        invoices_visible_to(user)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: found.get(status, 0) for status in InvoiceStatus.values}


def subscription_of(user: User, *, client_id: int | None = None) -> Subscription | None:
    if user.is_manager and client_id is not None:
        return live_subscription(client_id)
    return live_subscription(user.pk)


def clients_with_plans(user: User) -> QuerySet[ClientProfile]:
    """The client profiles `user` may see (concierge's scope), each with its live
    subscription and plan as `live_subscriptions` (none or one): two queries."""
    live = Subscription.objects.exclude(status=SubscriptionStatus.CANCELLED).select_related("plan")
    return clients_visible_to(user).prefetch_related(
        Prefetch("user__subscriptions", queryset=live, to_attr="live_subscriptions")
    )


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    invoices = Invoice.objects.all()
    if not user.is_authenticated:
        return invoices.none()
    if user.is_manager:
        return invoices
    if user.is_client:
        return invoices.filter(client=user)
    return invoices.none()


def credit_notes_visible_to(user: User) -> QuerySet[CreditNote]:
    notes = CreditNote.objects.select_related("invoice")
    if not user.is_authenticated:
        return notes.none()
    if user.is_manager:
        return notes
    if user.is_client:
        return notes.filter(client=user)
    return notes.none()


def unpaid_card_invoices(client_id: int) -> QuerySet[Invoice]:
    """A client's open period invoices that Stripe collects (mirrored there), oldest
    first: those a new card should settle. Pack invoices are not among them: a pack whose
    payment failed was revoked, and charging for it now would sell hours no longer held."""
    return (
        Invoice.objects.filter(
            client_id=client_id, status=InvoiceStatus.OPEN, kind=InvoiceKind.PERIOD
        )
        .exclude(stripe_invoice_id="")
        .order_by("period_start", "pk")
    )


def invoices_with_details(queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return queryset.select_related("seller").prefetch_related(
        "lines",
        "credit_notes",
        "events",
        Prefetch(
            "billed_entries",
            queryset=InvoicedEntry.objects.select_related("entry__task").order_by(
                "entry__started_at", "entry_id"
            ),
        ),
    )


def entry_billing() -> dict[str, F]:
    """The invoice that bills each time entry, as `TimeEntry.objects.with_billing()` reads
    it (the assistants' entry billing hook): one outer join on the entry's key."""
    return {"invoice_id": F("billed__invoice_id")}


def hour_packs_of(user: User) -> QuerySet[HourPack]:
    return HourPack.objects.filter(client=user).order_by("-purchased_at", "-id")


def terms_in_force(terms: list[PlanTerms], period: datetime.date) -> PlanTerms | None:
    """Of one plan's terms, those in force for `period`: the latest effective on or before
    its first day."""
    found = None
    for item in sorted(terms, key=lambda t: t.effective_from):
        if item.effective_from <= period:
            found = item
    return found


def terms_by_plan(plan_ids: Iterable[int]) -> dict[int, list[PlanTerms]]:
    found: dict[int, list[PlanTerms]] = {}
    for item in PlanTerms.objects.filter(plan_id__in=set(plan_ids)):
        found.setdefault(item.plan_id, []).append(item)
    return found


def plan_terms(plan: Plan, period: datetime.date) -> PlanTerms | None:
    return terms_in_force(list(PlanTerms.objects.filter(plan=plan)), period)


def rating_plan(plan: Plan, terms: PlanTerms | None = None) -> rating.RatingPlan:
    """The rating engine's view of a plan at the given terms (the plan's own fields are
    its latest terms, used only for a plan that has no recorded terms)."""
    source = terms or plan
    return rating.RatingPlan(
        name=plan.name,
        monthly_fee=source.monthly_fee,
        included_minutes=source.included_minutes,
        rollover_cap_minutes=source.rollover_cap_minutes,
        rounding_increment_minutes=source.rounding_increment_minutes,
        tiers=rating.tiers_from(source.overage_tiers),
        currency=source.currency,
    )


def pack_tax_rate(client_id: int) -> Decimal:
    """The VAT rate of a pack-only client's statement: their latest pack's."""
    rate = (
        HourPack.objects.filter(client_id=client_id)
        .order_by("-purchased_at", "-id")
        .values_list("tax_rate", flat=True)
        .first()
    )
    return Decimal(STANDARD_VAT_RATE) if rate is None else rate


def pack_rating_plan(client_id: int) -> rating.RatingPlan:
    """How a client without a subscription is rated: time draws from their packs, whole
    minutes, and any time beyond them (only a race or a revoked pack leaves any) is
    billed at their latest pack's own price per hour."""
    latest = HourPack.objects.filter(client_id=client_id).order_by("-purchased_at", "-id").first()
    if latest is None:
        rate, currency = Decimal("0.00"), "EUR"
    else:
        rate, currency = rating.money(Decimal(latest.price) * 60 / latest.minutes), latest.currency
    return rating.RatingPlan(
        name="Hour packs",
        rounding_increment_minutes=1,
        tiers=(rating.Tier(None, rate),),
        currency=currency,
    )


def plan_for_period(subscription: Subscription, period: datetime.date) -> Plan:
    if (
        subscription.scheduled_plan_id
        and subscription.scheduled_plan_from
        and subscription.scheduled_plan_from <= period
        and subscription.scheduled_plan is not None
    ):
        return subscription.scheduled_plan
    return subscription.plan


def current_period(
    subscription: Subscription, now: datetime.datetime | None = None
) -> datetime.date:
    now = now or timezone.now()
    period = periods.period_of_instant(now)
    return max(period, periods.period_of(subscription.start_date))


def unbilled_entries(client_ids: Collection[int], before: datetime.datetime) -> QuerySet[TimeEntry]:
    """Billable (TimeEntry.objects.billable()), not yet invoiced entries of these clients'
    tasks started before `before`."""
    return TimeEntry.objects.billable().filter(
        task__client_id__in=client_ids, billed__isnull=True, started_at__lt=before
    )


def unbilled_entries_of_all(before: datetime.datetime) -> QuerySet[TimeEntry]:
    """Every client's billable, not yet invoiced entries started before `before`."""
    return TimeEntry.objects.billable().filter(billed__isnull=True, started_at__lt=before)


def usable_packs(
    client_ids: Collection[int], start: datetime.datetime, end: datetime.datetime
) -> QuerySet[HourPack]:
    """Packs bought before the period's end, not expired at its start, oldest first."""
    return HourPack.objects.filter(
        client_id__in=client_ids,
        revoked_at__isnull=True,
        remaining_minutes__gt=0,
        purchased_at__lt=end,
        expires_at__gt=start,
    ).order_by("purchased_at", "id")


def entry_usage(
    entry_id: int,
    started_at: datetime.datetime,
    ended_at: datetime.datetime | None,
    override: int | None,
) -> rating.EntryUsage:
    if ended_at is None:
        raise ValueError(f"Entry {entry_id} is running: only stopped time is billed.")
    seconds = int((ended_at - started_at).total_seconds())
    return rating.EntryUsage(key=entry_id, duration_seconds=seconds, override_minutes=override)


@dataclass
class Usage:
    """The current period rated as if it closed now; `subscription` and `plan` are None
    for a client who has hour packs only."""

    subscription: Subscription | None
    period_start: datetime.date
    period_end: datetime.date
    plan: Plan | None
    rating: rating.Rating
    currency: str
    # An earlier period still awaits its close: its time is not counted here, and what it
    # rolls over (or draws from packs) is not known yet, so the allowance is not final.
    awaiting_close: bool = False

    @property
    def projected_amount(self) -> Decimal:
        return self.rating.total

    @property
    def allowance_minutes(self) -> int:
        r = self.rating
        return r.rollover_in + r.included_minutes + r.pack_minutes

    @property
    def prorated_from(self) -> datetime.date | None:
        """The subscription's first day when it falls after this period's first: the
        period then includes only the share of the plan's time from that day on
        (`periods.proration_factor`), which the gauge says."""
        subscription = self.subscription
        if subscription is None or subscription.start_date.day == 1:
            return None
        if not self.period_start <= subscription.start_date <= self.period_end:
            return None
        return subscription.start_date

    @property
    def remaining_minutes(self) -> int:
        """Allowance not used yet this period (rollover, included, packs)."""
        return max(self.allowance_minutes - self.rating.used_minutes, 0)

    @property
    def rollover_expires_at(self) -> datetime.datetime | None:
        """Rolled-over minutes expire at this period's end."""
        if not self.rating.rollover_in:
            return None
        return periods.bounds(self.period_start)[1]


def current_usage(subscription: Subscription, now: datetime.datetime | None = None) -> Usage:
    """The current period rated as if it closed now. While an earlier period is not
    closed yet, the time started before this period's start is that period's (its close
    bills every unbilled entry started before its end): only this period's own time counts.
    Once the earlier periods are closed, time logged late is this period's too (BILLING.md,
    "What is billed")."""
    period = current_period(subscription, now)
    start, end = periods.bounds(period)
    plan = plan_for_period(subscription, period)
    first_open = (
        periods.next_period(subscription.closed_through)
        if subscription.closed_through
        else periods.period_of(subscription.start_date)
    )
    awaiting_close = first_open < period
    rollover_in = (
        subscription.rollover_minutes
        if subscription.closed_through == periods.previous_period(period)
        else 0
    )
    pending = unbilled_entries([subscription.client_id], end)
    if awaiting_close:
        pending = pending.filter(started_at__gte=start)
    entries = pending.values_list("id", "started_at", "ended_at", "billable_minutes_override")
    packs = usable_packs([subscription.client_id], start, end).values_list(
        "id", "remaining_minutes"
    )
    factor = periods.proration_factor(start_date=subscription.start_date, period=period)
    terms = plan_terms(plan, period)
    rated = rating.rate_period(
        plan=rating_plan(plan, terms),
        entries=[entry_usage(*row) for row in entries],
        rollover_in=rollover_in,
        factor=factor,
        packs=[rating.PackBalance(pk, left) for pk, left in packs],
    )
    currency = terms.currency if terms else plan.currency
    return Usage(
        subscription, period, periods.last_day(period), plan, rated, currency, awaiting_close
    )


def pack_usage(client_id: int, now: datetime.datetime | None = None) -> Usage | None:
    """A client without a subscription: the current period's time drawn from their packs
    (None when they have never bought one)."""
    if not HourPack.objects.filter(client_id=client_id).exists():
        return None
    period = periods.period_of_instant(now or timezone.now())
    start, end = periods.bounds(period)
    entries = unbilled_entries([client_id], end).values_list(
        "id", "started_at", "ended_at", "billable_minutes_override"
    )
    packs = usable_packs([client_id], start, end).values_list("id", "remaining_minutes")
    plan = pack_rating_plan(client_id)
    rated = rating.rate_period(
        plan=plan,
        entries=[entry_usage(*row) for row in entries],
        packs=[rating.PackBalance(pk, left) for pk, left in packs],
    )
    return Usage(None, period, periods.last_day(period), None, rated, plan.currency)


def client_usage(client_id: int, now: datetime.datetime | None = None) -> Usage | None:
    """The client's current usage: of their subscription, else of their hour packs, else
    None (neither: no billable time may be logged for them)."""
    subscription = live_subscription(client_id)
    if subscription is not None:
        return current_usage(subscription, now)
    return pack_usage(client_id, now)


@dataclass(frozen=True)
class CloseStatus:
    last_closed_period: datetime.date | None
    last_ended_period: datetime.date
    first_open_period: datetime.date | None

    @property
    def up_to_date(self) -> bool:
        return self.first_open_period is None or self.first_open_period > self.last_ended_period


def close_status(user: User, *, now: datetime.datetime | None = None) -> CloseStatus:
    """Where the monthly close stands (managers): the last month every live subscription
    has been invoiced for (none before any close), the last month that has ended, and
    the oldest month still to close."""
    if not (user.is_authenticated and user.is_manager):
        raise NotFound(errors.Code.NOT_FOUND, _("Not found."))
    from billing.services.close import _first_open_period  # the close's own rule, read only

    first_open = _first_open_period()
    ever_closed = Subscription.objects.filter(closed_through__isnull=False).exists()
    return CloseStatus(
        last_closed_period=(
            periods.previous_period(first_open) if first_open and ever_closed else None
        ),
        last_ended_period=periods.last_ended_period(now or timezone.now()),
        first_open_period=first_open,
    )
