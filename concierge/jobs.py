"""Background jobs of the core domain, and the one helper that queues any job.

Jobs take ids, re-read, and call a service; each is safe to run twice (django-q2 may
deliver twice).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_q.tasks import async_task

log = logging.getLogger(__name__)


def enqueue(func, *args, **kwargs):
    """Queue `func` (a dotted path) after the current transaction commits.

    Nothing is sent for work that rolls back; outside a transaction it is queued at once.
    """
    transaction.on_commit(lambda: async_task(func, *args, **kwargs))


def send_email(user_id, subject, body):
    from concierge.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        log.info("e-mail %r not sent: user %s is gone or inactive", subject, user_id)
        return 0
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def send_notification_email(notification_id):
    """E-mail one notification, once: a second delivery of this job finds it sent.

    The preference is read again here, so turning e-mail off stops what is still queued.
    """
    from django.utils import timezone

    from concierge.models import Notification
    from concierge.notifications import wants_email

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return 0
        user = notification.user
        if not user.is_active or not wants_email(user.pk, notification.kind):
            log.info("notification %s not e-mailed: inactive or e-mail turned off", notification.pk)
            return 0
        sent = send_mail(
            notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, [user.email]
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return sent


SCHEDULES = [
    {
        "name": "concierge.extend_recurring_tasks",
        "func": "concierge.jobs.extend_recurring_tasks",
        "schedule_type": "I",
        "minutes": 60,
        "repeats": -1,
    },
    {
        "name": "concierge.auto_complete_deliveries",
        "func": "concierge.jobs.auto_complete_deliveries",
        "schedule_type": "I",
        "minutes": 60,
        "repeats": -1,
    },
    {
        "name": "concierge.notify_overdue_tasks",
        "func": "concierge.jobs.notify_overdue_tasks",
        "schedule_type": "I",
        "minutes": 15,
        "repeats": -1,
    },
]


def extend_recurring_tasks():
    """Create each recurring series' occurrences ahead of time (once each)."""
    from concierge import services
    from concierge.models import Task, TaskStatus

    templates = (
        Task.objects.filter(recurrence_parent__isnull=True)
        .exclude(recurrence="")
        .exclude(status=TaskStatus.CANCELLED)
        .values_list("pk", flat=True)
    )
    return sum(len(services.task_recurrence_extend(template_id=pk)) for pk in templates)


def auto_complete_deliveries():
    """Complete deliveries the client left unanswered for AUTO_COMPLETE_DAYS."""
    import datetime

    from django.utils import timezone

    from concierge import services
    from concierge.models import Task, TaskStatus

    cutoff = timezone.now() - datetime.timedelta(days=settings.AUTO_COMPLETE_DAYS)
    due = Task.objects.filter(status=TaskStatus.DELIVERED, delivered_at__lte=cutoff)
    done = [services.task_auto_complete(task_id=pk) for pk in due.values_list("pk", flat=True)]
    return sum(1 for task in done if task is not None)


def notify_overdue_tasks():
    """Tell people once about each open task past its promised deadline."""
    from django.utils import timezone

    from concierge import services
    from concierge.models import TERMINAL_STATUSES, Task

    overdue = (
        Task.objects.filter(promised_due_at__lt=timezone.now())
        .exclude(status__in=TERMINAL_STATUSES)
        .exclude(events__kind="overdue")
        .values_list("pk", flat=True)
    )
    return sum(services.task_notify_overdue(task_id=pk) for pk in list(overdue))
