"""The time report read through the time rollup is the report of the entries themselves,
in any zone: the days a bucket holds whole come from the rollup, the hours its edges cut
from the entries (`day_plan`), to the microsecond."""

import datetime
import random
import zoneinfo
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants.models import TimeEntryStatus
from billing.reports.ranges import DayRange, day_plan, month_label, week_label
from billing.reports.time import time_report
from concierge.models import TaskStatus
from tests import factories

UTC = datetime.UTC
ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Pacific/Kiritimati",  # +14:00: most of each UTC day is the next local day
    "Pacific/Pago_Pago",  # -11:00
    "Australia/Lord_Howe",  # a half-hour clock change
]
SIZES = [None, "week", "month"]
FIELDS = [
    "entries",
    "logged_minutes",
    "billable_minutes",
    "billed_minutes",
    "non_billable_minutes",
    "disputed_minutes",
]


def _bucket(report_range, size, moment):
    day = moment.astimezone(report_range.zone).date()
    if size is None:
        return report_range.first_day
    if size == "week":
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


def _weights(plan, moment):
    """What the plan counts of an entry starting at `moment`, per bucket."""
    found = defaultdict(int)
    day = moment.astimezone(UTC).date()
    for span in plan.spans:
        if span.first <= day <= span.last:
            found[span.bucket] += 1
    for piece in plan.pieces:
        if piece.start <= moment < piece.end:
            if piece.into is not None:
                found[piece.into] += 1
            if piece.out_of is not None:
                found[piece.out_of] -= 1
    return {bucket: weight for bucket, weight in found.items() if weight}


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    first=st.dates(datetime.date(2024, 1, 1), datetime.date(2027, 12, 31)),
    days=st.integers(0, 729),  # two years less a day at most
    size=st.sampled_from(SIZES),
)
def test_the_plan_counts_every_instant_once_in_its_bucket(zone, first, days, size):
    report_range = DayRange(first, first + datetime.timedelta(days=days), zoneinfo.ZoneInfo(zone))
    plan = day_plan(report_range, size)
    # Every instant where what the plan counts may change, and one just before each.
    edges = {report_range.start, report_range.end}
    for piece in plan.pieces:
        edges |= {piece.start, piece.end}
        assert piece.end - piece.start <= datetime.timedelta(hours=12)
    if size:
        for bucket in report_range.buckets(size):
            edges.add(
                datetime.datetime.combine(bucket.first_day, datetime.time(0), report_range.zone)
            )
    day = report_range.start.astimezone(UTC).date()
    while datetime.datetime.combine(day, datetime.time(0), UTC) <= report_range.end:
        edges.add(datetime.datetime.combine(day, datetime.time(0), UTC))
        day += datetime.timedelta(days=1)
    for edge in edges:
        for moment in (edge, edge - datetime.timedelta(microseconds=1)):
            inside = report_range.start <= moment < report_range.end
            expected = {_bucket(report_range, size, moment): 1} if inside else {}
            assert _weights(plan, moment) == expected, (moment, zone, size)


def test_a_year_in_weeks_reads_an_hour_or_two_of_entries_a_week_in_paris():
    report_range = DayRange(
        datetime.date(2025, 4, 1), datetime.date(2026, 3, 31), zoneinfo.ZoneInfo("Europe/Paris")
    )
    plan = day_plan(report_range, "week")
    read = sum((piece.end - piece.start for piece in plan.pieces), datetime.timedelta())
    # The range's first two hours (31 March, UTC), each of 52 Mondays' first hour or two,
    # and the last two hours of 31 March 2026 (UTC) that are already April in Paris.
    assert len(plan.pieces) == 54
    assert read <= datetime.timedelta(hours=2 * 54)
    assert (
        day_plan(
            DayRange(report_range.first_day, report_range.last_day, zoneinfo.ZoneInfo("UTC")),
            "week",
        ).pieces
        == ()
    )


