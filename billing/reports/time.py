"""The time and money report: the time logged over a range of days, grouped by client,
assistant, category, task, week or month, beside what the invoices of the range charged.

A fixed handful of queries whatever the range or the number of rows (`time_sums`: the time
summed per group by ids alone, from the time rollup and the edges' entries; the invoices
and the credit notes against them, per client and period), then the people's names or the
category labels and, for managers, the assistants' costs. By task, the rows are summed and
ordered in the database and read a page at a time (`TaskRows`): a year of everyone's
tasks is a hundred thousand rows. Each takes the acting user first:
managers read everything, an assistant their own time, a client the time on their tasks and
their own invoices. Assistants see time, never money.
"""

import datetime
import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from assistants.models import AssistantProfile
from billing import rating
from billing.reports.ranges import DayRange
from billing.reports.time_sums import (
    BUCKETS,
    TaskSums,
    credit_sums,
    entry_sums,
    invoice_sums,
    rolled_up,
)
from concierge.models import Category, Task, User

GROUPS = ("client", "assistant", "category", "task", "week", "month")
# Tasks labelled per query (their ids are bound parameters, which SQLite bounds).
LABELS_PER_QUERY = 5000


# What the invoices of a row say, in their currency: the totals due (tax included, as each
# invoice's `total`), the same excluding tax, and the credit notes against them.
MONEY_FIELDS = (
    "invoiced_amount",
    "invoiced_excl_tax_amount",
    "credited_amount",
    "credited_excl_tax_amount",
)

MINUTE_FIELDS = (
    "logged_minutes",
    "billable_minutes",
    "billed_minutes",
    "non_billable_minutes",
    "disputed_minutes",
)


def _minutes(duration: datetime.timedelta | None) -> int:
    """Whole minutes of a summed duration (None → 0), rounded down."""
    if not duration:
        return 0
    return int(duration.total_seconds()) // 60


def _name(first: str, last: str, email: str) -> str:
    return f"{first} {last}".strip() or email


@dataclass
class _Sums:
    """A row's time as the entries query sums it, before rounding to minutes."""

    logged: datetime.timedelta = datetime.timedelta()
    measured: datetime.timedelta = datetime.timedelta()
    adjusted: int = 0
    billed: int = 0
    non_billable: datetime.timedelta = datetime.timedelta()
    disputed: datetime.timedelta = datetime.timedelta()
    entries: int = 0

    def add(self, item: dict[str, Any]) -> None:
        self.logged += item["logged_time"]
        self.measured += item["measured_time"]
        self.adjusted += item["adjusted_total"]
        self.billed += item["billed_total"]
        self.non_billable += item["non_billable_time"]
        self.disputed += item["disputed_time"]
        self.entries += item["entry_count"]

    def minutes(self) -> dict[str, int]:
        return {
            "entries": self.entries,
            "logged_minutes": _minutes(self.logged),
            "billable_minutes": _minutes(self.measured) + self.adjusted,
            "billed_minutes": self.billed,
            "non_billable_minutes": _minutes(self.non_billable),
            "disputed_minutes": _minutes(self.disputed),
        }


@dataclass
class _Money:
    """What invoices charged and credit notes took back, by currency."""

    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    invoices: int = 0

    def add(self, currency: str, *, invoices: int = 0, **amounts: Decimal) -> None:
        held = self.amounts.setdefault(currency, dict.fromkeys(MONEY_FIELDS, Decimal("0.00")))
        for name, amount in amounts.items():
            held[name] += amount
        self.invoices += invoices

    def fields(self) -> dict[str, Any]:
        """The amounts and their `currency`; all None when amounts in several currencies
        cannot be added up."""
        if len(self.amounts) > 1:
            return {"invoices": self.invoices, **dict.fromkeys(MONEY_FIELDS), "currency": None}
        currency, held = next(
            iter(self.amounts.items()), (None, dict.fromkeys(MONEY_FIELDS, Decimal("0.00")))
        )
        return {"invoices": self.invoices, **held, "currency": currency}

    def revenue(self) -> Decimal | None:
        """What was invoiced excluding tax, less what credit notes took back of it."""
        amounts = self.fields()
        if amounts["currency"] is None and self.amounts:
            return None
        return amounts["invoiced_excl_tax_amount"] - amounts["credited_excl_tax_amount"]


