"""Background jobs of calendar sync. Each takes ids, re-reads, and is safe to run twice."""

from django.conf import settings

from calendar_sync.models import CalDavAccount, IcsSubscription, PushedObject
from concierge.platform.outbox import enqueue, enqueue_once

SCHEDULES = [
    {
        "name": "calendar_sync.refresh_subscriptions",
        "func": "calendar_sync.jobs.refresh_all_subscriptions",
        "schedule_type": "I",
        "minutes": getattr(settings, "CALENDAR_REFRESH_MINUTES", 30),
        "repeats": -1,
    },
]


def refresh_subscription(subscription_id):
    from calendar_sync import services

    subscription = services.subscription_refresh(subscription_id=subscription_id)
    return None if subscription is None else subscription.status


def refresh_all_subscriptions():
    """Queues one refresh per subscription (a broken one never stops the others)."""
    ids = list(IcsSubscription.objects.values_list("pk", flat=True))
    for subscription_id in ids:
        enqueue("calendar_sync.jobs.refresh_subscription", subscription_id)
    return len(ids)


def push_task(task_id):
    from calendar_sync import caldav_push

    return caldav_push.push_task(task_id)


def push_account(account_id):
    from calendar_sync import caldav_push

    return caldav_push.push_account(account_id)


def queue_task_push(task_id, user_ids):
    """After a task changed: queue a push if anyone who sees it links a CalDAV calendar."""
    user_ids = [u for u in user_ids if u is not None]
    if (
        CalDavAccount.objects.filter(user_id__in=user_ids).exists()
        or PushedObject.objects.filter(task_id=task_id).exists()
    ):
        enqueue_once("calendar_sync.jobs.push_task", task_id)
