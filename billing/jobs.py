"""Billing jobs: the daily period close, usage alerts and the payment grace period.

Each is safe to run twice."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

SCHEDULES = [
    {
        "name": "billing.close_periods",
        "func": "billing.jobs.close_periods",
        "schedule_type": "D",
        "repeats": -1,
    },
    {
        "name": "billing.usage_alerts",
        "func": "billing.jobs.usage_alerts",
        "schedule_type": "I",
        "minutes": 30,
        "repeats": -1,
    },
    {
        "name": "billing.reconcile_payments",
        "func": "billing.jobs.reconcile_payments",
        "schedule_type": "I",
        "minutes": 15,
        "repeats": -1,
    },
    {
        "name": "billing.remind_overdue_invoices",
        "func": "billing.notices.remind_overdue_invoices",
        "schedule_type": "D",
        "repeats": -1,
    },
    {
        "name": "billing.month_summaries",
        "func": "billing.jobs.month_summaries",
        "schedule_type": "D",
        "repeats": -1,
    },
    {
        "name": "billing.pause_past_due_subscriptions",
        "func": "billing.stripe_jobs.pause_past_due_subscriptions",
        "schedule_type": "I",
        "minutes": 60,
        "repeats": -1,
    },
]


def close_periods():
    from billing.services import billing_period_close

    result = billing_period_close()
    return result.invoices


def usage_alerts():
    """Safety net behind the alerts sent the moment time is recorded: check every client
    with an allowance to watch (a monthly plan, or hour packs)."""
    from billing.models import HourPack, PlanKind, Subscription, SubscriptionStatus
    from concierge.platform.outbox import enqueue

    now = timezone.now()
    live = Subscription.objects.exclude(status=SubscriptionStatus.CANCELLED)
    packs = HourPack.objects.filter(remaining_minutes__gt=0, expires_at__gt=now)
    subscribers = live.filter(
        Q(plan__kind=PlanKind.MONTHLY) | Exists(packs.filter(client_id=OuterRef("client_id")))
    ).values_list("client_id", flat=True)
    pack_only = packs.exclude(client_id__in=live.values("client_id")).values_list(
        "client_id", flat=True
    )
    ids = sorted(set(subscribers) | set(pack_only))
    for client_id in ids:
        enqueue("billing.jobs.usage_alert_client", client_id)
    return len(ids)


def usage_alert(subscription_id):
    from billing.services import usage_alerts_check

    return usage_alerts_check(subscription_id=subscription_id)


def reconcile_payments():
    """Apply, once, what lost jobs left undone on the money paths (billing.reconcile)."""
    from dataclasses import asdict

    from billing.reconcile import payments_reconcile

    return asdict(payments_reconcile())


def usage_alert_client(client_id):
    from billing.services import usage_alerts_check

    return usage_alerts_check(client_id=client_id)


def month_summaries():
    """Queue the summary of last month for each client whose invoice of it is issued and
    who has not been told yet (daily: a month closed late is told the day after)."""
    from billing.reports.mail import clients_due_a_summary, last_month
    from concierge.platform.outbox import enqueue_once

    period = last_month(timezone.now())
    ids = clients_due_a_summary(period)
    for client_id in ids:
        enqueue_once("billing.jobs.month_summary_client", client_id, period.isoformat())
    return len(ids)


def month_summary_client(client_id, period):
    import datetime

    from billing.reports.mail import month_summary_tell

    return month_summary_tell(client_id=client_id, period=datetime.date.fromisoformat(period))