def shows_money(user: User, filters: dict) -> bool:
    """Whether the report carries invoiced amounts: not for assistants (time, not money),
    nor when filtered by assistant or category (an invoice is not split that way)."""
    if user.is_assistant:
        return False
    return filters.get("assistant") is None and filters.get("category") is None


def _bucket_of(group_by: str, day: datetime.date) -> datetime.date:
    if group_by == "week":
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


@dataclass
class _Cost:
    """What a row's time cost: each assistant's whole minutes logged at their hourly cost;
    the minutes of assistants whose cost is not known apart."""

    # Minutes times hourly rates in cents (rates have two places): exact integers, summed
    # as they come and divided by 60 once, when rounded (`cents`).
    units: int = 0
    uncosted_minutes: int = 0

    def add(self, item: dict[str, Any], rate: Decimal | None) -> None:
        minutes = _minutes(item["logged_time"])
        if rate is None:
            self.uncosted_minutes += minutes
        else:
            self.units += minutes * int(rate * 100)

    @property
    def cents(self) -> int:
        """The cost in cents, rounded half up (once, as an invoice line is)."""
        return cents_of(self.units)


def cents_of(units: int) -> int:
    """Cents, rounded half up, of minutes times hourly rates in cents (never negative)."""
    return (units + 30) // 60


def _profit(cost: _Cost, revenue: Decimal | None) -> dict[str, Any]:
    """A row's cost, revenue and margin."""
    cost_amount = Decimal(cost.cents).scaleb(-2)
    return {
        "cost_amount": cost_amount,
        "uncosted_minutes": cost.uncosted_minutes,
        "revenue_amount": revenue,
        "margin_amount": None if revenue is None else revenue - cost_amount,
    }


def _shares(
    billed: dict[tuple[Any, Any], int], invoiced: dict[Any, _Money]
) -> dict[Any, Decimal | None]:
    """Each row's revenue when grouped by assistant: every client's invoiced amount
    shared among the assistants by the minutes billed for their time; None where the
    amounts are in several currencies."""
    per_client: dict[Any, int] = defaultdict(int)
    for (_key, client), minutes in billed.items():
        per_client[client] += minutes
    shares: dict[Any, Fraction] = defaultdict(Fraction)
    unknown = set()
    for (key, client), minutes in billed.items():
        amount = invoiced.get(client, _Money()).revenue()
        if amount is None:
            unknown.add(key)
        elif minutes:
            shares[key] += Fraction(amount) * minutes / per_client[client]
    keys = {key for key, _ in billed}
    return {key: None if key in unknown else rating.money(shares[key]) for key in keys}


