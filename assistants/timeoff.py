"""Assistants' time off, managed by managers: reads and writes."""

import datetime

from django.db import transaction

from assistants.handover import Move, time_off_hand_over
from assistants.models import TimeOff
from concierge import errors
from concierge.errors import Invalid
from concierge.models import Role, TaskEvent, User
from concierge.selectors import tasks_visible_to


def time_off_visible_to(user):
    """Managers see all time off; an assistant their own; clients none."""
    time_off = TimeOff.objects.all()
    if not user.is_authenticated:
        return time_off.none()
    if user.is_manager:
        return time_off
    if user.is_assistant:
        return time_off.filter(assistant=user)
    return time_off.none()


@transaction.atomic
def time_off_create(
    *,
    actor: User,
    assistant: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    reason: str = "",
) -> tuple[TimeOff, list[Move]]:
    """Enter an assistant's time off; their open work falling inside it moves on (see
    `assistants.handover`). Returns the time off and what happened to each task."""
    if assistant.role != Role.ASSISTANT:
        raise Invalid(
            errors.NOT_AN_ASSISTANT,
            f"User {assistant.pk} is not an assistant.",
            fields={"assistant": ["Must be an assistant."]},
        )
    if ends_at <= starts_at:
        raise Invalid(
            errors.INVALID,
            "Time off must end after it starts.",
            fields={"ends_at": ["Must be after starts_at."]},
        )
    time_off = TimeOff.objects.create(
        assistant=assistant, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=actor
    )
    return time_off, time_off_hand_over(time_off=time_off, actor=actor)


@transaction.atomic
def time_off_delete(*, time_off: TimeOff) -> None:
    time_off.delete()


def time_off_moves(user, time_off_ids) -> dict[int, list[TaskEvent]]:
    """What each time off did to the open work inside it, as `{time_off id: [event]}`: the
    hand-overs and flags recorded on the tasks `user` may see (with the task and its
    assignee now). One query."""
    events = (
        TaskEvent.objects.filter(
            kind__in=("assign", "flag"),
            data__time_off__in=list(time_off_ids),
            task__in=tasks_visible_to(user),
        )
        .select_related("task__assignee")
        .order_by("created_at", "pk")
    )
    moves = {}
    for event in events:
        moves.setdefault(event.data["time_off"], []).append(event)
    return moves