@pytest.fixture
def history(manager_user):
    """Entries of every kind over most of 2026, to the microsecond, many near midnights."""
    rng = random.Random(7)
    assistants = [factories.AssistantFactory() for _ in range(2)]
    clients = [factories.ClientFactory() for _ in range(2)]
    tasks = [
        factories.TaskFactory(
            client=client, assignee=assistant, status=TaskStatus.IN_PROGRESS, category=category
        )
        for client in clients
        for assistant in assistants
        for category in ("travel", "")
    ]
    # Beside the tasks worked all year, one per assistant worked in May alone: a range
    # holds its time whole, and cuts the others'.
    may = (datetime.datetime(2026, 5, 1, tzinfo=UTC), datetime.datetime(2026, 6, 1, tzinfo=UTC))
    short = {
        assistant: factories.TaskFactory(
            client=clients[0], assignee=assistant, status=TaskStatus.IN_PROGRESS
        )
        for assistant in assistants
    }
    # And one both assistants work on all year: its row adds up their time.
    both = factories.TaskFactory(
        client=clients[1], assignee=assistants[0], status=TaskStatus.IN_PROGRESS
    )
    entries = []
    for assistant in assistants:
        moment = datetime.datetime(2026, 2, 20, tzinfo=UTC)
        mine = [task for task in tasks if task.assignee == assistant] + [both]
        while moment < datetime.datetime(2026, 12, 10, tzinfo=UTC):
            moment += datetime.timedelta(minutes=rng.choice([1, 30, 200, 700, 1400]))
            moment += datetime.timedelta(microseconds=rng.randint(0, 999_999))
            length = datetime.timedelta(
                seconds=rng.randint(1, 5 * 3600), microseconds=rng.randint(0, 999_999)
            )
            fields = {}
            roll = rng.random()
            if roll < 0.15:
                fields["billable"] = False
            elif roll < 0.25:
                fields["status"] = rng.choice([TimeEntryStatus.DISPUTED, TimeEntryStatus.REJECTED])
            elif roll < 0.3:
                fields["billable_minutes_override"] = rng.randint(0, 60)
            elif roll < 0.6:
                billed = rng.randint(1, 300)
                fields.update(
                    billed_at=moment + length,
                    billed_minutes=billed,
                    credited_minutes=rng.choice([0, 0, rng.randint(0, billed)]),
                )
            entries.append(
                factories.TimeEntryFactory(
                    task=short[assistant] if may[0] <= moment < may[1] else rng.choice(mine),
                    assistant=assistant,
                    started_at=moment,
                    ended_at=moment + length,
                    **fields,
                )
            )
            moment += length
    return {"manager": manager_user, "entries": entries}


def _expected(entries, report_range, group_by):
    """The report's minutes per row, summed from the entries in Python."""
    size = group_by if group_by in ("week", "month") else None
    sums = defaultdict(lambda: defaultdict(datetime.timedelta))
    for entry in entries:
        if not report_range.start <= entry.started_at < report_range.end:
            continue
        if size:
            bucket = _bucket(report_range, size, entry.started_at)
            key = week_label(bucket) if size == "week" else month_label(bucket)
        else:
            key = {
                "client": entry.task.client_id,
                "assistant": entry.assistant_id,
                "category": entry.task.category,
                "task": entry.task_id,
                "total": None,
            }[group_by]
        row, length = sums[key], entry.ended_at - entry.started_at
        billable = entry.billable and entry.status == TimeEntryStatus.STOPPED
        row["entries"] += datetime.timedelta(microseconds=1)
        row["logged"] += length
        if billable and entry.billable_minutes_override is None:
            row["measured"] += length
        if billable and entry.billable_minutes_override is not None:
            row["adjusted"] += datetime.timedelta(minutes=entry.billable_minutes_override)
        row["billed"] += datetime.timedelta(
            minutes=(entry.billed_minutes or 0) - entry.credited_minutes
        )
        if not entry.billable or entry.status == TimeEntryStatus.REJECTED:
            row["non_billable"] += length
        if entry.status == TimeEntryStatus.DISPUTED:
            row["disputed"] += length

    def minutes(value):
        return int(value.total_seconds()) // 60

    return {
        key: {
            "entries": row["entries"] // datetime.timedelta(microseconds=1),
            "logged_minutes": minutes(row["logged"]),
            "billable_minutes": minutes(row["measured"]) + minutes(row["adjusted"]),
            "billed_minutes": minutes(row["billed"]),
            "non_billable_minutes": minutes(row["non_billable"]),
            "disputed_minutes": minutes(row["disputed"]),
        }
        for key, row in sums.items()
    }


@pytest.mark.django_db
def test_the_report_is_the_entries_own_in_every_zone(history):
    ranges = [
        (datetime.date(2026, 3, 1), datetime.date(2026, 11, 30)),  # both clock changes
        (datetime.date(2026, 3, 29), datetime.date(2026, 3, 29)),  # one day, a change in Paris
        (datetime.date(2026, 4, 15), datetime.date(2026, 6, 17)),  # mid-week to mid-week
        (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),  # every task whole
    ]
    for zone, (first, last) in ((zone, dates) for zone in ZONES for dates in ranges):
        report_range = DayRange(first, last, zoneinfo.ZoneInfo(zone))
        # The totals are rounded once, not added up from the rounded rows.
        (expected_totals,) = _expected(history["entries"], report_range, "total").values() or [
            dict.fromkeys(FIELDS, 0)
        ]
        for group_by in ("client", "assistant", "category", "task", "week", "month"):
            expected = _expected(history["entries"], report_range, group_by)
            report = time_report(history["manager"], report_range=report_range, group_by=group_by)
            key = "period" if group_by in ("week", "month") else group_by
            found = {
                row[key]: {name: row[name] for name in FIELDS}
                for row in report["rows"]
                if row["entries"]  # the empty weeks and months of the range too
            }
            assert found == expected, (zone, first, last, group_by)
            if group_by == "task":  # read a page at a time, the same rows in the same order
                rows = list(report["rows"])
                pages = [report["rows"][n : n + 3] for n in range(0, len(rows), 3)]
                assert [row for page in pages for row in page] == rows
                assert [r["logged_minutes"] for r in rows] == sorted(
                    (r["logged_minutes"] for r in rows), reverse=True
                )
            assert {name: report["totals"][name] for name in FIELDS} == expected_totals