def time_report(
    user: User,
    *,
    report_range: DayRange,
    group_by: str,
    filters: dict | None = None,
    language: str = "en",
) -> dict[str, Any]:
    """The report's rows and totals (plain values) for `user`.

    Rows of a week or month grouping are every bucket of the range, empty ones too;
    others are those with time (and, by client, those with an invoice), most time first.
    Managers also read what the time cost and, by client, assistant, week or month, the
    revenue and margin (`costs`).
    """
    filters = filters or {}
    money = shows_money(user, filters)
    costs = user.is_manager
    if group_by == "task":
        return _by_task(user, report_range, filters, money=money, costs=costs)
    sums: dict[Any, _Sums] = defaultdict(_Sums)
    cost_of: dict[Any, _Cost] = defaultdict(_Cost)
    billed_by: dict[tuple[Any, Any], int] = defaultdict(int)
    labels: dict[Any, dict[str, Any]] = {}
    total = _Sums()
    found = entry_sums(user, report_range, group_by, filters, costs=costs)
    rates = _cost_rates({item["cost_assistant"] for item in found}) if costs else {}
    for item in found:
        key = item["key"]
        sums[key].add(item)
        total.add(item)
        if costs:
            cost_of[key].add(item, rates.get(item["cost_assistant"]))
            if group_by == "assistant":
                billed_by[key, item["cost_client"]] += item["billed_total"]
        if key not in labels and group_by not in BUCKETS:
            labels[key] = _describe(group_by, item)

    invoiced, invoiced_total = _invoiced(user, report_range, group_by, filters, labels, money)
    if group_by in ("client", "assistant"):
        _name_people(labels)
    if group_by == "category":
        _label_categories(labels, language)
    earns = costs and _earns(group_by, money)
    revenue: dict[Any, Decimal | None] = {}
    if earns and group_by == "assistant":
        revenue = _shares(billed_by, invoiced)
    elif earns:
        revenue = {key: amounts.revenue() for key, amounts in invoiced.items()}

    def profit(key: Any) -> dict[str, Any]:
        if not costs:
            return {}
        earned = revenue.get(key, Decimal("0.00")) if earns else None
        return _profit(cost_of.get(key, _Cost()), earned)

    rows = []
    if group_by in BUCKETS:
        for bucket in report_range.buckets(group_by):
            rows.append(
                {
                    "period": bucket.label,
                    "period_start": bucket.first_day,
                    "period_end": bucket.last_day,
                    "label": bucket.label,
                    **sums.get(bucket.start, _Sums()).minutes(),
                    **(invoiced.get(bucket.start, _Money()).fields() if money else {}),
                    **profit(bucket.start),
                }
            )
    else:
        for key, description in labels.items():
            row = {**description, **sums.get(key, _Sums()).minutes(), **profit(key)}
            if money and group_by == "client":
                row.update(invoiced.get(key, _Money()).fields())
            rows.append(row)
        rows.sort(key=lambda row: (-row["logged_minutes"], row["label"].casefold()))

    totals = {"rows": len(rows), **total.minutes()}
    if money:
        totals.update(invoiced_total.fields())
    if costs:
        totals.update(_profit_totals(rows, earns=earns))
    return {"rows": rows, "totals": totals, "money": money, "costs": costs}


def _invoiced(
    user: User,
    report_range: DayRange,
    group_by: str,
    filters: dict,
    labels: dict[Any, dict[str, Any]],
    money: bool,
) -> tuple[dict[Any, _Money], _Money]:
    """What the invoices of the range charged, and their credit notes took back, per row
    (by client, assistant, week or month) and in all; by client, the clients invoiced
    without time are added to `labels`. Nothing (and no query) without `money`."""
    invoiced: dict[Any, _Money] = defaultdict(_Money)
    invoiced_total = _Money()
    if not money:
        return invoiced, invoiced_total
    if group_by in ("client", "assistant"):
        per = "client"
    else:
        per = "period" if group_by in BUCKETS else "none"

    def key_of(item: dict[str, Any]) -> Any:
        if per == "none":
            return None
        if group_by in ("client", "assistant"):
            return item["client_id"]
        if group_by in BUCKETS:
            return _bucket_of(group_by, item["period_start"])
        return None

    for item in invoice_sums(user, report_range, filters, per=per):
        amounts = {
            "invoices": item["invoice_count"],
            "invoiced_amount": item["invoiced_amount"],
            "invoiced_excl_tax_amount": item["invoiced_excl_tax_amount"],
        }
        invoiced_total.add(item["currency"], **amounts)
        key = key_of(item)
        if key is not None:
            invoiced[key].add(item["currency"], **amounts)
        if group_by == "client" and key not in labels:
            labels[key] = {
                "client": key,
                "label": _name(
                    item["client__first_name"],
                    item["client__last_name"],
                    item["client__email"],
                ),
            }
    for item in credit_sums(user, report_range, filters, per=per):
        credits = {
            "credited_amount": item["credited_amount"],
            "credited_excl_tax_amount": item["credited_excl_tax_amount"],
        }
        invoiced_total.add(item["credit_currency"], **credits)
        key = key_of(
            {
                "client_id": item.get("invoice_client_id"),
                "period_start": item.get("invoice_period_start"),
            }
        )
        if key is not None:
            invoiced[key].add(item["credit_currency"], **credits)
    return invoiced, invoiced_total


