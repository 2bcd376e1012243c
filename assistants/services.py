"""Writes of the assistants app: profiles and time entries."""

from datetime import UTC, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from assistants import errors as time_errors
from assistants.handover import deactivation_hand_over
from assistants.hooks import billable_time_recorded, check_billable_time
from assistants.models import (
    AssistantProfile,
    TimeEntry,
    TimeEntryEvent,
    TimeEntrySource,
    TimeEntryStatus,
)
from concierge import errors
from concierge.models import NotificationKind, Role, Task, User
from concierge.notifications import notify
from concierge.services import user_create, user_update


def _clean_skills(skills):
    seen, cleaned = set(), []
    for skill in skills:
        skill = skill.strip()
        if skill and skill.lower() not in seen:
            seen.add(skill.lower())
            cleaned.append(skill)
    return cleaned


@transaction.atomic
def assistant_create(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    timezone: str = "UTC",
    skills: list[str] | None = None,
    weekly_capacity_minutes: int = 40 * 60,
    active: bool = True,
) -> AssistantProfile:
    user = user_create(
        email=email,
        password=password,
        role=Role.ASSISTANT,
        first_name=first_name,
        last_name=last_name,
        timezone=timezone,
    )
    return AssistantProfile.objects.create(
        user=user,
        skills=_clean_skills(skills or []),
        weekly_capacity_minutes=weekly_capacity_minutes,
        active=active,
    )


@transaction.atomic
def assistant_update(
    *, profile: AssistantProfile, actor: User | None = None, **fields
) -> AssistantProfile:
    """Edit an assistant; deactivating one moves all their open work on."""
    profile = AssistantProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    was_active = profile.active
    user_update(
        user=profile.user,
        **{k: v for k, v in fields.items() if k in ("first_name", "last_name", "timezone")},
    )
    if "skills" in fields:
        profile.skills = _clean_skills(fields["skills"])
    for name in (
        "weekly_capacity_minutes",
        "active",
        "workday_start",
        "workday_end",
        "working_days",
    ):
        if name in fields:
            setattr(profile, name, fields[name])
    profile.full_clean(exclude=["user"])
    profile.save()
    if was_active and not profile.active:
        deactivation_hand_over(assistant=profile.user, actor=actor)
    return profile


# --- Time entries -------------------------------------------------------------------------


def _utc(value):
    """Aware UTC, so that differences are real elapsed time even across a DST change."""
    return value.astimezone(UTC) if value is not None else None


def _record(entry, actor, kind, **data):
    TimeEntryEvent.objects.create(
        entry=entry, actor=actor if actor and actor.pk else None, kind=kind, data=data
    )


def _check_can_log(*, actor, task, assistant):
    if not (actor.is_manager or (actor.is_assistant and task.assignee_id == actor.pk)):
        raise errors.Forbidden(errors.NOT_ASSIGNEE, "Only the assignee or a manager logs time.")
    if task.assignee_id is None or assistant.pk != task.assignee_id:
        raise errors.Forbidden(errors.NOT_ASSIGNEE, "Time is logged by the task's assignee.")
    if not task.is_open:
        raise errors.Conflict(time_errors.TASK_NOT_OPEN, "Time can only be logged on open tasks.")


def _check_overlap(*, assistant, started_at, ended_at, exclude_pk=None):
    """The SQLite path of the PostgreSQL exclusion constraint (run inside the transaction)."""
    qs = TimeEntry.objects.filter(assistant=assistant).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=started_at)
    )
    if ended_at is not None:
        qs = qs.filter(started_at__lt=ended_at)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    conflicts = list(qs.values_list("ended_at", flat=True)[:10])
    if ended_at is None and None in conflicts:
        raise errors.Conflict(time_errors.TIMER_RUNNING, "A timer is already running.")
    if conflicts:
        raise errors.Conflict(time_errors.OVERLAPPING_ENTRY, "This time overlaps another entry.")


