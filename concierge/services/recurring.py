"""Recurring tasks: a series' occurrences created ahead of time from its rule, once each."""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from concierge import hooks, recurrence
from concierge.errors import ApplicationError
from concierge.models import (
    Task,
    TaskHistory,
)
from concierge.platform import bounded
from concierge.services.tasks import S, _auto_assign, _event, _promise, _series_anchor

log = logging.getLogger(__name__)

RECURRENCE_HORIZON = datetime.timedelta(days=14)


@transaction.atomic
def task_recurrence_extend(
    *,
    template_id: int,
    now: datetime.datetime | None = None,
    horizon: datetime.timedelta = RECURRENCE_HORIZON,
) -> list[Task]:
    """Create the series' occurrences due before `now + horizon` that do not exist yet.

    Each occurrence is its own task, created once: the template is locked, existing
    instants are skipped and the database refuses a second row for the same instant.
    """
    now = now or timezone.now()
    template = (
        Task.objects.select_for_update()
        .select_related("client")
        .filter(pk=template_id, recurrence_parent__isnull=True)
        .exclude(recurrence="")
        .first()
    )
    if template is None or template.status == S.CANCELLED or not template.client.is_active:
        return []
    try:
        hooks.check_task_create(template.client)
    except ApplicationError:
        return []
    anchor = template.occurrence_at or _series_anchor(template)
    try:
        # In a child process with a time limit: a rule stored before today's checks, or one
        # they let through, cannot hold the job that serves every client.
        instants = bounded.run(
            recurrence.occurrences,
            rule=template.recurrence,
            dtstart=anchor,
            zone=template.client.timezone,
            after=max(anchor + datetime.timedelta(seconds=1), now),
            until=now + horizon,
            seconds=recurrence.EXPAND_SECONDS,
        )
    except (bounded.Overrun, ValueError, OverflowError):
        log.warning("Recurring task %s: its rule could not be expanded.", template.pk)
        return []
    existing = set(template.occurrences.values_list("occurrence_at", flat=True))
    created = []
    for instant in instants:
        if instant in existing:
            continue
        shift = {
            name: instant + (getattr(template, name) - anchor)
            for name in ("requested_due_at", "scheduled_start", "scheduled_end")
            if getattr(template, name) is not None
        }
        task = Task(
            client=template.client,
            title=template.title,
            description=template.description,
            category=template.category,
            priority=template.priority,
            estimate_minutes=template.estimate_minutes,
            max_minutes=template.max_minutes,
            recurrence_parent=template,
            occurrence_at=instant,
            created_at=now,
            **shift,
        )
        task.promised_due_at = _promise(task, start=max(now, instant - datetime.timedelta(days=1)))
        try:
            with transaction.atomic():
                task.save()
        except IntegrityError:
            continue  # created meanwhile by another run
        _event(
            task,
            actor=None,
            action=TaskHistory.CREATE,
            to_status=task.status,
            data={"series": template.pk},
        )
        created.append(_auto_assign(task))
    return created