def _by_task(
    user: User, report_range: DayRange, filters: dict, *, money: bool, costs: bool
) -> dict[str, Any]:
    """The report by task: its rows a `TaskRows`, its totals the plain cells' summed in the
    database and the rest's in Python."""
    task_sums = TaskSums(user, report_range, filters)
    rest = task_sums.rest()
    plain = task_sums.plain_totals()
    # Every assistant's cost (a page's are not known before it is read; there are few).
    rates = _cost_rates(None) if costs else {}
    rows = TaskRows(task_sums, rest, rates, costs=costs, plain_rows=plain["rows"])
    total = _Sums()
    total.add(plain)
    for item in rest:
        total.add(item)
    totals: dict[str, Any] = {"rows": len(rows), **total.minutes()}
    if money:
        _per_row, invoiced_total = _invoiced(user, report_range, "task", filters, {}, money)
        totals.update(invoiced_total.fields())
    if costs:
        # Each row rounded once, the plain cells' in the database.
        cents = plain["cost_cents"] + sum(cost.cents for cost in rows.rest_costs)
        totals.update(
            cost_amount=Decimal(cents).scaleb(-2),
            uncosted_minutes=plain["uncosted_minutes"]
            + sum(cost.uncosted_minutes for cost in rows.rest_costs),
            revenue_amount=None,
            margin_amount=None,
        )
    return {"rows": rows, "totals": totals, "money": money, "costs": costs}


class TaskRows(Sequence[dict[str, Any]]):
    """The rows of the report by task, most time first (then the oldest task first), read
    as they are asked for: the rest's (`TaskSums.rest`, few) assembled at once, the plain
    cells' a page at a time — a slice is one query of the plain cells it may hold, and one
    of its titles."""

    def __init__(
        self,
        task_sums: TaskSums,
        rest: list[dict[str, Any]],
        rates: dict[int, Decimal | None],
        *,
        costs: bool,
        plain_rows: int,
    ):
        self.task_sums, self.rates, self.costs = task_sums, rates, costs
        self.plain_rows = plain_rows
        sums: dict[int, _Sums] = defaultdict(_Sums)
        cost_of: dict[int, _Cost] = defaultdict(_Cost)
        for item in rest:
            sums[item["key"]].add(item)
            cost_of[item["key"]].add(item, rates.get(item["cost_assistant"]))
        self.rest_costs = list(cost_of.values())
        # (sort key, row) of the rest, in order.
        self.rest = sorted(
            ((-sums[key].logged, key), self._row(key, sums[key], cost_of[key])) for key in sums
        )

    def __len__(self) -> int:
        return self.plain_rows + len(self.rest)

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("rows are read in order")
            return self._rows(start, stop) if stop > start else []
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._rows(index, index + 1)[0]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._rows(0, None))

    def _rows(self, start: int, stop: int | None) -> list[dict[str, Any]]:
        """Rows `start` to `stop` (None: the last), labelled: the plain cells of the window
        merged with the rest, in order. The rest (R rows) can come before R plain cells at
        most, so every plain cell above `start - R` comes before row `start`: the window
        needs the plain cells from there on, and the rows before them are those cells."""
        low = max(0, start - len(self.rest))
        limit = None if stop is None else stop - low
        plain = []
        for cell in self.task_sums.plain_page(low, limit):
            sums, cost = _Sums(), _Cost()
            sums.add(cell)
            cost.add(cell, self.rates.get(cell["cost_assistant"]))
            plain.append(((-cell["logged_time"], cell["key"]), self._row(cell["key"], sums, cost)))
        merged = heapq.merge(plain, self.rest)
        window = itertools.islice(merged, start - low, None if stop is None else stop - low)
        rows = [row for _key, row in window]
        _label_tasks(rows)
        return rows

    def _row(self, key: int, sums: _Sums, cost: _Cost) -> dict[str, Any]:
        row = {"task": key, "client": None, "category": None, "label": None, **sums.minutes()}
        if self.costs:
            row.update(_profit(cost, None))
        return row


