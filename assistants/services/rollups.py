"""Keeping the time rollups (`assistants.rollup_models`: `TimeRollup` per day, and
`TaskTimeRollup` per task) equal to the entries.

Every service that changes what the rollups sum — an entry created, stopped, split, edited,
deleted, disputed or decided, billed by an invoice or credited by a credit note, a task
whose category changes — calls `time_rollup_refresh` in its own transaction with the
groups it touched: a group is a UTC day, an assistant and a client. The day cells of each
group are recomputed from the entries, not incremented, so a refresh is right whatever
the cells held before; and so is every task cell of the tasks it may have changed: those
of the group's assistant and client whose span of starts meets the day (an entry of
theirs may have left it), and those with entries in it now.

On PostgreSQL a refresh first takes a transaction-scoped advisory lock per client of its
groups, in one order: a concurrent writer of the same client's time (the only writer of
their day cells and of their tasks' cells, whichever assistant) waits for this
transaction to end, and its own recomputation (a statement after the lock, so a fresh
snapshot under READ COMMITTED) then sees what this one committed. On SQLite writers are
serialised by the database (IMMEDIATE transactions). Services refresh last, after any
row lock they take.
"""

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    DurationField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate

from assistants.models import TimeEntry
from assistants.rollup_models import TaskTimeRollup, TimeRollup, WholeMinutes
from assistants.selectors import ADJUSTED, DISPUTED, DURATION, MEASURED, NON_BILLABLE
from concierge.models import Task

# A group of cells: the UTC day its entries started, the assistant, the task's client.
Group = tuple[datetime.date, int, int]

UTC = datetime.UTC
ZERO = Value(datetime.timedelta(), output_field=DurationField())
# Runs of days per query: the filters are OR-ed, and SQLite parses an OR chain as a tree
# whose depth is bounded.
RUNS_PER_QUERY = 200
# Task cells refreshed per statement (their ids are bound parameters).
TASKS_PER_QUERY = 500
# What a cell sums, in the order `_sums` selects it.
SUMS = (
    "entries",
    "logged",
    "measured",
    "adjusted_minutes",
    "billed_minutes",
    "credited_minutes",
    "non_billable",
    "disputed",
)
# The rollups' columns, in the order `_summed` and `_summed_by_task` select them.
COLUMNS = ("day", "assistant_id", "client_id", "category", *SUMS)
TASK_COLUMNS = (
    "task_id",
    "assistant_id",
    "client_id",
    "shared",
    "first_started",
    "last_started",
    *SUMS,
    "logged_minutes",
)


def group_of(entry: TimeEntry) -> Group:
    """The group of cells holding `entry` (its task's client read from `entry.task`)."""
    return (entry.started_at.astimezone(UTC).date(), entry.assistant_id, entry.task.client_id)


def _sums() -> dict[str, Any]:
    """What a cell sums of its entries, in the order of SUMS."""
    return {
        "cell_entries": Count("pk"),
        "cell_logged": Sum(DURATION),
        "cell_measured": Coalesce(Sum(DURATION, filter=MEASURED), ZERO),
        "cell_adjusted": Coalesce(Sum("billable_minutes_override", filter=ADJUSTED), 0),
        "cell_billed": Coalesce(Sum("billed_minutes"), 0),
        "cell_credited": Coalesce(Sum("credited_minutes"), 0),
        "cell_non_billable": Coalesce(Sum(DURATION, filter=NON_BILLABLE), ZERO),
        "cell_disputed": Coalesce(Sum(DURATION, filter=DISPUTED), ZERO),
    }


def _summed(entries: QuerySet[TimeEntry]) -> QuerySet[TimeEntry, Any]:
    """The stopped `entries` summed per day cell, selecting the rollup's COLUMNS in order."""
    return (
        entries.filter(ended_at__isnull=False)
        .order_by()
        .values(
            cell_day=TruncDate("started_at", tzinfo=UTC),
            cell_assistant=F("assistant_id"),
            cell_client=F("task__client_id"),
            cell_category=F("task__category"),
        )
        .annotate(**_sums())
    )


def _summed_by_task(entries: QuerySet[TimeEntry]) -> QuerySet[TimeEntry, Any]:
    """The stopped `entries` summed per task cell, selecting TASK_COLUMNS in order; a cell
    is shared when the task has stopped time of another assistant."""
    others = TimeEntry.objects.filter(task_id=OuterRef("task_id"), ended_at__isnull=False)
    return (
        entries.filter(ended_at__isnull=False)
        .order_by()
        .values(
            cell_task=F("task_id"),
            cell_assistant=F("assistant_id"),
            cell_client=F("task__client_id"),
            cell_shared=Exists(others.exclude(assistant_id=OuterRef("assistant_id"))),
        )
        .annotate(
            cell_first=Min("started_at"),
            cell_last=Max("started_at"),
            **_sums(),
            cell_logged_minutes=WholeMinutes(Sum(DURATION)),
        )
    )


def _insert(model: type[Any], columns: tuple[str, ...], summed: QuerySet[Any]) -> None:
    """Insert the cells `summed` selects (INSERT … SELECT: no row comes back to Python)."""
    sql, params = summed.query.sql_with_params()
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)


