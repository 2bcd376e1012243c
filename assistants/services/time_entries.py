"""Time entries: logging time by hand or by timer, editing and deleting it, within the
task's budget and the billable room a higher app grants, never overlapping another entry."""

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistants import errors as time_errors
from assistants import policies
from assistants.hooks import billable_room, billable_time_recorded, check_billable_time
from assistants.models import (
    EntryHistory,
    TimeEntry,
    TimeEntrySource,
    TimeEntryStatus,
)
from assistants.services.rollups import group_of, time_rollup_refresh
from concierge import audit, errors
from concierge.models import NotificationKind, Task, User
from concierge.notifications import addressed_to, local_time, notify
from concierge.services import locked

# The range any time entry must lie in (half-open); managers may date entries back to its
# start (a migrated customer's history), assistants TIME_BACKDATE_DAYS back from now.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
OVER_BUDGET_NOTE = "Past the task's time budget: not billable unless the client approves it."


@overload
def _utc(value: datetime) -> datetime: ...
@overload
def _utc(value: None) -> None: ...
def _utc(value: datetime | None) -> datetime | None:
    """Aware UTC, so that differences are real elapsed time even across a DST change."""
    return value.astimezone(UTC) if value is not None else None


def _record(entry: TimeEntry, actor: User | None, action: EntryHistory, **data: Any) -> None:
    """A line of the entry's history: a record of the audit log about the entry."""
    audit.record(actor=actor, action=action, target=entry, data=data)


def _check_can_log(*, actor: User, task: Task, assistant: User) -> None:
    if not (actor.is_manager or (actor.is_assistant and task.assignee_id == actor.pk)):
        raise errors.Forbidden(
            errors.Code.NOT_ASSIGNEE, _("Only the assignee or a manager logs time.")
        )
    if task.assignee_id is None or assistant.pk != task.assignee_id:
        raise errors.Forbidden(
            errors.Code.NOT_ASSIGNEE, _("Time is logged by the task's assignee.")
        )
    if not task.is_open:
        raise errors.Conflict(
            time_errors.Code.TASK_NOT_OPEN, _("Time can only be logged on open tasks.")
        )


def _check_times(
    *,
    actor: User | None,
    started_at: datetime,
    ended_at: datetime | None,
    changed: Collection[str] = ("started_at", "ended_at"),
) -> None:
    """The domain's bounds on an entry's times (400s with a stable code each): both in
    2000 to 2100, ending after it starts, no longer than TIMER_MAX_HOURS, not ending in the
    future, and, for anyone but a manager, starting at most TIME_BACKDATE_DAYS ago."""
    for name, value in (("started_at", started_at), ("ended_at", ended_at)):
        if value is not None and not EARLIEST <= value < LATEST:
            raise errors.Invalid(
                time_errors.Code.DATETIME_OUT_OF_RANGE,
                _("Time entries lie between 2000-01-01 and 2100-01-01."),
                fields={name: [_("Must be between 2000-01-01 and 2100-01-01.")]},
            )
    if ended_at is None:
        return
    if ended_at <= started_at:
        raise errors.Invalid(
            errors.Code.INVALID,
            _("An entry must end after it starts."),
            fields={"ended_at": [_("Must be after the start.")]},
        )
    if ended_at - started_at > timedelta(hours=settings.TIMER_MAX_HOURS):
        hours = {"hours": settings.TIMER_MAX_HOURS}
        raise errors.Invalid(
            time_errors.Code.ENTRY_TOO_LONG,
            _("An entry lasts at most %(hours)s hours; split longer work.") % hours,
            fields={"ended_at": [_("At most %(hours)s hours after the start.") % hours]},
        )
    now = timezone.now()
    if "ended_at" in changed and ended_at > now:
        raise errors.Invalid(
            time_errors.Code.ENDS_IN_FUTURE,
            _("An entry may not end in the future."),
            fields={"ended_at": [_("Must not be in the future.")]},
        )
    backdate = timedelta(days=settings.TIME_BACKDATE_DAYS)
    days = {"days": settings.TIME_BACKDATE_DAYS}
    if (
        actor is not None
        and not actor.is_manager
        and "started_at" in changed
        and started_at < now - backdate
    ):
        raise errors.Invalid(
            time_errors.Code.BACKDATED_TOO_FAR,
            _(
                "Assistants may date an entry at most %(days)s days back; "
                "a manager can record older time."
            )
            % days,
            fields={"started_at": [_("At most %(days)s days ago.") % days]},
        )


