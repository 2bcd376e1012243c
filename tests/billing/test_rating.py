"""The pure rating engine: BILLING.md's worked example, rounding, and properties."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing import periods, rating
from billing.rating import EntryUsage, PackBalance, RatingPlan, Tier

EXAMPLE = RatingPlan(
    name="Example",
    monthly_fee=Decimal("49.00"),
    included_minutes=120,
    rollover_cap_minutes=60,
    rounding_increment_minutes=15,
    tiers=(Tier(480, Decimal("28.00")), Tier(None, Decimal("24.00"))),
)


def minutes(*values):
    return [EntryUsage(key=i, duration_seconds=m * 60) for i, m in enumerate(values)]


def amounts(rated):
    return [(line.kind, line.quantity_minutes, line.amount) for line in rated.lines]


def test_worked_example_three_periods():
    september = rating.rate_period(
        plan=EXAMPLE, entries=minutes(50, 7, 31), factor=Fraction(15, 30)
    )
    assert list(september.entry_minutes.values()) == [60, 15, 45]
    assert (september.used_minutes, september.from_rollover, september.from_included) == (
        120,
        0,
        60,
    )
    assert september.overage_minutes == 60
    assert amounts(september) == [
        ("fee", None, Decimal("24.50")),
        ("overage", 60, Decimal("28.00")),
    ]
    assert september.total == Decimal("52.50")
    assert september.rollover_out == 0

    october = rating.rate_period(
        plan=EXAMPLE, entries=minutes(40, 20), rollover_in=september.rollover_out
    )
    assert list(october.entry_minutes.values()) == [45, 30]
    assert (october.from_rollover, october.from_included, october.overage_minutes) == (0, 75, 0)
    assert amounts(october) == [("fee", None, Decimal("49.00"))]
    assert october.rollover_out == 45

    # Rounded sum 700: 600 + 90 measured, and 10 minutes set by a dispute adjustment.
    november_entries = [
        *minutes(600, 90),
        EntryUsage(key="adj", duration_seconds=3600, override_minutes=10),
    ]
    november = rating.rate_period(
        plan=EXAMPLE, entries=november_entries, rollover_in=october.rollover_out
    )
    assert november.used_minutes == 700
    assert (november.from_rollover, november.from_included, november.overage_minutes) == (
        45,
        120,
        535,
    )
    assert amounts(november) == [
        ("fee", None, Decimal("49.00")),
        ("overage", 480, Decimal("224.00")),
        ("overage", 55, Decimal("22.00")),
    ]
    assert november.total == Decimal("295.00")
    assert november.rollover_out == 0


@pytest.mark.parametrize(
    ("seconds", "g", "expected"),
    [(0, 15, 0), (1, 15, 15), (900, 15, 15), (901, 15, 30), (59, 1, 1), (60, 1, 1), (61, 1, 2)],
)
def test_billable_minutes_round_up_per_entry(seconds, g, expected):
    assert rating.billable_minutes(seconds, g) == expected


def test_round_half_up_once_per_line():
    assert rating.money(Fraction(1, 200)) == Decimal("0.01")
    assert rating.money(Fraction(-1, 200)) == Decimal("-0.01")
    assert rating.round_half_up(Fraction(5, 2)) == Decimal(3)
    # 1 minute at 0.50/h is 0.008333…, one line rounds once to 0.01.
    lines = rating.overage_lines((Tier(None, Decimal("0.50")),), 1, "EUR")
    assert lines[0].amount == Decimal("0.01")


def test_packs_used_after_included_oldest_first_and_rollover_capped():
    rated = rating.rate_period(
        plan=EXAMPLE,
        entries=minutes(300),
        rollover_in=30,
        packs=[PackBalance("old", 100), PackBalance("new", 100)],
    )
    assert (rated.from_rollover, rated.from_included, rated.from_packs) == (30, 120, 150)
    assert rated.pack_usage == {"old": 100, "new": 50}
    assert rated.overage_minutes == 0
    idle = rating.rate_period(plan=EXAMPLE, entries=[], rollover_in=60)
    assert idle.rollover_out == 60  # the cap; the unused rollover_in does not roll again
    assert idle.total == Decimal("49.00")


def test_proration_factor_counts_start_day_to_month_end():
    sept = datetime.date(2026, 9, 1)
    assert periods.proration_factor(start_date=datetime.date(2026, 9, 16), period=sept) == Fraction(
        15, 30
    )
    assert periods.proration_factor(start_date=datetime.date(2026, 9, 1), period=sept) == 1
    assert (
        periods.proration_factor(
            start_date=datetime.date(2026, 9, 16), period=datetime.date(2026, 10, 1)
        )
        == 1
    )
    rated = rating.rate_period(plan=EXAMPLE, factor=Fraction(1, 3))
    assert rated.included_minutes == 40
    assert rated.total == Decimal("16.33")


def test_period_bounds_follow_the_service_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    start, end = periods.bounds(datetime.date(2026, 10, 1))
    assert start == datetime.datetime(2026, 9, 30, 22, tzinfo=datetime.UTC)
    assert end == datetime.datetime(2026, 10, 31, 23, tzinfo=datetime.UTC)  # DST ends 25 Oct


def test_validate_tiers():
    assert rating.validate_tiers([{"up_to_minutes": None, "hourly_rate": "20.00"}]) == []
    assert rating.validate_tiers([])
    assert rating.validate_tiers([{"up_to_minutes": 60, "hourly_rate": "20.00"}])
    assert rating.validate_tiers(
        [
            {"up_to_minutes": 60, "hourly_rate": "20.00"},
            {"up_to_minutes": 60, "hourly_rate": "20.00"},
            {"up_to_minutes": None, "hourly_rate": "20.00"},
        ]
    )
    assert rating.validate_tiers([{"up_to_minutes": None, "hourly_rate": "-1"}])
    assert rating.validate_tiers([{"up_to_minutes": None, "hourly_rate": "1.005"}])


rates = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def plans(draw):
    bounds = sorted(draw(st.sets(st.integers(1, 3000), max_size=3)))
    tiers = (*(Tier(b, draw(rates)) for b in bounds), Tier(None, draw(rates)))
    monthly = draw(st.booleans())
    return RatingPlan(
        monthly_fee=draw(rates) if monthly else Decimal("0.00"),
        included_minutes=draw(st.integers(0, 2000)) if monthly else 0,
        rollover_cap_minutes=draw(st.integers(0, 500)) if monthly else 0,
        rounding_increment_minutes=draw(st.sampled_from([1, 5, 6, 15, 30])),
        tiers=tiers,
    )


durations = st.lists(st.integers(0, 20_000), max_size=12)


@settings(max_examples=200, deadline=None)
@given(plan=plans(), secs=durations, rollover=st.integers(0, 500), pack=st.integers(0, 900))
def test_total_is_the_sum_of_lines(plan, secs, rollover, pack):
    rated = rating.rate_period(
        plan=plan,
        entries=[EntryUsage(i, s) for i, s in enumerate(secs)],
        rollover_in=rollover,
        packs=[PackBalance(1, pack)],
    )
    assert rated.total == sum((line.amount for line in rated.lines), Decimal("0.00"))
    assert all(line.amount == line.amount.quantize(Decimal("0.01")) for line in rated.lines)
    assert (
        rated.from_rollover + rated.from_included + rated.from_packs + rated.overage_minutes
        == rated.used_minutes
    )
    assert 0 <= rated.rollover_out <= plan.rollover_cap_minutes


@settings(max_examples=200, deadline=None)
@given(plan=plans(), secs=durations, extra=st.integers(0, 20_000), rollover=st.integers(0, 500))
def test_more_usage_never_costs_less(plan, secs, extra, rollover):
    entries = [EntryUsage(i, s) for i, s in enumerate(secs)]
    before = rating.rate_period(plan=plan, entries=entries, rollover_in=rollover)
    more = rating.rate_period(
        plan=plan, entries=[*entries, EntryUsage("extra", extra)], rollover_in=rollover
    )
    assert more.total >= before.total


@settings(max_examples=200, deadline=None)
@given(plan=plans(), overage=st.integers(0, 10_000))
def test_tiers_are_continuous(plan, overage):
    """One more overage minute costs at most the dearest rate (plus a cent of rounding per
    line) and never less than before: no jump at a tier boundary."""
    here = rating.overage_amount(plan.tiers, overage)
    after = rating.overage_amount(plan.tiers, overage + 1)
    top = max(t.hourly_rate for t in plan.tiers)
    assert here <= after <= here + top / 60 + Decimal("0.01") * len(plan.tiers)


@settings(max_examples=100, deadline=None)
@given(plan=plans(), secs=durations)
def test_each_entry_is_billed_exactly_once(plan, secs):
    entries = [EntryUsage(i, s) for i, s in enumerate(secs)]
    rated = rating.rate_period(plan=plan, entries=entries)
    assert sorted(rated.entry_minutes) == list(range(len(secs)))
    assert sum(rated.entry_minutes.values()) == rated.used_minutes
