"""Keeping the time rollup (`assistants.rollup_models.TimeRollup`) equal to the entries.

Every service that changes what the rollup sums — an entry created, stopped, split, edited,
deleted, disputed or decided, billed by an invoice or credited by a credit note, a task
whose category changes — calls `time_rollup_refresh` in its own transaction with the
groups it touched: a group is a UTC day, an assistant and a client. The cells of each
group are recomputed from the entries, not incremented, so a refresh is right whatever
the cells held before.

On PostgreSQL a refresh first takes a transaction-scoped advisory lock per group, in one
order: a concurrent writer of the same group waits for this transaction to end, and its
own recomputation (a statement after the lock, so a fresh snapshot under READ COMMITTED)
then sees what this one committed. On SQLite writers are serialised by the database
(IMMEDIATE transactions). Services refresh last, after any row lock they take.
"""

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, DurationField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from assistants.models import TimeEntry
from assistants.rollup_models import TimeRollup
from assistants.selectors import ADJUSTED, DISPUTED, DURATION, MEASURED, NON_BILLABLE
from concierge.models import Task

# A group of cells: the UTC day its entries started, the assistant, the task's client.
Group = tuple[datetime.date, int, int]

UTC = datetime.UTC
ZERO = Value(datetime.timedelta(), output_field=DurationField())
# Runs of days per query: the filters are OR-ed, and SQLite parses an OR chain as a tree
# whose depth is bounded.
RUNS_PER_QUERY = 200
# The rollup's columns, in the order `_summed` selects them.
COLUMNS = (
    "day",
    "assistant_id",
    "client_id",
    "category",
    "entries",
    "logged",
    "measured",
    "adjusted_minutes",
    "billed_minutes",
    "credited_minutes",
    "non_billable",
    "disputed",
)


def group_of(entry: TimeEntry) -> Group:
    """The group of cells holding `entry` (its task's client read from `entry.task`)."""
    return (entry.started_at.astimezone(UTC).date(), entry.assistant_id, entry.task.client_id)


def _summed(entries: QuerySet[TimeEntry]) -> QuerySet[TimeEntry, Any]:
    """The stopped `entries` summed per cell, selecting the rollup's COLUMNS in order."""
    return (
        entries.filter(ended_at__isnull=False)
        .order_by()
        .values(
            cell_day=TruncDate("started_at", tzinfo=UTC),
            cell_assistant=F("assistant_id"),
            cell_client=F("task__client_id"),
            cell_category=F("task__category"),
        )
        .annotate(
            cell_entries=Count("pk"),
            cell_logged=Sum(DURATION),
            cell_measured=Coalesce(Sum(DURATION, filter=MEASURED), ZERO),
            cell_adjusted=Coalesce(Sum("billable_minutes_override", filter=ADJUSTED), 0),
            cell_billed=Coalesce(Sum("billed_minutes"), 0),
            cell_credited=Coalesce(Sum("credited_minutes"), 0),
            cell_non_billable=Coalesce(Sum(DURATION, filter=NON_BILLABLE), ZERO),
            cell_disputed=Coalesce(Sum(DURATION, filter=DISPUTED), ZERO),
        )
    )


def _insert_summed(entries: QuerySet[TimeEntry]) -> None:
    """Insert the cells of `entries` (INSERT … SELECT: no row comes back to Python)."""
    sql, params = _summed(entries).query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(name) for name in COLUMNS)
    table = connection.ops.quote_name(TimeRollup._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)


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


def _lock_key(group: Group) -> int:
    """A signed 64-bit advisory-lock key for the group (a collision only makes two groups
    wait for each other)."""
    day, assistant, client = group
    digest = hashlib.blake2b(f"time-rollup {day} {assistant} {client}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _lock(groups: Collection[Group]) -> None:
    if connection.vendor != "postgresql" or not groups:
        return
    keys = sorted({_lock_key(group) for group in groups})
    with connection.cursor() as cursor:
        # Taken in the array's order, sorted: two refreshes never wait on each other crosswise.
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [keys])
        cursor.fetchall()


def time_rollup_refresh(*, groups: Iterable[Group]) -> None:
    """Recompute every cell of `groups` from the entries (inside the caller's transaction)."""
    wanted = set(groups)
    if not wanted:
        return
    with transaction.atomic(savepoint=False):  # in the caller's transaction, if any
        _lock(wanted)
        runs = list(_runs(wanted))
        for start in range(0, len(runs), RUNS_PER_QUERY):
            cells, entries = Q(pk__in=[]), Q(pk__in=[])
            for assistant, client, first, last in runs[start : start + RUNS_PER_QUERY]:
                cells |= Q(assistant_id=assistant, client_id=client, day__range=(first, last))
                entries |= Q(
                    assistant_id=assistant,
                    task__client_id=client,
                    started_at__gte=_midnight(first),
                    started_at__lt=_midnight(last + datetime.timedelta(days=1)),
                )
            TimeRollup.objects.filter(cells).delete()
            _insert_summed(TimeEntry.objects.filter(entries))


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
def time_rollup_rebuild() -> int:
    """Recompute the whole rollup from the entries; returns the number of cells. Writers
    wait meanwhile (the table is locked on PostgreSQL)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(TimeRollup._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    TimeRollup.objects.all().delete()
    _insert_summed(TimeEntry.objects.all())
    return TimeRollup.objects.count()
