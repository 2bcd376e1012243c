"""Assistants' time off, managed by managers: reads and writes."""

import datetime

from django.db import transaction

from assistants.handover import Move, time_off_hand_over
from assistants.models import TimeOff
from concierge import errors
from concierge.errors import Invalid
from concierge.models import Role, User


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
