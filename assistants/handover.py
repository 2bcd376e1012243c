"""Continuity: when an assistant goes on time off or is deactivated, their open work
moves on.

Each open task of theirs whose promised deadline or appointment falls inside the time
off (every open task, when they are deactivated) goes to whom the assignment policy
chooses without them — the client's backup (or primary) assistant when free, else the
best free assistant with the skill — or, when nobody is free, is flagged for the
managers. Each move is a task event carrying its reason; the client and both assistants
are told (see `concierge.services.task_hand_over`).
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assistants.assignment import DEFAULT_APPOINTMENT, away_at_task_dates, choose_assignee
from assistants.models import TimeOff
from concierge import services as concierge_services
from concierge.models import TERMINAL_STATUSES, Task, User


@dataclass(frozen=True)
class Move:
    """What happened to one task: moved to `to_assistant`, or flagged (None)."""

    task: int
    from_assistant: int
    to_assistant: int | None
    reason: str


def tasks_inside(assistant_id: int, starts_at=None, ends_at=None):
    """The assistant's open tasks whose promised deadline or appointment falls inside
    `[starts_at, ends_at)`; all their open tasks when no window is given."""
    tasks = Task.objects.filter(assignee_id=assistant_id).exclude(status__in=TERMINAL_STATUSES)
    if starts_at is None:
        return tasks
    deadline = Q(promised_due_at__gte=starts_at, promised_due_at__lt=ends_at)
    appointment = Q(scheduled_start__lt=ends_at) & (
        Q(scheduled_end__gt=starts_at)
        | Q(scheduled_end__isnull=True, scheduled_start__gt=starts_at - DEFAULT_APPOINTMENT)
    )
    return tasks.filter(deadline | appointment)


def _day(value: datetime.datetime, zone) -> str:
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M}"


@transaction.atomic
def work_hand_over(
    *,
    assistant: User,
    actor: User | None,
    cause: str,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    data: dict | None = None,
    now: datetime.datetime | None = None,
) -> list[Move]:
    """Move the assistant's affected open tasks on (tasks locked in id order)."""
    now = now or timezone.now()
    ids = list(
        tasks_inside(assistant.pk, starts_at, ends_at).order_by("pk").values_list("pk", flat=True)
    )
    tasks = Task.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return [
        _move(task, assistant=assistant, actor=actor, cause=cause, data=data, now=now)
        for task in tasks
        if task.assignee_id == assistant.pk
    ]


def _move(task, *, assistant, actor, cause, data, now) -> Move:
    """Hand one locked task over from `assistant`, or flag it when nobody is free."""
    choice = choose_assignee(task, now=now, exclude={assistant.pk})
    if choice is None:
        reason = f"{cause}; nobody free with the skill"
        concierge_services.task_flag(task_id=task.pk, actor=actor, reason=reason, data=data)
        return Move(task.pk, assistant.pk, None, reason)
    reason = f"{cause}; moved to the {choice.reason}"
    concierge_services.task_hand_over(
        task_id=task.pk, assistant=choice.assistant, actor=actor, reason=reason, data=data
    )
    return Move(task.pk, assistant.pk, choice.assistant.pk, reason)


def _leave(time_off) -> str:
    zone = time_off.assistant.zone
    return (
        f"{time_off.assistant.full_name} is on time off from {_day(time_off.starts_at, zone)} "
        f"to {_day(time_off.ends_at, zone)} ({time_off.assistant.timezone})"
    )


def time_off_hand_over(*, time_off, actor: User | None) -> list[Move]:
    """Work falling inside a new time off moves on."""
    return work_hand_over(
        assistant=time_off.assistant,
        actor=actor,
        cause=_leave(time_off),
        starts_at=time_off.starts_at,
        ends_at=time_off.ends_at,
        data={"time_off": time_off.pk},
    )


def deactivation_hand_over(*, assistant: User, actor: User | None) -> list[Move]:
    """All open work of a deactivated assistant moves on."""
    return work_hand_over(
        assistant=assistant,
        actor=actor,
        cause=f"{assistant.full_name} is no longer active",
        data={"deactivated": True},
    )


def reschedule_hand_over(*, task: Task, actor: User | None) -> Move | None:
    """Reschedule watcher: a task whose new dates fall in its assignee's time off moves on
    like work inside a new time off (`task` is locked by the caller)."""
    if task.assignee_id is None or not task.is_open:
        return None
    leave = (
        TimeOff.objects.select_related("assistant")
        .filter(away_at_task_dates(task), assistant_id=task.assignee_id)
        .order_by("starts_at")
        .first()
    )
    if leave is None:
        return None
    return _move(
        task,
        assistant=leave.assistant,
        actor=actor,
        cause=_leave(leave),
        data={"time_off": leave.pk},
        now=timezone.now(),
    )
