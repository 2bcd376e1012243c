"""Subscriptions: subscribing, plan changes and cancellation at the period's end, the
spend cap, and the guards that decide whether a client's time may be billed."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import errors, periods, selectors
from billing.audit import Action
from billing.models import (
    BillingEventSource,
    Plan,
    PlanKind,
    Subscription,
    SubscriptionHistory,
)
from billing.services.transitions import SS, history_entry, subscription_transition
from concierge import audit
from concierge.errors import Conflict, Invalid
from concierge.models import Role, Task, User
from concierge.services import locked


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
        raise Invalid(errors.Code.NOT_A_CLIENT, _("Only clients can subscribe."))
    if not plan.active:
        raise Invalid(errors.Code.PLAN_INACTIVE, _("This plan is not offered any more."))
    User.objects.select_for_update().filter(pk=client.pk).first()
    if selectors.live_subscription(client.pk) is not None:
        raise Conflict(errors.Code.ALREADY_SUBSCRIBED, _("This client already has a subscription."))
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                client=client, plan=plan, start_date=start_date or _today()
            )
    except IntegrityError:
        raise Conflict(
            errors.Code.ALREADY_SUBSCRIBED, _("This client already has a subscription.")
        ) from None
    actor = actor or client
    audit.write(
        [
            history_entry(
                subscription,
                SubscriptionHistory.SUBSCRIBE,
                to_status=subscription.status,
                source=BillingEventSource.MANAGER
                if actor.is_manager
                else BillingEventSource.CLIENT,
                actor=actor,
                note=f"plan {plan.code} from {subscription.start_date:%Y-%m-%d}",
            )
        ]
    )
    return subscription


@transaction.atomic
def subscription_change(*, subscription: Subscription, plan: Plan) -> Subscription:
    """Schedule a plan change for the start of the next period (the same plan undoes it)."""
    subscription = locked(subscription, related=("plan", "scheduled_plan"))
    if subscription.cancel_at_period_end:
        raise Conflict(
            errors.Code.SUBSCRIPTION_ENDING, _("The subscription ends at this period's end.")
        )
    if plan.pk == subscription.plan_id:
        subscription.scheduled_plan = None
        subscription.scheduled_plan_from = None
    else:
        if not plan.active:
            raise Invalid(errors.Code.PLAN_INACTIVE, _("This plan is not offered any more."))
        subscription.scheduled_plan = plan
        subscription.scheduled_plan_from = periods.next_period(
            selectors.current_period(subscription)
        )
    subscription.save(update_fields=["scheduled_plan", "scheduled_plan_from", "updated_at"])
    _record_request(
        subscription,
        SubscriptionHistory.SCHEDULE_PLAN,
        f"plan {plan.code} from {subscription.scheduled_plan_from:%Y-%m-%d}"
        if subscription.scheduled_plan_id
        else "scheduled plan change withdrawn",
    )
    return subscription


def _record_request(subscription: Subscription, action: SubscriptionHistory, note: str) -> None:
    """A client's request that takes effect later (no status change yet), on record."""
    audit.write(
        [
            history_entry(
                subscription,
                action,
                from_status=subscription.status,
                to_status=subscription.status,
                source=BillingEventSource.CLIENT,
                actor=subscription.client,
                note=note,
            )
        ]
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
        _record_request(
            subscription, SubscriptionHistory.CANCEL, f"ends on {subscription.ended_on:%Y-%m-%d}"
        )
    return subscription


@transaction.atomic
def subscription_set_spend_cap(
    *, subscription: Subscription, spend_cap: Decimal | None, actor: User | None = None
) -> Subscription:
    subscription = locked(subscription, related=("plan", "scheduled_plan"))
    if spend_cap is not None and subscription.plan.kind != PlanKind.HOURLY:
        raise Invalid(errors.Code.SPEND_CAP_NOT_HOURLY, _("Only hourly plans take a spend cap."))
    before = audit.snapshot(subscription, ["spend_cap"])
    subscription.spend_cap = spend_cap
    subscription.save(update_fields=["spend_cap", "updated_at"])
    audit.record(
        actor=actor,
        action=Action.SPEND_CAP_SET,
        target=subscription,
        changes=audit.changes_of(before, audit.snapshot(subscription, ["spend_cap"])),
        about=subscription.client,
    )
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
        refusal = _("The client's monthly spend cap is reached; the client must raise it first.")
        raise Conflict(errors.Code.SPEND_CAP_REACHED, refusal, fields={"billable": [refusal]})


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
        refusal = _(
            "This client has neither a subscription nor an hour pack: billable time can't be "
            "logged for them (log it as non-billable, or the client subscribes or buys a pack)."
        )
        raise Conflict(errors.Code.NO_PLAN_OR_PACK, refusal, fields={"billable": [refusal]})
    wanted = 0 if ended_at is None else -(-int((ended_at - started_at).total_seconds()) // 60)
    if usage.remaining_minutes <= 0 or wanted > usage.remaining_minutes:
        refusal = _(
            "The client's hour packs have %(minutes)s min left; they must buy a pack first."
        ) % {"minutes": usage.remaining_minutes}
        raise Conflict(errors.Code.PACK_BALANCE_EXHAUSTED, refusal, fields={"billable": [refusal]})


def billable_room(*, task: Task) -> int | None:
    """Billable-room provider: a pack-only client's balance left, in seconds."""
    if selectors.live_subscription(task.client_id) is not None:
        return None
    usage = selectors.pack_usage(task.client_id)
    return 0 if usage is None else usage.remaining_minutes * 60


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
