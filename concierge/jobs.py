"""Background jobs of the core domain: e-mails, notification e-mails, recurring series,
deliveries left unanswered and overdue tasks. Each is queued through the outbox
(`concierge.platform.outbox.enqueue`), takes ids, re-reads, calls a service, and is safe
to run twice."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from concierge import hooks
from concierge.platform import outbox
from concierge.platform.outbox import enqueue, keyed_by_intent
from concierge.text import header_safe

log = logging.getLogger(__name__)

# The engine's own entry points, under the paths they had when they lived here: a task
# django-q2 queued, or a schedule stored, before the engine moved still finds them.
run_outbox_job = outbox.run_outbox_job
outbox_sweep = outbox.outbox_sweep


@keyed_by_intent
def send_email(user_id, subject, body, *, intent=None):
    """E-mail one person; `intent` (its outbox row id) makes the Message-ID."""
    from concierge.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        log.info("e-mail %r not sent: user %s is gone or inactive", subject, user_id)
        return 0
    headers = {} if intent is None else {"Message-ID": _message_id("job", intent)}
    message = EmailMessage(  # a subject stored with a line break still sends
        header_safe(subject), body, settings.DEFAULT_FROM_EMAIL, [user.email], headers=headers
    )
    return message.send()


def _message_id(kind, key):
    """A Message-ID made from the intent's id: a message sent a second time (a worker died
    between sending and recording it) is the same message to every mail system."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{kind}-{key}@{domain}>"


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
        message = EmailMessage(
            header_safe(notification.subject),  # rows stored before subjects were one line
            notification.body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            headers={"Message-ID": _message_id("notification", notification.pk)},
        )
        for attachment in hooks.email_attachments(notification):
            message.attach(*attachment)
        sent = message.send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return sent


SCHEDULES = [
    {
        "name": "concierge.outbox_sweep",
        "func": "concierge.platform.outbox.outbox_sweep",
        "schedule_type": "I",
        "minutes": 1,
        "repeats": -1,
    },
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
    """Queue the extension of every recurring series (see `extend_recurring_task`)."""
    from concierge.models import Task, TaskStatus

    templates = (
        Task.objects.filter(recurrence_parent__isnull=True)
        .exclude(recurrence="")
        .exclude(status=TaskStatus.CANCELLED)
        .values_list("pk", flat=True)
    )
    # One job per series: a series whose rule is slow or broken delays no other client's.
    ids = list(templates)
    for template_id in ids:
        enqueue("concierge.jobs.extend_recurring_task", template_id)
    return len(ids)


def extend_recurring_task(template_id):
    """Create one series' occurrences ahead of time (once each); the count created."""
    from concierge import services

    return len(services.task_recurrence_extend(template_id=template_id))


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
