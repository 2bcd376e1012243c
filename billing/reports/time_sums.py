"""What the time report sums, in a fixed handful of queries: the time per group — from the
time rollup (`assistants.rollup_models.TimeRollup`: per UTC day, assistant, client and
category) for the UTC days a bucket holds whole, and from the entries for the hours of the
days a bucket's edge cuts in the reader's zone, both in one query (`rolled_up`); by task,
which the rollup does not hold, the entries of the range narrowed by the filters — and the
invoices and credit notes of the range, per client and period. Each takes the acting user
first (`billing.reports.time` assembles the rows)."""

import datetime
from typing import Any, cast

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
    """The time query: stopped entries started in the range, summed per group (and, for
    `costs`, per assistant and their hourly cost; by assistant, per client too)."""
    dims: dict[str, str] = {}
    if group_by in DIMENSIONS:
        dims["key"] = group_by
    if costs:
        dims["cost_assistant"] = "assistant"
        if group_by == "assistant":
            dims["cost_client"] = "client"
    if group_by != "task":
        size = group_by if group_by in BUCKETS else None
        rows = rolled_up(user, report_range, size, dims, filters)
        if size:
            for row in rows:
                row["key"] = row["bucket"]
        return rows
    # Named apart from the model's fields and relations.
    group: dict[str, Any] = {
        "key": F("task_id"),
        "title": F("task__title"),
        "task_client": F("task__client_id"),
        "task_category": F("task__category"),
        **{name: F(DIMENSIONS[dim][1]) for name, dim in dims.items()},
    }
    entries = report_entries(user, report_range, filters)
    sums = entries.order_by().values(**group).annotate(**entry_totals())
    return cast(list[dict[str, Any]], list(sums))


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