def _label_tasks(rows: list[dict[str, Any]]) -> None:
    """Each task row given its task's title, client and category (one query a page; a
    CSV of many thousands, one per few thousand rows)."""
    described: dict[int, tuple[str, int, str]] = {}
    ids = [row["task"] for row in rows]
    for start in range(0, len(ids), LABELS_PER_QUERY):
        found = Task.objects.filter(pk__in=ids[start : start + LABELS_PER_QUERY])
        for pk, title, client, category in found.values_list(
            "pk", "title", "client_id", "category"
        ):
            described[pk] = (title, client, category)
    for row in rows:
        row["label"], row["client"], row["category"] = described[row["task"]]


def _earns(group_by: str, money: bool) -> bool:
    """Whether rows of this grouping carry revenue (and so a margin)."""
    return money and group_by in ("client", "assistant", "week", "month")


def _profit_totals(rows: list[dict[str, Any]], *, earns: bool) -> dict[str, Any]:
    """The rows' costs, revenues and margins added up (each row rounded once)."""
    cost = sum((row["cost_amount"] for row in rows), Decimal("0.00"))
    revenues = [row["revenue_amount"] for row in rows]
    revenue = None
    if earns and None not in revenues:
        revenue = sum(revenues, Decimal("0.00"))
    return {
        "cost_amount": cost,
        "uncosted_minutes": sum(row["uncosted_minutes"] for row in rows),
        "revenue_amount": revenue,
        "margin_amount": None if revenue is None else revenue - cost,
    }


def _describe(group_by: str, item: dict[str, Any]) -> dict[str, Any]:
    """The identifying fields and label of a row, from a row of the entries query."""
    if group_by in ("client", "assistant"):
        return {group_by: item["key"], "label": None}  # named by `_name_people`
    return {"category": item["key"], "label": item["key"]}


def _cost_rates(assistant_ids: set[int] | None) -> dict[int, Decimal | None]:
    """What an hour of each assistant costs (None: of every assistant; one query)."""
    profiles = AssistantProfile.objects.all()
    if assistant_ids is not None:
        profiles = profiles.filter(user_id__in=assistant_ids)
    return dict(profiles.values_list("user_id", "cost_rate"))


def _name_people(labels: dict[Any, dict[str, Any]]) -> None:
    """Each row of a person still unnamed labelled with their name (one query)."""
    unnamed = [key for key, description in labels.items() if description["label"] is None]
    people = User.objects.filter(pk__in=unnamed).values_list(
        "pk", "first_name", "last_name", "email"
    )
    for pk, first, last, email in people:
        labels[pk]["label"] = _name(first, last, email)


def _label_categories(labels: dict[Any, dict[str, Any]], language: str) -> None:
    """Each category row labelled in `language` from the vocabulary (one query)."""
    known = {c.code: c for c in Category.objects.filter(code__in=[k for k in labels if k])}
    for code, description in labels.items():
        if not code:
            description["label"] = _("No category")
        elif code in known:
            description["label"] = known[code].label_in(language)


def time_trend(
    user: User,
    *,
    report_range: DayRange,
    size: str,
    filters: dict | None = None,
    language: str = "en",
) -> tuple[list[tuple[str, dict[str, int]]], dict[str, str]]:
    """The minutes logged per week or month (`size`) of the range, split by category:
    `([(period label, {category: minutes})], {category: label})`, every period of the
    range in order. Two queries (the entries; the category labels)."""
    filters = filters or {}
    sums = rolled_up(user, report_range, size, {"code": "category"}, filters)
    found: dict[datetime.date, dict[str, datetime.timedelta]] = defaultdict(dict)
    for item in sums:
        found[item["bucket"]][item["code"]] = item["logged_time"]
    labels: dict[Any, dict[str, Any]] = {
        code: {"label": code} for codes in found.values() for code in codes
    }
    _label_categories(labels, language)
    columns = [
        (
            bucket.label,
            {code: _minutes(time) for code, time in found.get(bucket.start, {}).items()},
        )
        for bucket in report_range.buckets(size)
    ]
    return columns, {code: item["label"] for code, item in labels.items()}