def _runs(groups: Iterable[Group]) -> Iterator[tuple[int, int, datetime.date, datetime.date]]:
    """The groups as (assistant, client, first day, last day) runs of consecutive days."""
    days: dict[tuple[int, int], set[datetime.date]] = defaultdict(set)
    for day, assistant, client in groups:
        days[assistant, client].add(day)
    for (assistant, client), found in sorted(days.items()):
        ordered = sorted(found)
        first = last = ordered[0]
        for day in ordered[1:]:
            if day != last + datetime.timedelta(days=1):
                yield assistant, client, first, last
                first = day
            last = day
        yield assistant, client, first, last


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=UTC)


def _lock_key(client: int) -> int:
    """A signed 64-bit advisory-lock key for a client's time (a collision only makes two
    writers wait for each other)."""
    digest = hashlib.blake2b(f"time-rollup {client}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _lock(groups: Collection[Group]) -> None:
    if connection.vendor != "postgresql" or not groups:
        return
    keys = sorted({_lock_key(client) for _day, _assistant, client in groups})
    with connection.cursor() as cursor:
        # Taken in the array's order, sorted: two refreshes never wait on each other crosswise.
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [keys])
        cursor.fetchall()


def time_rollup_refresh(*, groups: Iterable[Group]) -> None:
    """Recompute every cell of `groups` from the entries, and the task cells they may have
    changed (inside the caller's transaction)."""
    wanted = set(groups)
    if not wanted:
        return
    with transaction.atomic(savepoint=False):  # in the caller's transaction, if any
        _lock(wanted)
        runs = list(_runs(wanted))
        tasks: set[int] = set()  # whose cells to refresh
        for start in range(0, len(runs), RUNS_PER_QUERY):
            cells, entries, spans = Q(pk__in=[]), Q(pk__in=[]), Q(pk__in=[])
            for assistant, client, first, last in runs[start : start + RUNS_PER_QUERY]:
                since, until = _midnight(first), _midnight(last + datetime.timedelta(days=1))
                cells |= Q(assistant_id=assistant, client_id=client, day__range=(first, last))
                entries |= Q(
                    assistant_id=assistant,
                    task__client_id=client,
                    started_at__gte=since,
                    started_at__lt=until,
                )
                spans |= Q(
                    assistant_id=assistant,
                    client_id=client,
                    first_started__lt=until,
                    last_started__gte=since,
                )
            TimeRollup.objects.filter(cells).delete()
            in_groups = TimeEntry.objects.filter(entries)
            _insert(TimeRollup, COLUMNS, _summed(in_groups))
            met = TaskTimeRollup.objects.filter(spans).values_list("task_id", flat=True)
            held = in_groups.filter(ended_at__isnull=False).values_list("task_id", flat=True)
            tasks.update(met.order_by().union(held.order_by()))
        _refresh_tasks(tasks)


def _refresh_tasks(tasks: Collection[int]) -> None:
    """Recompute every cell of `tasks` from the entries, a few hundred tasks a statement."""
    ordered = sorted(tasks)
    for start in range(0, len(ordered), TASKS_PER_QUERY):
        chunk = ordered[start : start + TASKS_PER_QUERY]
        TaskTimeRollup.objects.filter(task_id__in=chunk).delete()
        _insert(
            TaskTimeRollup,
            TASK_COLUMNS,
            _summed_by_task(TimeEntry.objects.filter(task_id__in=chunk)),
        )


def time_rollup_refresh_entries(*, entry_ids: Collection[int]) -> None:
    """Recompute the groups of the entries `entry_ids` (for writes that know ids alone)."""
    ids = sorted(set(entry_ids))
    groups: set[Group] = set()
    for start in range(0, len(ids), 1000):
        found = TimeEntry.objects.filter(pk__in=ids[start : start + 1000]).values_list(
            TruncDate("started_at", tzinfo=UTC), "assistant_id", "task__client_id"
        )
        groups.update(found.distinct().order_by())
    time_rollup_refresh(groups=groups)


def time_rollup_task_regrouped(*, task: Task) -> None:
    """A task's category changed: the cells of every group holding its time (a hook of
    `concierge.hooks`, called in the change's transaction)."""
    found = TimeEntry.objects.filter(task=task, ended_at__isnull=False).values_list(
        TruncDate("started_at", tzinfo=UTC), "assistant_id", "task__client_id"
    )
    time_rollup_refresh(groups=set(found.distinct().order_by()))


@transaction.atomic
def time_rollup_rebuild() -> tuple[int, int]:
    """Recompute both rollups whole from the entries; returns how many day cells and task
    cells they hold.
    Writers wait meanwhile (the tables are locked on PostgreSQL)."""
    if connection.vendor == "postgresql":
        tables = ", ".join(
            connection.ops.quote_name(model._meta.db_table)
            for model in (TimeRollup, TaskTimeRollup)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
    TimeRollup.objects.all().delete()
    _insert(TimeRollup, COLUMNS, _summed(TimeEntry.objects.all()))
    TaskTimeRollup.objects.all().delete()
    _insert(TaskTimeRollup, TASK_COLUMNS, _summed_by_task(TimeEntry.objects.all()))
    return TimeRollup.objects.count(), TaskTimeRollup.objects.count()
