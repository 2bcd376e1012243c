"""Time off: an assistant's absences, and the hand-over of their tasks that follows."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from assistants import policies
from assistants.audit import Action
from assistants.handover import Move, time_off_hand_over
from assistants.models import (
    TimeOff,
)
from concierge import audit, errors
from concierge.models import Role, User

TIME_OFF_FIELDS = ("assistant_id", "starts_at", "ends_at", "reason")


@transaction.atomic
def time_off_create(
    *,
    actor: User,
    assistant: User,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
) -> tuple[TimeOff, list[Move]]:
    """Enter an assistant's time off; their open work falling inside it moves on (see
    `assistants.handover`). Returns the time off and what happened to each task."""
    policies.require_manage_time_off(actor)
    if assistant.role != Role.ASSISTANT:
        raise errors.Invalid(
            errors.Code.NOT_AN_ASSISTANT,
            _("User %(id)s is not an assistant.") % {"id": assistant.pk},
            fields={"assistant": [_("Must be an assistant.")]},
        )
    if ends_at <= starts_at:
        raise errors.Invalid(
            errors.Code.INVALID,
            _("Time off must end after it starts."),
            fields={"ends_at": [_("Must be after the start.")]},
        )
    time_off = TimeOff.objects.create(
        assistant=assistant, starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=actor
    )
    audit.record(
        actor=actor,
        action=Action.TIME_OFF_ENTERED,
        target=time_off,
        changes=audit.created(audit.snapshot(time_off, TIME_OFF_FIELDS)),
        about=assistant,
    )
    return time_off, time_off_hand_over(time_off=time_off, actor=actor)


@transaction.atomic
def time_off_delete(*, actor: User, time_off: TimeOff) -> None:
    policies.require_manage_time_off(actor)
    audit.record(
        actor=actor,
        action=Action.TIME_OFF_REMOVED,
        target=time_off,
        changes=audit.removed(audit.snapshot(time_off, TIME_OFF_FIELDS)),
        about=time_off.assistant,
    )
    time_off.delete()
