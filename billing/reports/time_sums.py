"""What the time report sums, in a fixed handful of queries: the time per group — from the
time rollup (`assistants.rollup_models.TimeRollup`: per UTC day, assistant, client and
category) for the UTC days a bucket holds whole, and from the entries for the hours of the
days a bucket's edge cuts in the reader's zone, both in one query (`rolled_up`); by task,
from the time rollup by task (`TaskTimeRollup`) for the tasks whose time the range holds
whole, counted, summed and read a page at a time in the database, and from the entries
for the few at work across its edges (`TaskSums`) — and the invoices and credit notes of
the range, per client and period (or in all, for a grouping they do not split). Each
takes the acting user first (`billing.reports.time` assembles the rows)."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round

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
from concierge.models import User

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


def cell_sums() -> dict[str, Any]:
    """A cell's sums (of either rollup) by the names and in the order of the entries'."""
    return {
        "logged_time": F("logged"),
        "measured_time": F("measured"),
        "adjusted_total": F("adjusted_minutes"),
        "billed_total": F("billed_minutes") - F("credited_minutes"),
        "non_billable_time": F("non_billable"),
        "disputed_time": F("disputed"),
        "entry_count": F("entries"),
    }


def _cell_totals() -> dict[str, Any]:
    """The same sums over cells, by the same names and in the same order: zero (of its
    kind) where no cell is summed."""
    return {
        name: Coalesce(Sum(expression), ZERO_DURATION if name in DURATIONS else 0)
        for name, expression in cell_sums().items()
    }


TOTALS = tuple(entry_totals())
# The TOTALS that are lengths of time (the others count entries or minutes).
DURATIONS = frozenset(name for name in TOTALS if name.endswith("_time"))


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
    return _merged(_tuples(found), plan, list(dims))


def _tuples(found: QuerySet[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The rows of `found` as plain tuples and their column names: thousands of rows a
    year (a bucket, an assistant and a slot each), read without a dict and converters each;
    lengths of time as timedeltas (SQLite keeps microseconds)."""
    sql, params = found.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    if connection.vendor != "postgresql":
        lengths = [n for n, name in enumerate(names) if name in DURATIONS]
        for i, row in enumerate(rows):
            values = list(row)
            for n in lengths:
                values[n] = datetime.timedelta(microseconds=values[n])
            rows[i] = tuple(values)
    return names, rows


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


def _merged(
    found: tuple[list[str], list[tuple[Any, ...]]], plan: DayPlan, dims: list[str]
) -> list[dict[str, Any]]:
    """The rows of `rolled_up`'s query added up per bucket and dims, each with its sign."""
    names, rows = found
    slot_at = names.index("slot")
    dim_at = [names.index(name) for name in dims]
    total_at = [names.index(name) for name in TOTALS]
    count_at = TOTALS.index("entry_count")
    moves_of: list[list[tuple[datetime.date | None, int]]]
    moves_of = [[(span.bucket, 1)] for span in plan.spans]
    moves_of += [[(piece.into, 1), (piece.out_of, -1)] for piece in reversed(plan.pieces)]
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        sums = [row[n] for n in total_at]
        for bucket, sign in moves_of[row[slot_at]]:  # a piece's slot is negative
            if bucket is None:
                continue
            key = (bucket, *(row[n] for n in dim_at))
            held = merged.get(key)
            if held is None:
                merged[key] = sums if sign == 1 else [-value for value in sums]
            elif sign == 1:
                merged[key] = [a + b for a, b in zip(held, sums, strict=True)]
            else:
                merged[key] = [a - b for a, b in zip(held, sums, strict=True)]
    return [
        {
            "bucket": key[0],
            **dict(zip(dims, key[1:], strict=True)),
            **dict(zip(TOTALS, sums, strict=True)),
        }
        for key, sums in merged.items()
        if sums[count_at]
    ]


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


