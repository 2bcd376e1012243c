"""What the time report sums, in a fixed handful of queries: the time per group — from the
time rollup (`assistants.rollup_models.TimeRollup`: per UTC day, assistant, client and
category) for the UTC days a bucket holds whole, and from the entries for the hours of the
days a bucket's edge cuts in the reader's zone, both in one query (`rolled_up`); by task,
from the time rollup by task (`TaskTimeRollup`) for the tasks whose time the range holds
whole and from the entries for the few at work across its edges, added up, ordered and
paginated in the database (`TaskSums`) — and the invoices and credit notes of the range,
per client and period. Each takes the acting user first (`billing.reports.time`
assembles the rows)."""

import datetime
from typing import Any, cast

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DurationField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from assistants.models import TimeEntry
from assistants.selectors import (
    ADJUSTED,
    DISPUTED,
    DURATION,
    MEASURED,
    NON_BILLABLE,
    task_rollup_to_sum,
    time_entries_to_sum,
    time_rollup_to_sum,
)
from billing.models import CreditNote, Invoice, InvoiceStatus
from billing.reports.ranges import DayPlan, DayRange, Span, day_plan
from billing.selectors import invoices_visible_to
from concierge.models import Task, User

# The groupings by period (the others group by client, assistant, category or task).
BUCKETS = frozenset({"week", "month"})
ZERO_DURATION = Value(datetime.timedelta(), output_field=DurationField())
# The invoices a report counts: issued (open or paid), not drafts nor void ones.
ISSUED = (InvoiceStatus.OPEN, InvoiceStatus.PAID)


# What a report groups time by, besides tasks and periods: each as the rollup's column
# and as the entries reach it.
DIMENSIONS = {
    "client": ("client_id", "task__client_id"),
    "assistant": ("assistant_id", "assistant_id"),
    "category": ("category", "task__category"),
}


def entry_totals() -> dict[str, Any]:
    """What is summed of the entries, by name (the rollup holds the same sums per cell)."""
    return {
        "logged_time": Sum(DURATION),
        "measured_time": Coalesce(Sum(DURATION, filter=MEASURED), ZERO_DURATION),
        "adjusted_total": Coalesce(Sum("billable_minutes_override", filter=ADJUSTED), 0),
        # What the invoices charge for the entries now, as each entry records it.
        "billed_total": Coalesce(Sum("billed_minutes"), 0) - Coalesce(Sum("credited_minutes"), 0),
        "non_billable_time": Coalesce(Sum(DURATION, filter=NON_BILLABLE), ZERO_DURATION),
        "disputed_time": Coalesce(Sum(DURATION, filter=DISPUTED), ZERO_DURATION),
        "entry_count": Count("pk"),
    }


def _cell_totals() -> dict[str, Any]:
    """The same sums over cells of the rollup, by the same names and in the same order."""
    return {
        "logged_time": Sum("logged"),
        "measured_time": Sum("measured"),
        "adjusted_total": Sum("adjusted_minutes"),
        "billed_total": Sum("billed_minutes") - Sum("credited_minutes"),
        "non_billable_time": Sum("non_billable"),
        "disputed_time": Sum("disputed"),
        "entry_count": Sum("entries"),
    }


TOTALS = tuple(entry_totals())


def _filtered_entries(entries: QuerySet[TimeEntry], filters: dict) -> QuerySet[TimeEntry]:
    for name, (_column, path) in DIMENSIONS.items():
        if filters.get(name) is not None:
            entries = entries.filter(**{path: filters[name]})
    return entries


def report_entries(user: User, report_range: DayRange, filters: dict) -> QuerySet[TimeEntry]:
    """The stopped entries `user` may see that started in the range, filtered."""
    entries = time_entries_to_sum(user).filter(
        started_at__gte=report_range.start,
        started_at__lt=report_range.end,
        ended_at__isnull=False,
    )
    return _filtered_entries(entries, filters)


