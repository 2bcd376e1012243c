"""Reads of the assistants app; each takes the acting user first."""

from collections.abc import Collection
from typing import TypeVar

from django.db.models import (
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from assistants.models import BILLABLE, AssistantProfile, TimeEntry, TimeEntryStatus, TimeOff
from assistants.rollup_models import TaskTimeRollup, TimeRollup
from concierge.models import TERMINAL_STATUSES, ClientProfile, Task, TaskEvent, User
from concierge.selectors import tasks_visible_to


def assistants_visible_to(user: User) -> QuerySet[AssistantProfile]:
    """Managers see every assistant; an assistant sees only themself."""
    profiles = AssistantProfile.objects.select_related("user")
    if not user.is_authenticated:
        return profiles.none()
    if user.is_manager:
        return profiles
    if user.is_assistant:
        return profiles.filter(user=user)
    return profiles.none()


def assistants_serving(client: User) -> QuerySet[AssistantProfile]:
    """The assistants serving a client: their primary and backup assistants and whoever is
    assigned one of their open tasks, each annotated with how (`is_primary`, `is_backup`,
    `on_open_task`). Clients see only these, and only their names and time zones (the view
    picks the fields)."""
    if not (client.is_authenticated and client.is_client):
        return AssistantProfile.objects.none()
    profile = ClientProfile.objects.filter(user=client)
    open_task = Task.objects.filter(client=client, assignee=OuterRef("user")).exclude(
        status__in=TERMINAL_STATUSES
    )
    return (
        AssistantProfile.objects.select_related("user")
        .annotate(
            is_primary=Exists(profile.filter(primary_assistant=OuterRef("user"))),
            is_backup=Exists(profile.filter(backup_assistant=OuterRef("user"))),
            on_open_task=Exists(open_task),
        )
        .filter(Q(is_primary=True) | Q(is_backup=True) | Q(on_open_task=True))
    )


def time_off_visible_to(user: User) -> QuerySet[TimeOff]:
    """Managers see all time off; an assistant their own; clients none."""
    time_off = TimeOff.objects.all()
    if not user.is_authenticated:
        return time_off.none()
    if user.is_manager:
        return time_off
    if user.is_assistant:
        return time_off.filter(assistant=user)
    return time_off.none()


def time_off_moves(user: User, time_off_ids: Collection[int]) -> dict[int, list[TaskEvent]]:
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
    moves: dict[int, list[TaskEvent]] = {}
    for event in events:
        moves.setdefault(event.data["time_off"], []).append(event)
    return moves


def time_entries_visible_to(user: User) -> QuerySet[TimeEntry]:
    """Managers see every entry; an assistant their own; a client those on their tasks.
    Each with its assistant, and the invoice that bills it."""
    from assistants.models import TimeEntry

    return _entries_of(user, TimeEntry.objects.select_related("assistant").with_billing())


def time_entries_to_sum(user: User) -> QuerySet[TimeEntry]:
    """The same entries, the rows alone: for sums over many (the time report), which read
    only what each entry records, billed minutes included."""
    from assistants.models import TimeEntry

    return _entries_of(user, TimeEntry.objects.all())


# Either rollup's model.
Cells = TypeVar("Cells", TimeRollup, TaskTimeRollup)


def time_rollup_to_sum(user: User) -> QuerySet[TimeRollup]:
    """The cells of the time rollup over the entries `user` may sum (`time_entries_to_sum`):
    managers every cell, an assistant their own, a client those of their tasks."""
    return _cells_of(user, TimeRollup.objects.all())


def task_rollup_to_sum(user: User) -> QuerySet[TaskTimeRollup]:
    """The task cells of the time rollup by task over the same entries, alike."""
    return _cells_of(user, TaskTimeRollup.objects.all())


def _cells_of(user: User, cells: QuerySet[Cells]) -> QuerySet[Cells]:
    """Either rollup's cells `user` may sum (each cell names its assistant and client)."""
    if not user.is_authenticated:
        return cells.none()
    if user.is_manager:
        return cells
    if user.is_assistant:
        return cells.filter(assistant=user)
    return cells.filter(client=user)


def _entries_of(user: User, entries: QuerySet[TimeEntry]) -> QuerySet[TimeEntry]:
    if not user.is_authenticated:
        return entries.none()
    if user.is_manager:
        return entries
    if user.is_assistant:
        return entries.filter(assistant=user)
    return entries.filter(task__client=user)


def running_timer(user: User) -> TimeEntry | None:
    """The user's own running timer, with its task, or None: one query."""
    running = time_entries_visible_to(user).filter(assistant=user, ended_at__isnull=True)
    return running.select_related("task").first()


# A time entry's length (NULL while its timer runs).
DURATION = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
# What the time report (and the time rollup, which holds its sums) counts of each entry.
# Billable time as the invoice counts it (BILLABLE): measured, unless a manager adjusted
# the minutes (those count as adjusted). Unrounded: each client's plan rounds it.
MEASURED = BILLABLE & Q(billable_minutes_override__isnull=True)
ADJUSTED = BILLABLE & Q(billable_minutes_override__isnull=False)
# Never to be billed: logged as not billable, or rejected on a client's dispute.
NON_BILLABLE = Q(billable=False) | Q(status=TimeEntryStatus.REJECTED)
DISPUTED = Q(status=TimeEntryStatus.DISPUTED)


def task_logged_duration() -> Subquery:
    """A task's stopped time entries summed, as a subquery on the task row (`OuterRef("pk")`);
    NULL when it has none. Offered to the task list through `concierge.hooks`."""
    entries = (
        TimeEntry.objects.filter(task=OuterRef("pk"), ended_at__isnull=False)
        .order_by()
        .values("task")
        .annotate(total=Sum(DURATION))
        .values("total")
    )
    return Subquery(entries, output_field=DurationField())