def _logged_seconds(task, exclude_pk=None):
    qs = TimeEntry.objects.filter(task=task, ended_at__isnull=False).exclude(
        status=TimeEntryStatus.REJECTED
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return sum(int((e - s).total_seconds()) for s, e in qs.values_list("started_at", "ended_at"))


def _check_cap(*, task, started_at, ended_at, exclude_pk=None):
    if task.max_minutes is None:
        return
    used = _logged_seconds(task, exclude_pk)
    if ended_at is None:
        if used >= task.max_minutes * 60:
            raise errors.Conflict(
                time_errors.TASK_CAP_REACHED, "The task's time budget is used up."
            )
        return
    total = used + int((ended_at - started_at).total_seconds())
    if total > task.max_minutes * 60:
        raise errors.Conflict(
            time_errors.TASK_CAP_REACHED, "This time would exceed the task's time budget."
        )


def _notify_cap(*, task, before_seconds):
    if task.max_minutes is None:
        return
    threshold = task.max_minutes * 60 * 0.8
    after = _logged_seconds(task)
    if before_seconds < threshold <= after:
        notify(
            user_id=task.client_id,
            kind=NotificationKind.TASK_BUDGET,
            data={"task": task.pk},
            subject=f"80% of the time budget used on {task.title}",
            body=(
                f"{after // 60} of {task.max_minutes} minutes are logged on “{task.title}”. "
                "Raise the budget if more time is needed."
            ),
        )


DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


def _save(entry):
    """Save, turning the database's overlap and running-timer constraints into 409s.

    On PostgreSQL, two transactions inserting overlapping entries at the same instant
    each wait, in the exclusion check, for the other to finish; PostgreSQL breaks the
    tie by aborting one of them as a deadlock. That one lost the race for the same time:
    it gets the same 409 as if it had come second.
    """
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        # A starting timer runs into the database's guards only when another timer of the
        # same assistant was started concurrently (a manual entry cannot end in the future).
        if not (_is_new_timer(entry) or "no_overlap" in str(exc)):
            raise
        raise _lost_race(entry) from exc
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
            raise
        raise _lost_race(entry) from exc


def _is_new_timer(entry):
    return entry.pk is None and entry.ended_at is None


def _lost_race(entry):
    if _is_new_timer(entry):
        return errors.Conflict(time_errors.TIMER_RUNNING, "A timer is already running.")
    return errors.Conflict(time_errors.OVERLAPPING_ENTRY, "This time overlaps another entry.")


def _lock_task(task):
    return Task.objects.select_for_update().get(pk=task.pk)


@transaction.atomic
def time_entry_create(
    *, actor, task, started_at, ended_at, note="", billable=True, assistant=None
) -> TimeEntry:
    task = _lock_task(task)
    started_at, ended_at = _utc(started_at), _utc(ended_at)
    assistant = assistant or task.assignee or actor
    _check_can_log(actor=actor, task=task, assistant=assistant)
    if ended_at <= started_at:
        raise errors.Invalid(
            errors.INVALID,
            "ended_at must be after started_at.",
            fields={"ended_at": ["Must be after started_at."]},
        )
    if ended_at > timezone.now():
        raise errors.Invalid(
            time_errors.ENDS_IN_FUTURE, "A manual entry may not end in the future."
        )
    _check_overlap(assistant=assistant, started_at=started_at, ended_at=ended_at)
    _check_cap(task=task, started_at=started_at, ended_at=ended_at)
    if billable:
        check_billable_time(
            task=task, assistant=assistant, started_at=started_at, ended_at=ended_at
        )
    before = _logged_seconds(task)
    entry = TimeEntry(
        task=task,
        assistant=assistant,
        started_at=started_at,
        ended_at=ended_at,
        note=note,
        billable=billable,
        source=TimeEntrySource.MANUAL,
        status=TimeEntryStatus.STOPPED,
        created_by=actor,
    )
    _save(entry)
    _record(entry, actor, "created", started_at=str(started_at), ended_at=str(ended_at))
    _notify_cap(task=task, before_seconds=before)
    if billable:
        billable_time_recorded(task=task)
    return entry


@transaction.atomic
def timer_start(*, actor, task, note="") -> TimeEntry:
    task = _lock_task(task)
    _check_can_log(actor=actor, task=task, assistant=actor)
    now = timezone.now()
    if TimeEntry.objects.filter(assistant=actor, ended_at__isnull=True).exists():
        raise errors.Conflict(time_errors.TIMER_RUNNING, "A timer is already running.")
    _check_overlap(assistant=actor, started_at=now, ended_at=None)
    _check_cap(task=task, started_at=now, ended_at=None)
    check_billable_time(task=task, assistant=actor, started_at=now, ended_at=None)
    entry = TimeEntry(
        task=task,
        assistant=actor,
        started_at=now,
        ended_at=None,
        note=note,
        source=TimeEntrySource.TIMER,
        status=TimeEntryStatus.RUNNING,
        created_by=actor,
    )
    _save(entry)
    _record(entry, actor, "timer_started")
    return entry


def timer_running(*, actor):
    return TimeEntry.objects.filter(assistant=actor, ended_at__isnull=True).first()


@transaction.atomic
def timer_stop(*, actor, entry=None, status=TimeEntryStatus.STOPPED, ended_at=None) -> TimeEntry:
    qs = TimeEntry.objects.select_for_update().filter(ended_at__isnull=True)
    entry = qs.filter(pk=entry.pk).first() if entry else qs.filter(assistant=actor).first()
    if entry is None:
        raise errors.Conflict(time_errors.NO_RUNNING_TIMER, "No timer is running.")
    before = _logged_seconds(entry.task)
    entry.ended_at = max(ended_at or timezone.now(), entry.started_at + timedelta(seconds=1))
    entry.status = status
    _save(entry)
    _record(entry, actor, "timer_stopped", ended_at=str(entry.ended_at), status=status)
    _notify_cap(task=entry.task, before_seconds=before)
    if entry.billable and status == TimeEntryStatus.STOPPED:
        billable_time_recorded(task=entry.task)
    return entry


def _locked_entry(entry):
    entry = TimeEntry.objects.select_for_update().select_related("task").get(pk=entry.pk)
    if entry.invoice_id is not None:
        raise errors.Conflict(time_errors.ENTRY_LOCKED, "An invoiced entry can't be changed.")
    return entry


def _seconds(started_at, ended_at):
    return int((ended_at - started_at).total_seconds()) if ended_at is not None else 0


@transaction.atomic
def time_entry_update(*, actor, entry, **changes) -> TimeEntry:
    """Edit an entry until it is invoiced. Shortening an entry or making it non-billable is
    always allowed; more time, or time made billable, passes the same rules as new time:
    an open task, the task's budget and the client's spend cap."""
    task = _lock_task(entry.task)
    entry = _locked_entry(entry)
    before_seconds = _seconds(entry.started_at, entry.ended_at)
    was_billable = entry.billable
    for field in ("started_at", "ended_at"):
        if changes.get(field) is not None:
            changes[field] = _utc(changes[field])
    changed = {}
    for field in ("started_at", "ended_at", "note", "billable"):
        if field in changes and changes[field] != getattr(entry, field):
            changed[field] = str(changes[field])
            setattr(entry, field, changes[field])
    if entry.ended_at is not None:
        if entry.ended_at <= entry.started_at:
            raise errors.Invalid(
                errors.INVALID,
                "ended_at must be after started_at.",
                fields={"ended_at": ["Must be after started_at."]},
            )
        if "ended_at" in changed and entry.ended_at > timezone.now():
            raise errors.Invalid(time_errors.ENDS_IN_FUTURE, "An entry may not end in the future.")
    if {"started_at", "ended_at"} & changed.keys():
        _check_overlap(
            assistant=entry.assistant,
            started_at=entry.started_at,
            ended_at=entry.ended_at,
            exclude_pk=entry.pk,
        )
    grows = _seconds(entry.started_at, entry.ended_at) > before_seconds
    if grows and not task.is_open:
        raise errors.Conflict(time_errors.TASK_NOT_OPEN, "Time can only be added on open tasks.")
    if grows and entry.ended_at is not None:
        _check_cap(
            task=task, started_at=entry.started_at, ended_at=entry.ended_at, exclude_pk=entry.pk
        )
    if entry.billable and (grows or not was_billable):
        check_billable_time(
            task=task,
            assistant=entry.assistant,
            started_at=entry.started_at,
            ended_at=entry.ended_at,
        )
    _save(entry)
    _record(entry, actor, "edited", **changed)
    return entry


@transaction.atomic
def time_entry_delete(*, actor, entry) -> None:
    """Delete an entry until it is invoiced. Its history stays, closed by a `deleted`
    event that keeps what the entry was."""
    entry = _locked_entry(entry)
    _record(
        entry,
        actor,
        "deleted",
        task=entry.task_id,
        assistant=entry.assistant_id,
        started_at=str(entry.started_at),
        ended_at=str(entry.ended_at),
        billable=entry.billable,
        status=entry.status,
        note=entry.note,
    )
    entry.delete()


@transaction.atomic
def time_entry_dispute(*, actor, entry, reason) -> TimeEntry:
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.invoice_id is not None:
        raise errors.Conflict(time_errors.ENTRY_LOCKED, "An invoiced entry can't be disputed.")
    if entry.ended_at is None or entry.status not in (
        TimeEntryStatus.STOPPED,
        TimeEntryStatus.NEEDS_REVIEW,
    ):
        raise errors.Conflict(time_errors.NOT_DISPUTABLE, "This entry can't be disputed.")
    if timezone.now() > entry.ended_at + timedelta(days=settings.TIME_DISPUTE_DAYS):
        raise errors.Conflict(
            time_errors.DISPUTE_WINDOW_CLOSED,
            f"Entries can be disputed for {settings.TIME_DISPUTE_DAYS} days after they end.",
        )
    previous = entry.status
    entry.status = TimeEntryStatus.DISPUTED
    entry.save(update_fields=["status", "updated_at"])
    _record(entry, actor, "disputed", reason=reason, previous_status=previous)
    return entry


@transaction.atomic
def time_entry_resolve(*, actor, entry, decision, billable_minutes=None) -> TimeEntry:
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.invoice_id is not None:
        raise errors.Conflict(time_errors.ENTRY_LOCKED, "An invoiced entry can't be changed.")
    if entry.status not in (TimeEntryStatus.DISPUTED, TimeEntryStatus.NEEDS_REVIEW):
        raise errors.Conflict(time_errors.NOT_DISPUTED, "This entry is not awaiting a decision.")
    if decision == "adjust":
        if billable_minutes is None:
            raise errors.Invalid(
                errors.INVALID,
                "billable_minutes is required to adjust.",
                fields={"billable_minutes": ["Required for adjust."]},
            )
        entry.billable_minutes_override = billable_minutes
        entry.status = TimeEntryStatus.STOPPED
    elif decision == "accept":
        entry.status = TimeEntryStatus.STOPPED
    else:
        entry.status = TimeEntryStatus.REJECTED
    entry.save(update_fields=["status", "billable_minutes_override", "updated_at"])
    _record(entry, actor, "resolved", decision=decision, billable_minutes=billable_minutes)
    return entry