class TaskSums:
    """The queries of the time by task over a range, in a fixed handful whatever the
    number of tasks — a year of everyone's is a hundred thousand.

    The cells of the time rollup by task (a task's time per assistant) that the range
    holds whole are a task's row as they are, unless the report adds up several
    assistants' cells of one task (it does but for an assistant's own time, or filtered by
    assistant) and the cell is shared: those `plain` cells are counted, summed and costed
    in the database, and read a page at a time, most time first. The `rest` — the shared
    cells, and the entries in the range of the cells it cuts (the tasks at work across an
    edge) — are few, and read whole.
    """

    def __init__(self, user: User, report_range: DayRange, filters: dict):
        self.user, self.report_range, self.filters = user, report_range, filters
        start, end = report_range.start, report_range.end
        cells = task_rollup_to_sum(user).filter(first_started__lt=end, last_started__gte=start)
        for name, column in (
            ("client", "client_id"),
            ("assistant", "assistant_id"),
            ("category", "task__category"),
        ):
            if filters.get(name) is not None:
                cells = cells.filter(**{column: filters[name]})
        self.held = Q(first_started__gte=start, last_started__lt=end)  # whole in the range
        plain = self.held
        if not (user.is_assistant or filters.get("assistant") is not None):
            plain &= Q(shared=False)  # a task's row adds up its assistants' cells
        self.plain = cells.filter(plain)
        self.others = cells.exclude(plain)

    def rest(self) -> list[dict[str, Any]]:
        """The time of the tasks not plain, per task and assistant: rows of `key` (the
        task), `cost_assistant` and the TOTALS (two queries; one if the range cuts no
        cell)."""
        found: list[dict[str, Any]] = []
        cut: dict[int, list[int]] = defaultdict(list)
        described = {"key": F("task_id"), "cost_assistant": F("assistant_id")}
        cells = self.others.order_by().values(
            **described,
            held=ExpressionWrapper(self.held, output_field=BooleanField()),
            **cell_sums(),
        )
        for cell in cast(Iterable[dict[str, Any]], cells):
            if cell.pop("held"):
                found.append(cell)
            else:
                cut[cell["cost_assistant"]].append(cell["key"])
        if cut:
            pairs = Q(pk__in=[])
            for assistant, tasks in cut.items():
                pairs |= Q(assistant_id=assistant, task_id__in=tasks)
            entries = report_entries(self.user, self.report_range, self.filters).filter(pairs)
            summed = entries.order_by().values(**described).annotate(**entry_totals())
            found += cast(list[dict[str, Any]], list(summed))
        return found

    def plain_totals(self) -> dict[str, Any]:
        """How many plain cells, their sums by the names of TOTALS, and their costs in
        cents (`cost_cents`, each cell's whole minutes at its assistant's hourly cost
        rounded half up to the cent, as its row is: integers) and the minutes of those
        whose cost is not known (`uncosted_minutes`). One query."""
        rate = F("assistant__assistant_profile__cost_rate")
        units = F("logged_minutes") * Cast(Round(rate * 100), BigIntegerField())
        cents = ExpressionWrapper((units + 30) / 60, output_field=BigIntegerField())
        uncosted = Q(assistant__assistant_profile__cost_rate__isnull=True)
        return self.plain.aggregate(
            rows=Count("pk"),
            **_cell_totals(),
            cost_cents=Coalesce(Sum(cents, filter=~uncosted), 0),
            uncosted_minutes=Coalesce(Sum("logged_minutes", filter=uncosted), 0),
        )

    def plain_page(self, offset: int, limit: int | None) -> list[dict[str, Any]]:
        """The plain cells from `offset` (at most `limit`; None: all), most time first,
        then the oldest task first, by the names of TOTALS (one query)."""
        cells = self.plain.order_by("-logged", "task_id").values(
            key=F("task_id"),
            cost_assistant=F("assistant_id"),
            **cell_sums(),
        )
        end = None if limit is None else offset + limit
        return cast(list[dict[str, Any]], list(cells[offset:end]))


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


# What the invoices and credit notes are summed per, by what a grouping's rows need of
# them: a client's by period, a period's, or nothing but the totals.
INVOICE_KEYS = {
    "client": ("client_id", "period_start"),
    "period": ("period_start",),
    "none": (),
}
NAMES = ("client__first_name", "client__last_name", "client__email")


def invoice_sums(user: User, report_range: DayRange, filters: dict, *, per: str) -> list[dict]:
    """The invoices query: those invoices summed per currency and `per` (INVOICE_KEYS;
    per client, with the client's name)."""
    keys = INVOICE_KEYS[per] + (NAMES if per == "client" else ())
    sums = (
        issued_invoices(user, report_range, filters)
        .order_by()
        .values("currency", *keys)
        .annotate(
            invoiced_amount=Sum("total"),
            invoiced_excl_tax_amount=Sum("total_excl_tax"),
            invoice_count=Count("pk"),
        )
    )
    return cast(list[dict[str, Any]], list(sums))


def credit_sums(user: User, report_range: DayRange, filters: dict, *, per: str) -> list[dict]:
    """The credit notes query: those against the same invoices, summed alike (their
    invoice's client and period as `invoice_client_id` and `invoice_period_start`)."""
    keys = {f"invoice_{name}": F(f"invoice__{name}") for name in INVOICE_KEYS[per]}
    sums = (
        CreditNote.objects.filter(invoice__in=issued_invoices(user, report_range, filters))
        .order_by()
        .values(credit_currency=F("currency"), **keys)
        .annotate(
            credited_amount=Sum("total_incl_tax"),
            credited_excl_tax_amount=Sum("total_excl_tax"),
        )
    )
    return cast(list[dict[str, Any]], list(sums))