def _check_overlap(
    *,
    assistant: User,
    started_at: datetime,
    ended_at: datetime | None,
    exclude_pk: int | None = None,
) -> None:
    """The SQLite path of the PostgreSQL exclusion constraint (run inside the transaction)."""
    qs = TimeEntry.objects.filter(assistant=assistant).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=started_at)
    )
    if ended_at is not None:
        qs = qs.filter(started_at__lt=ended_at)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    ordering: list[Any] = ["started_at", "pk"]
    if ended_at is None:
        # A new timer: a running one in its way is what to say. One query, so a timer
        # started meanwhile by a concurrent request is seen either way as running.
        ordering.insert(0, F("ended_at").asc(nulls_first=True))
    other = qs.select_related("task").order_by(*ordering).first()
    if other is not None and ended_at is None and other.ended_at is None:
        raise _running_timer()
    if other is not None:
        overlap = _overlap_text(other)
        raise errors.Conflict(
            time_errors.Code.OVERLAPPING_ENTRY, overlap, fields={"started_at": [overlap]}
        )


def _running_timer() -> errors.Conflict:
    """The assistant's timer runs already: the new entry's start is in its way."""
    refusal = _("A timer is already running.")
    return errors.Conflict(
        time_errors.Code.TIMER_RUNNING, refusal, fields={"started_at": [refusal]}
    )


def _overlap_text(other: TimeEntry) -> str:
    """Which entry the time overlaps, in the reader's language and zone."""
    words = {"title": other.task.title, "start": local_time(other.started_at)}
    if other.ended_at is None:
        return _("This time overlaps the timer running on “%(title)s” since %(start)s.") % words
    words["end"] = local_time(other.ended_at)
    return _("This time overlaps another entry: “%(title)s”, %(start)s to %(end)s.") % words