def rolled_up(
    user: User, report_range: DayRange, size: str | None, dims: dict[str, str], filters: dict
) -> list[dict[str, Any]]:
    """The time `user` may see in the range, filtered, summed per bucket of `size` (weeks
    or months; None: the range as one) and per `dims` (a name → the dimension it holds):
    rows of `bucket`, the dims and the TOTALS, none without entries.

    One query: the rollup's cells of the days the range's buckets hold whole, each day
    summed into its bucket; beside them, in the same UNION ALL, the entries of the parts
    of days the buckets' edges cut, each part counted in its bucket and taken off the
    bucket its day was counted in (`day_plan`). Both are exact sums, so adding them up
    gives the entries' own sums to the microsecond.
    """
    plan = day_plan(report_range, size)
    parts: list[QuerySet[Any]] = []
    if plan.spans:
        cells = time_rollup_to_sum(user).filter(
            day__range=(plan.spans[0].first, plan.spans[-1].last)
        )
        for name, (column, _path) in DIMENSIONS.items():
            if filters.get(name) is not None:
                cells = cells.filter(**{column: filters[name]})
        slot = _span_of_day(plan.spans, 0, len(plan.spans))
        group = {"slot": slot, **{name: F(DIMENSIONS[dim][0]) for name, dim in dims.items()}}
        parts.append(cells.order_by().values(**group).annotate(**_cell_totals()))
    if plan.pieces:
        within = Q(pk__in=[])
        for piece in plan.pieces:
            within |= Q(started_at__gte=piece.start, started_at__lt=piece.end)
        entries = _filtered_entries(
            time_entries_to_sum(user).filter(within, ended_at__isnull=False), filters
        )
        slot = Case(
            *(
                When(started_at__gte=piece.start, started_at__lt=piece.end, then=Value(-1 - n))
                for n, piece in enumerate(plan.pieces)
            ),
            output_field=IntegerField(),
        )
        group = {"slot": slot, **{name: F(DIMENSIONS[dim][1]) for name, dim in dims.items()}}
        parts.append(entries.order_by().values(**group).annotate(**entry_totals()))
    found = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return _merged(cast(list[dict[str, Any]], list(found)), plan, list(dims))


def _span_of_day(spans: tuple[Span, ...], low: int, high: int) -> Any:
    """The index of the span holding a cell's day among `spans[low:high]`: a CASE that
    halves them at each step, so a cell is compared a handful of times, not once a week."""
    if high - low == 1:
        return Value(low)
    middle = (low + high) // 2
    return Case(
        When(day__lte=spans[middle - 1].last, then=_span_of_day(spans, low, middle)),
        default=_span_of_day(spans, middle, high),
        output_field=IntegerField(),
    )


