"""Reads of the billing app. Each takes the acting user first (when there is one)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from assistants.models import TimeEntry, TimeEntryStatus
from billing import periods, rating
from billing.models import (
    HourPack,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Plan,
    Subscription,
    SubscriptionStatus,
)


def plans_visible_to(user):
    """Everyone reads active plans; managers also inactive ones."""
    plans = Plan.objects.all()
    if user.is_authenticated and user.is_manager:
        return plans
    return plans.filter(active=True)


def live_subscription(client_id):
    """The client's subscription that is not cancelled, or None."""
    return (
        Subscription.objects.select_related("plan", "scheduled_plan")
        .filter(client_id=client_id)
        .exclude(status=SubscriptionStatus.CANCELLED)
        .first()
    )


def subscription_of(user, *, client_id=None):
    if user.is_manager and client_id is not None:
        return live_subscription(client_id)
    return live_subscription(user.pk)


def invoices_visible_to(user):
    invoices = Invoice.objects.all()
    if not user.is_authenticated:
        return invoices.none()
    if user.is_manager:
        return invoices
    if user.is_client:
        return invoices.filter(client=user)
    return invoices.none()


def unpaid_card_invoices(client_id):
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


def invoices_with_details(queryset):
    return queryset.prefetch_related(
        "lines",
        Prefetch(
            "time_entries",
            queryset=TimeEntry.objects.order_by("started_at", "id"),
        ),
    )


def hour_packs_of(user):
    return HourPack.objects.filter(client=user).order_by("-purchased_at", "-id")


def rating_plan(plan: Plan) -> rating.RatingPlan:
    return rating.RatingPlan(
        name=plan.name,
        monthly_fee=plan.monthly_fee,
        included_minutes=plan.included_minutes,
        rollover_cap_minutes=plan.rollover_cap_minutes,
        rounding_increment_minutes=plan.rounding_increment_minutes,
        tiers=rating.tiers_from(plan.overage_tiers),
        currency=plan.currency,
    )


def plan_for_period(subscription: Subscription, period: datetime.date) -> Plan:
    if (
        subscription.scheduled_plan_id
        and subscription.scheduled_plan_from
        and subscription.scheduled_plan_from <= period
    ):
        return subscription.scheduled_plan
    return subscription.plan


def current_period(subscription: Subscription, now=None) -> datetime.date:
    now = now or timezone.now()
    period = periods.period_of_instant(now)
    return max(period, periods.period_of(subscription.start_date))


def unbilled_entries(client_ids, before):
    """Billable, stopped, not yet invoiced entries of these clients' tasks started before
    `before`."""
    return TimeEntry.objects.filter(
        task__client_id__in=client_ids,
        billable=True,
        status=TimeEntryStatus.STOPPED,
        invoice__isnull=True,
        ended_at__isnull=False,
        started_at__lt=before,
    )


def usable_packs(client_ids, start, end):
    """Packs bought before the period's end, not expired at its start, oldest first."""
    return HourPack.objects.filter(
        client_id__in=client_ids,
        revoked_at__isnull=True,
        remaining_minutes__gt=0,
        purchased_at__lt=end,
        expires_at__gt=start,
    ).order_by("purchased_at", "id")


def entry_usage(entry_id, started_at, ended_at, override):
    seconds = int((ended_at - started_at).total_seconds())
    return rating.EntryUsage(key=entry_id, duration_seconds=seconds, override_minutes=override)


@dataclass
class Usage:
    subscription: Subscription
    period_start: datetime.date
    period_end: datetime.date
    plan: Plan
    rating: rating.Rating

    @property
    def projected_amount(self) -> Decimal:
        return self.rating.total

    @property
    def allowance_minutes(self) -> int:
        r = self.rating
        return r.rollover_in + r.included_minutes + r.pack_minutes


def current_usage(subscription: Subscription, now=None) -> Usage:
    """The current period rated as if it closed now."""
    period = current_period(subscription, now)
    start, end = periods.bounds(period)
    plan = plan_for_period(subscription, period)
    rollover_in = (
        subscription.rollover_minutes
        if subscription.closed_through == periods.previous_period(period)
        else 0
    )
    entries = unbilled_entries([subscription.client_id], end).values_list(
        "id", "started_at", "ended_at", "billable_minutes_override"
    )
    packs = usable_packs([subscription.client_id], start, end).values_list(
        "id", "remaining_minutes"
    )
    factor = periods.proration_factor(start_date=subscription.start_date, period=period)
    rated = rating.rate_period(
        plan=rating_plan(plan),
        entries=[entry_usage(*row) for row in entries],
        rollover_in=rollover_in,
        factor=factor,
        packs=[rating.PackBalance(pk, left) for pk, left in packs],
    )
    return Usage(subscription, period, periods.last_day(period), plan, rated)