def _budget_seconds(task: Task, exclude_pk: int | None = None) -> int:
    """The task's billable time counted against its budget (`max_minutes`): stopped,
    billable entries that were not rejected. Non-billable time costs the client nothing
    and is not capped."""
    qs = TimeEntry.objects.filter(task=task, ended_at__isnull=False, billable=True).exclude(
        status=TimeEntryStatus.REJECTED
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    spans = qs.values_list("started_at", "ended_at")
    return sum(int((e - s).total_seconds()) for s, e in spans if e is not None)


def _check_cap(
    *,
    task: Task,
    started_at: datetime,
    ended_at: datetime | None,
    exclude_pk: int | None = None,
) -> None:
    if task.max_minutes is None:
        return
    used = _budget_seconds(task, exclude_pk)
    if ended_at is None:
        if used >= task.max_minutes * 60:
            refusal = _("The task's time budget is used up.")
            raise errors.Conflict(
                time_errors.Code.TASK_CAP_REACHED, refusal, fields={"billable": [refusal]}
            )
        return
    total = used + int((ended_at - started_at).total_seconds())
    if total > task.max_minutes * 60:
        refusal = _("This time would exceed the task's time budget.")
        raise errors.Conflict(
            time_errors.Code.TASK_CAP_REACHED, refusal, fields={"billable": [refusal]}
        )


def _room_seconds(task: Task, exclude_pk: int | None = None) -> int | None:
    """How much more billable time this task can take: the rest of its budget and the
    client's billable room (a pack-only client's balance), None when unlimited."""
    rooms = []
    if task.max_minutes is not None:
        rooms.append(task.max_minutes * 60 - _budget_seconds(task, exclude_pk))
    client_room = billable_room(task=task)
    if client_room is not None:
        rooms.append(client_room)
    return max(min(rooms), 0) if rooms else None


def _notify_cap(*, task: Task, before_seconds: int) -> None:
    if task.max_minutes is None:
        return
    threshold = task.max_minutes * 60 * 0.8
    after = _budget_seconds(task)
    if before_seconds < threshold <= after:
        words = {"title": task.title, "logged": after // 60, "budget": task.max_minutes}
        with addressed_to(task.client_id):
            notify(
                user_id=task.client_id,
                kind=NotificationKind.TASK_BUDGET,
                data={"task": task.pk},
                subject=_("80%% of the time budget used on %(title)s") % words,
                body=_(
                    "%(logged)s of %(budget)s minutes are logged on “%(title)s”. "
                    "Raise the budget if more time is needed."
                )
                % words,
            )


DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


def _save(entry: TimeEntry) -> None:
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


def _is_new_timer(entry: TimeEntry) -> bool:
    return entry.pk is None and entry.ended_at is None


def _lost_race(entry: TimeEntry) -> errors.Conflict:
    if _is_new_timer(entry):
        return _running_timer()
    overlap = _("This time overlaps another entry.")
    return errors.Conflict(
        time_errors.Code.OVERLAPPING_ENTRY, overlap, fields={"started_at": [overlap]}
    )


def _new_entry(
    *,
    task: Task,
    assistant: User,
    started_at: datetime,
    ended_at: datetime | None,
    source: str,
    created_by: User | None,
    note: str = "",
    billable: bool = True,
    status: str | None = None,
    reviewable_from: datetime | None = None,
) -> TimeEntry:
    """An entry not yet saved: running while it has no end, stopped otherwise; the client
    may review it from its creation unless `reviewable_from` says otherwise."""
    now = timezone.now()
    if status is None:
        status = TimeEntryStatus.RUNNING if ended_at is None else TimeEntryStatus.STOPPED
    return TimeEntry(
        task=task,
        assistant=assistant,
        started_at=started_at,
        ended_at=ended_at,
        note=note,
        billable=billable,
        source=source,
        status=status,
        created_by=created_by,
        created_at=now,
        reviewable_from=reviewable_from or now,
    )


@transaction.atomic
def time_entry_create(
    *,
    actor: User,
    task: Task,
    started_at: datetime,
    ended_at: datetime | None,
    note: str = "",
    billable: bool = True,
    assistant: User | None = None,
) -> TimeEntry:
    task = locked(task)
    started_at, ended_at = _utc(started_at), _utc(ended_at)
    assistant = assistant or task.assignee or actor
    _check_can_log(actor=actor, task=task, assistant=assistant)
    _check_times(actor=actor, started_at=started_at, ended_at=ended_at)
    _check_overlap(assistant=assistant, started_at=started_at, ended_at=ended_at)
    if billable:
        _check_cap(task=task, started_at=started_at, ended_at=ended_at)
        check_billable_time(
            task=task, assistant=assistant, started_at=started_at, ended_at=ended_at
        )
    before = _budget_seconds(task)
    entry = _new_entry(
        task=task,
        assistant=assistant,
        started_at=started_at,
        ended_at=ended_at,
        note=note,
        billable=billable,
        source=TimeEntrySource.MANUAL,
        created_by=actor,
    )
    _save(entry)
    _record(entry, actor, EntryHistory.CREATED, started_at=str(started_at), ended_at=str(ended_at))
    _notify_cap(task=task, before_seconds=before)
    if billable:
        billable_time_recorded(task=task)
    if ended_at is not None:
        time_rollup_refresh(groups={group_of(entry)})
    return entry


@transaction.atomic
def timer_start(*, actor: User, task: Task, note: str = "") -> TimeEntry:
    task = locked(task)
    _check_can_log(actor=actor, task=task, assistant=actor)
    now = timezone.now()
    if TimeEntry.objects.filter(assistant=actor, ended_at__isnull=True).exists():
        raise errors.Conflict(time_errors.Code.TIMER_RUNNING, _("A timer is already running."))
    _check_overlap(assistant=actor, started_at=now, ended_at=None)
    _check_cap(task=task, started_at=now, ended_at=None)
    check_billable_time(task=task, assistant=actor, started_at=now, ended_at=None)
    entry = _new_entry(
        task=task,
        assistant=actor,
        started_at=now,
        ended_at=None,
        note=note,
        source=TimeEntrySource.TIMER,
        created_by=actor,
    )
    _save(entry)
    _record(entry, actor, EntryHistory.TIMER_STARTED)
    return entry


def _split_excess(*, entry: TimeEntry, task: Task, actor: User | None) -> TimeEntry | None:
    """A stopping timer that ran past its task's budget or the client's billable room is
    cut there: the entry keeps the billable part, the rest becomes a non-billable entry
    (made billable only by passing the same checks once the client raises the budget).
    Returns the excess entry, or None."""
    if not entry.billable:
        return None
    room = _room_seconds(task, exclude_pk=entry.pk)
    if room is None or entry.duration_seconds <= room:
        return None
    if room == 0:
        entry.billable = False
        entry.note = f"{entry.note}\n{OVER_BUDGET_NOTE}".strip()
        return entry
    cut = entry.started_at + timedelta(seconds=room)
    excess = _new_entry(
        task=task,
        assistant=entry.assistant,
        started_at=cut,
        ended_at=entry.ended_at,
        note=OVER_BUDGET_NOTE,
        billable=False,
        source=TimeEntrySource.TIMER,
        status=entry.status,
        created_by=entry.created_by,
        reviewable_from=entry.reviewable_from,
    )
    entry.ended_at = cut
    return excess


def _tell_over_budget(*, entry: TimeEntry, task: Task, excess: TimeEntry) -> None:
    words = {"title": task.title, "minutes": -(-excess.duration_seconds // 60), "entry": excess.pk}
    data = {"task": task.pk, "entry": entry.pk, "excess_entry": excess.pk}
    for user_id, subject in (
        (task.client_id, gettext_lazy("Time budget reached on %(title)s")),
        (entry.assistant_id, gettext_lazy("Timer cut at the budget: %(title)s")),
    ):
        with addressed_to(user_id):
            notify(
                user_id=user_id,
                kind=NotificationKind.TASK_BUDGET,
                data=data,
                subject=str(subject) % words,
                body=_(
                    "The timer on “%(title)s” ran past the time the task may bill. "
                    "%(minutes)s min were kept as non-billable time (entry %(entry)s); "
                    "raise the task's budget or your balance to have them billed."
                )
                % words,
            )


@transaction.atomic
def timer_stop(
    *,
    actor: User | None,
    entry: TimeEntry | None = None,
    status: str = TimeEntryStatus.STOPPED,
    ended_at: datetime | None = None,
) -> TimeEntry:
    qs = TimeEntry.objects.filter(ended_at__isnull=True)
    found = qs.filter(pk=entry.pk) if entry else qs.filter(assistant=actor)
    task_id = found.values_list("task_id", flat=True).first()
    if task_id is None:
        raise errors.Conflict(time_errors.Code.NO_RUNNING_TIMER, _("No timer is running."))
    task = Task.objects.select_for_update().get(pk=task_id)  # the task first, as elsewhere
    entry = found.select_for_update().first()
    if entry is None:
        raise errors.Conflict(time_errors.Code.NO_RUNNING_TIMER, _("No timer is running."))
    before = _budget_seconds(task)
    now = timezone.now()
    entry.ended_at = max(ended_at or now, entry.started_at + timedelta(seconds=1))
    entry.status = status
    entry.reviewable_from = now
    excess = _split_excess(entry=entry, task=task, actor=actor)
    _save(entry)
    _record(entry, actor, EntryHistory.TIMER_STOPPED, ended_at=str(entry.ended_at), status=status)
    if excess is not None and excess.pk is None:
        _save(excess)
        _record(excess, actor, EntryHistory.SPLIT_OVER_BUDGET, from_entry=entry.pk)
        _record(entry, actor, EntryHistory.SPLIT_OVER_BUDGET, excess_entry=excess.pk)
    if excess is not None:
        _tell_over_budget(entry=entry, task=task, excess=excess)
    _notify_cap(task=task, before_seconds=before)
    billable_time_recorded(task=task)
    time_rollup_refresh(groups={group_of(e) for e in (entry, excess) if e is not None})
    return entry


def timer_stop_at_room(*, entry_id: int) -> TimeEntry | None:
    """Job: stop a running timer once its task's budget or the client's billable room is
    used up, at the instant it was (nothing past it is billed). A no-op otherwise."""
    running = TimeEntry.objects.filter(pk=entry_id, ended_at__isnull=True)
    entry = running.select_related("task").first()
    if entry is None or not entry.billable:
        return None
    room = _room_seconds(entry.task, exclude_pk=entry.pk)
    if room is None or entry.duration_seconds < room:
        return None
    try:
        return timer_stop(
            actor=None, entry=entry, ended_at=entry.started_at + timedelta(seconds=room)
        )
    except errors.Conflict:
        return None  # stopped meanwhile


def _locked_entry(entry: TimeEntry, actor: User | None = None) -> TimeEntry:
    entry = TimeEntry.objects.select_for_update().select_related("task").get(pk=entry.pk)
    if entry.billed_at is not None:
        raise errors.Conflict(
            time_errors.Code.ENTRY_LOCKED, _("An invoiced entry can't be changed.")
        )
    if entry.status == TimeEntryStatus.DISPUTED and actor is not None and not actor.is_manager:
        raise errors.Conflict(
            time_errors.Code.ENTRY_DISPUTED,
            _("The client disputes this entry; it can't be changed until a manager resolves it."),
        )
    return entry


def _seconds(started_at: datetime, ended_at: datetime | None) -> int:
    return int((ended_at - started_at).total_seconds()) if ended_at is not None else 0


@transaction.atomic
def time_entry_update(*, actor: User, entry: TimeEntry, **changes: Any) -> TimeEntry:
    """Edit an entry until it is invoiced (an assistant not while it is disputed).
    Shortening an entry or making it non-billable is always allowed; more time, or time
    made billable, passes the same rules as new time: an open task, the task's budget and
    the client's spend cap or balance. A change of times reopens the dispute window."""
    policies.require_change_entry(actor, entry)
    task = locked(entry.task)
    entry = _locked_entry(entry, actor)
    before_group = group_of(entry)
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
    times_changed = {"started_at", "ended_at"} & changed.keys()
    if times_changed:
        _check_times(
            actor=actor, started_at=entry.started_at, ended_at=entry.ended_at, changed=changed
        )
        _check_overlap(
            assistant=entry.assistant,
            started_at=entry.started_at,
            ended_at=entry.ended_at,
            exclude_pk=entry.pk,
        )
    grows = _seconds(entry.started_at, entry.ended_at) > before_seconds
    if grows and not task.is_open:
        raise errors.Conflict(
            time_errors.Code.TASK_NOT_OPEN, _("Time can only be added on open tasks.")
        )
    if entry.billable and (grows or not was_billable) and entry.ended_at is not None:
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
    if times_changed and entry.ended_at is not None:
        # The client sees new times: a new window to dispute them, even if an earlier
        # version was disputed and resolved.
        entry.reviewable_from = timezone.now()
        entry.dispute_decision = ""
    _save(entry)
    _record(entry, actor, EntryHistory.EDITED, **changed)
    billable_time_recorded(task=task)
    time_rollup_refresh(groups={before_group, group_of(entry)})
    return entry


@transaction.atomic
def time_entry_delete(*, actor: User, entry: TimeEntry) -> None:
    """Delete an entry until it is invoiced (an assistant not while it is disputed). Its
    history stays, closed by a `deleted` event that keeps what the entry was."""
    policies.require_change_entry(actor, entry)
    entry = _locked_entry(entry, actor)
    _record(
        entry,
        actor,
        EntryHistory.DELETED,
        task=entry.task_id,
        assistant=entry.assistant_id,
        started_at=str(entry.started_at),
        ended_at=str(entry.ended_at),
        billable=entry.billable,
        status=entry.status,
        note=entry.note,
    )
    group = group_of(entry)
    entry.delete()
    time_rollup_refresh(groups={group})