def _merged(found: list[dict[str, Any]], plan: DayPlan, dims: list[str]) -> list[dict[str, Any]]:
    """The rows of `rolled_up`'s query added up per bucket and dims, each with its sign."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for item in found:
        slot = item["slot"]
        if slot >= 0:
            moves = [(plan.spans[slot].bucket, 1)]
        else:
            piece = plan.pieces[-1 - slot]
            moves = [(piece.into, 1), (piece.out_of, -1)]
        for bucket, sign in moves:
            if bucket is None:
                continue
            key = (bucket, *(item[name] for name in dims))
            row = merged.get(key)
            if row is None:
                row = merged[key] = {
                    "bucket": bucket,
                    **{name: item[name] for name in dims},
                    **{name: 0 * item[name] for name in TOTALS},
                }
            for name in TOTALS:
                row[name] += sign * item[name]
    return [row for row in merged.values() if row["entry_count"]]


def entry_sums(
    user: User, report_range: DayRange, group_by: str, filters: dict, *, costs: bool = False
) -> list[dict]:
    """The time query of every grouping but by task (`TaskSums`): stopped entries started
    in the range, summed per group (and, for `costs`, per assistant and their hourly cost;
    by assistant, per client too)."""
    dims: dict[str, str] = {}
    if group_by in DIMENSIONS:
        dims["key"] = group_by
    if costs:
        dims["cost_assistant"] = "assistant"
        if group_by == "assistant":
            dims["cost_client"] = "client"
    size = group_by if group_by in BUCKETS else None
    rows = rolled_up(user, report_range, size, dims, filters)
    if size:
        for row in rows:
            row["key"] = row["bucket"]
    return rows


def _whole_minutes(sql: str) -> str:
    """The SQL of a duration's whole minutes, rounded down: PostgreSQL keeps durations as
    intervals, SQLite as microseconds (an integer)."""
    if connection.vendor == "postgresql":
        return f"FLOOR(EXTRACT(EPOCH FROM {sql}) / 60)::bigint"
    return f"({sql} / 60000000)"


def _cents(units: str) -> str:
    """The SQL of an amount in cents, rounded half up, from `units` (whole minutes times
    cents an hour, never negative)."""
    if connection.vendor == "postgresql":
        return f"FLOOR(({units} + 30) / 60)"  # the sums of integers are numeric
    return f"(({units} + 30) / 60)"  # integers: the division is whole


class TaskSums:
    """The time by task over a range, summed, ordered and paginated in the database, so
    that a year of everyone's tasks costs two queries of a page, not a row per task in
    Python.

    The parts summed: the cells of the time rollup by task (a task's time per assistant)
    the range holds whole; beside them, in one UNION ALL, the entries in the range of the
    cells it cuts (the tasks at work across an edge), which one query finds first. Each
    part is a task and an assistant, with the assistant's hourly cost: a task's cost is
    the whole minutes of each assistant at their cost, rounded half up to the cent once
    per task, as `billing.reports.time` rounds every row. The parts are summed per task by
    its id alone; a page's titles, clients and categories are read for its rows only.
    """

    def __init__(self, user: User, report_range: DayRange, filters: dict):
        start, end = report_range.start, report_range.end
        cells = task_rollup_to_sum(user).filter(first_started__lt=end, last_started__gte=start)
        for name, column in (
            ("client", "client_id"),
            ("assistant", "assistant_id"),
            ("category", "task__category"),
        ):
            if filters.get(name) is not None:
                cells = cells.filter(**{column: filters[name]})
        inside = Q(first_started__gte=start, last_started__lt=end)
        described = {
            "key": F("task_id"),
            "cost_assistant": F("assistant_id"),
            "cost_rate": F("assistant__assistant_profile__cost_rate"),
        }
        whole = cells.filter(inside).order_by().values(**described, **self._cell_sums())
        parts: list[QuerySet[Any]] = [whole]
        cut: dict[int, list[int]] = {}
        for assistant, task in cells.exclude(inside).values_list("assistant_id", "task_id"):
            cut.setdefault(assistant, []).append(task)
        if cut:
            pairs = Q(pk__in=[])
            for assistant, tasks in cut.items():
                pairs |= Q(assistant_id=assistant, task_id__in=tasks)
            edges = report_entries(user, report_range, filters).filter(pairs).order_by()
            parts.append(edges.values(**described).annotate(**entry_totals()))
        found = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        self.sql, self.params = found.query.sql_with_params()
        self._summary: dict[str, int] | None = None

    @staticmethod
    def _cell_sums() -> dict[str, Any]:
        """A cell's sums, by the names and in the order of the entries' (`entry_totals`)."""
        return {
            "logged_time": F("logged"),
            "measured_time": F("measured"),
            "adjusted_total": F("adjusted_minutes"),
            "billed_total": F("billed_minutes") - F("credited_minutes"),
            "non_billable_time": F("non_billable"),
            "disputed_time": F("disputed"),
            "entry_count": F("entries"),
        }

    def _per_task(self) -> str:
        """The SQL of one row per task with time: its id, raw sums and cost."""
        minutes = _whole_minutes("parts.logged_time")
        rate = "CAST(ROUND(parts.cost_rate * 100) AS BIGINT)"  # in cents: exact
        return f"""
            SELECT parts.key,
                SUM(parts.entry_count) AS entry_count,
                SUM(parts.logged_time) AS logged_time,
                SUM(parts.measured_time) AS measured_time,
                SUM(parts.adjusted_total) AS adjusted_total,
                SUM(parts.billed_total) AS billed_total,
                SUM(parts.non_billable_time) AS non_billable_time,
                SUM(parts.disputed_time) AS disputed_time,
                SUM(CASE WHEN parts.cost_rate IS NULL THEN 0 ELSE {minutes} * {rate} END)
                    AS cost_units,
                SUM(CASE WHEN parts.cost_rate IS NULL THEN {minutes} ELSE 0 END)
                    AS uncosted_minutes
            FROM ({self.sql}) AS parts
            GROUP BY parts.key
        """  # noqa: S608 (the parts are the ORM's SQL, their values bound parameters)

    @staticmethod
    def _minutes(*, summed: bool = False) -> str:
        """The SQL of the report's minute fields (MINUTES) from a task's raw sums, or from
        those of every task summed."""

        def of(name: str) -> str:
            return f"SUM({name})" if summed else name

        return ", ".join(
            (
                _whole_minutes(of("logged_time")),
                f"{_whole_minutes(of('measured_time'))} + {of('adjusted_total')}",
                of("billed_total"),
                _whole_minutes(of("non_billable_time")),
                _whole_minutes(of("disputed_time")),
            )
        )

    def summary(self) -> dict[str, int]:
        """How many tasks have time, and their totals: the time summed whole and rounded
        once, and each task's cost in cents added up (one query, run once)."""
        if self._summary is None:
            sql = f"""
                SELECT COUNT(*), SUM(entry_count), {self._minutes(summed=True)},
                    SUM({_cents("cost_units")}), SUM(uncosted_minutes)
                FROM ({self._per_task()}) AS tasks
            """  # noqa: S608
            with connection.cursor() as cursor:
                cursor.execute(sql, self.params)
                values = [int(value or 0) for value in cursor.fetchone()]
            self._summary = dict(zip(SUMMARY, values, strict=True))
        return self._summary

    def page(self, offset: int, limit: int | None) -> list[dict[str, Any]]:
        """The tasks from `offset` (at most `limit`; None: all), most time first (then the
        oldest task first): their fields, minutes and cost in cents (one query)."""
        bounds, params = "", list(self.params)
        if limit is not None:
            bounds, params = "LIMIT %s OFFSET %s", [*params, limit, offset]
        elif offset:
            raise ValueError("an offset needs a limit")
        task = connection.ops.quote_name(Task._meta.db_table)
        sql = f"""
            SELECT tasks.key, task.title, task.client_id, task.category, tasks.entry_count,
                {self._minutes()}, {_cents("cost_units")}, uncosted_minutes
            FROM (
                SELECT * FROM ({self._per_task()}) AS summed
                ORDER BY logged_time DESC, key {bounds}
            ) AS tasks
            JOIN {task} AS task ON task.id = tasks.key
            ORDER BY tasks.logged_time DESC, tasks.key
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = [dict(zip(PAGE, row, strict=True)) for row in cursor.fetchall()]
        for row in rows:  # PostgreSQL sums integers as numeric
            for name in PAGE[4:]:
                row[name] = int(row[name])
        return rows


# The fields of `TaskSums.summary` and of a row of `TaskSums.page`, in the order selected.
MINUTES = (
    "logged_minutes",
    "billable_minutes",
    "billed_minutes",
    "non_billable_minutes",
    "disputed_minutes",
)
SUMMARY = ("rows", "entries", *MINUTES, "cost_cents", "uncosted_minutes")
PAGE = (
    "task",
    "label",
    "client",
    "category",
    "entries",
    *MINUTES,
    "cost_cents",
    "uncosted_minutes",
)


def issued_invoices(user: User, report_range: DayRange, filters: dict) -> QuerySet[Invoice]:
    """Issued invoices `user` may see whose period starts in the range."""
    invoices = invoices_visible_to(user).filter(
        status__in=ISSUED,
        period_start__gte=report_range.first_day,
        period_start__lte=report_range.last_day,
    )
    if filters.get("client") is not None:
        invoices = invoices.filter(client_id=filters["client"])
    return invoices


def invoice_sums(user: User, report_range: DayRange, filters: dict) -> list[dict]:
    """The invoices query: those invoices summed per client, period and currency."""
    sums = (
        issued_invoices(user, report_range, filters)
        .order_by()
        .values(
            "client_id",
            "period_start",
            "currency",
            "client__first_name",
            "client__last_name",
            "client__email",
        )
        .annotate(
            invoiced_amount=Sum("total"),
            invoiced_excl_tax_amount=Sum("total_excl_tax"),
            invoice_count=Count("pk"),
        )
    )
    return cast(list[dict[str, Any]], list(sums))


def credit_sums(user: User, report_range: DayRange, filters: dict) -> list[dict]:
    """The credit notes query: those against the same invoices, summed alike."""
    sums = (
        CreditNote.objects.filter(invoice__in=issued_invoices(user, report_range, filters))
        .order_by()
        .values(
            invoice_client=F("invoice__client_id"),
            invoice_period=F("invoice__period_start"),
            credit_currency=F("currency"),
        )
        .annotate(
            credited_amount=Sum("total_incl_tax"),
            credited_excl_tax_amount=Sum("total_excl_tax"),
        )
    )
    return cast(list[dict[str, Any]], list(sums))
