"""What the assistants app holds about a person, and how it forgets them (registered in
`AssistantsConfig.ready()`; see concierge/privacy.py)."""

from datetime import timedelta
from typing import cast

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.utils.serializer_helpers import ReturnList

from assistants import errors as time_errors
from assistants.models import (
    AssistantProfile,
    EntryHistory,
    TimeEntry,
    TimeEntryEvent,
    TimeEntryStatus,
    TimeOff,
)
from assistants.services.rollups import group_of, time_rollup_refresh
from concierge import audit
from concierge.errors import Conflict
from concierge.models import TERMINAL_STATUSES, AuditLog, Task

# Free text a time entry's history may carry: what the entry said, why it was disputed.
TEXT_KEYS = ("note", "reason")


def export_time_entries(user) -> list:
    """An assistant's own entries; a client's, those logged on their tasks."""
    from assistants.api.time_serializers import TimeEntryDetailSerializer

    if user.is_assistant:
        entries = TimeEntry.objects.filter(assistant=user)
    elif user.is_client:
        entries = TimeEntry.objects.filter(task__client=user)
    else:
        entries = TimeEntry.objects.filter(created_by=user)
    entries = entries.with_billing().prefetch_related("events").order_by("started_at", "id")
    # many=True makes a ListSerializer: its data is a list (the stubs read a Serializer's).
    return cast(ReturnList, TimeEntryDetailSerializer(entries, many=True).data)


def export_assistant_profile(user) -> dict | None:
    profile = AssistantProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {
        "skills": profile.skills,
        "weekly_capacity_minutes": profile.weekly_capacity_minutes,
        "active": profile.active,
        "workday_start": profile.workday_start.isoformat(),
        "workday_end": profile.workday_end.isoformat(),
        "working_days": profile.working_days,
        "time_off": [
            {
                "starts_at": off.starts_at.isoformat(),
                "ends_at": off.ends_at.isoformat(),
                "reason": off.reason,
            }
            for off in TimeOff.objects.filter(assistant=user).order_by("starts_at", "id")
        ],
    }


def _settle_running_timers(client) -> None:
    """A timer still running on the erased client's work stops now, for a manager's
    review: never billed as is to an account that is going (its assistant is told by the
    task's cancellation). Each stop is in the entry's history."""
    now = timezone.now()
    running = list(
        TimeEntry.objects.select_related("task")
        .select_for_update(of=("self",))
        .filter(task__client=client, ended_at=None)
    )
    for entry in running:
        entry.ended_at = max(now, entry.started_at + timedelta(seconds=1))
        entry.status = TimeEntryStatus.NEEDS_REVIEW
        entry.reviewable_from = now
        entry.save(update_fields=["ended_at", "status", "reviewable_from", "updated_at"])
        audit.record(
            actor=None,
            action=EntryHistory.TIMER_STOPPED,
            target=entry,
            data={"ended_at": str(entry.ended_at), "status": entry.status, "why": "erasure"},
        )
    time_rollup_refresh(groups={group_of(entry) for entry in running})


def erase(user) -> None:
    """A client: entries on their tasks stay (invoices bill them), without their notes.
    An assistant: their entries stay as logged; their profile, leave and skills go. An
    assistant still holding open work or a running timer is refused: reassign first."""
    if user.is_assistant:
        open_tasks = Task.objects.filter(assignee=user).exclude(status__in=TERMINAL_STATUSES)
        if open_tasks.exists() or TimeEntry.objects.filter(assistant=user, ended_at=None).exists():
            raise Conflict(
                time_errors.Code.ASSISTANT_HAS_OPEN_WORK,
                _("This assistant still has open tasks or a running timer: reassign them first."),
            )
        TimeOff.objects.filter(assistant=user).delete()
        AssistantProfile.objects.filter(user=user).update(active=False, skills=[])
        return
    _settle_running_timers(user)
    entries = TimeEntry.objects.filter(task__client=user)
    task_ids = list(Task.objects.filter(client=user).values_list("pk", flat=True))
    entries.exclude(note="").update(note="")
    entries.exclude(dispute_reason="").update(dispute_reason="")  # what they wrote in disputes
    events = TimeEntryEvent.objects.filter(
        Q(entry_id__in=entries.values("pk")) | Q(kind="deleted", data__task__in=task_ids)
    )
    for event in events.only("pk", "data"):
        if any(event.data.get(key) for key in TEXT_KEYS):
            data = {k: v for k, v in event.data.items() if k not in TEXT_KEYS}
            # The history is a view of the audit log: the record itself is redacted.
            AuditLog.objects.filter(pk=event.pk).update(data=data)
