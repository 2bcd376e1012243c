"""The reports' pure parts: ranges of days and their buckets, and the trend's geometry."""

import datetime
import zoneinfo

import pytest

from billing.reports import charts, ranges

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_a_range_is_half_open_between_local_midnights_across_a_clock_change():
    autumn = ranges.DayRange(datetime.date(2026, 10, 25), datetime.date(2026, 10, 25), PARIS)
    assert autumn.end - autumn.start == datetime.timedelta(hours=25)
    spring = ranges.DayRange(datetime.date(2026, 3, 29), datetime.date(2026, 3, 29), PARIS)
    assert spring.end - spring.start == datetime.timedelta(hours=23)
    assert spring.start == datetime.datetime(2026, 3, 28, 23, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("first", "last", "error"),
    [
        ((2026, 10, 2), (2026, 10, 1), ranges.BadRange),
        ((2024, 1, 1), (2026, 1, 1), ranges.RangeTooLong),
        ((2024, 2, 29), (2026, 3, 1), ranges.RangeTooLong),
        ((2199, 12, 1), (2199, 12, 31), ranges.BadRange),
    ],
)
def test_refused_ranges(first, last, error):
    with pytest.raises(error):
        ranges.DayRange(datetime.date(*first), datetime.date(*last), PARIS)


def test_buckets_are_cut_to_the_range_and_named_by_iso_week_or_month():
    year_end = ranges.DayRange(datetime.date(2026, 12, 30), datetime.date(2027, 1, 12), PARIS)
    weeks = year_end.buckets("week")
    assert [b.label for b in weeks] == ["2026-W53", "2027-W01", "2027-W02"]
    assert (weeks[0].start, weeks[0].first_day) == (
        datetime.date(2026, 12, 28),
        datetime.date(2026, 12, 30),
    )
    assert weeks[-1].last_day == datetime.date(2027, 1, 12)
    months = year_end.buckets("month")
    assert [(b.label, b.first_day.day, b.last_day.day) for b in months] == [
        ("2026-12", 30, 31),
        ("2027-01", 1, 12),
    ]


def test_nice_steps():
    assert [charts.nice_step(top) for top in (0, 59, 100, 401, 5000)] == [15, 20, 50, 200, 2000]


def test_a_trend_stacks_the_largest_categories_and_groups_the_rest():
    columns = [
        ("W1", {"a": 60, "b": 30, "c": 10, "d": 5}),
        ("W2", {"a": 30, "e": 1}),
        ("W3", {}),
    ]
    trend = charts.trend(columns, {"a": "Alpha"}, other_label="Other", series_limit=2)
    assert [(s.key, s.label, s.minutes) for s in trend.series] == [
        ("a", "Alpha", 90),
        ("b", "b", 30),
        (charts.OTHER, "Other", 16),
    ]
    first, second, third = trend.columns
    assert (
        first.values == (60, 30, 15) and second.values == (30, 0, 1) and third.values == (0, 0, 0)
    )
    assert first.minutes == 105 and not third.segments
    # Stacked from the baseline up, heights in proportion, the top under the plot's top.
    heights = [segment.height for segment in first.segments]
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.02)
    assert first.segments[0].y + first.segments[0].height == pytest.approx(trend.baseline)
    assert min(segment.y for segment in first.segments) >= charts.TOP - 0.01
    assert trend.ticks[0].minutes == 0 and trend.ticks[-1].minutes >= 105
    assert not trend.empty
    assert charts.trend([("W1", {})], {}, other_label="Other").empty


def test_a_lone_other_is_shown_as_itself():
    trend = charts.trend([("M", {"a": 3, "b": 2})], {}, other_label="Other", series_limit=1)
    assert [s.key for s in trend.series] == ["a", "b"]
