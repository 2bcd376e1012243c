"""Workload arithmetic without a database: weeks, ratios, working time, the at-risk rule."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from assistants import workloads

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = datetime.UTC


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def test_parse_week():
    assert workloads.parse_week("2026-W47") == workloads.Week(2026, 47)
    assert str(workloads.parse_week("2026-W01")) == "2026-W01"
    assert workloads.parse_week("2020-W53") == workloads.Week(2020, 53)


@pytest.mark.parametrize(
    "text", ["", "2026", "2026-47", "2026-W", "2026-W1", "2026-W00", "2026-W54", "2025-W53", "x"]
)
def test_parse_week_rejects(text):
    with pytest.raises(workloads.BadWeek):
        workloads.parse_week(text)


def test_week_bounds_plain_week(settings):
    settings.TIME_ZONE = "Europe/Paris"
    start, end = workloads.Week(2026, 47).bounds()
    assert start == utc(2026, 11, 15, 23)  # Monday 16 November 00:00 in Paris (UTC+1)
    assert end == utc(2026, 11, 22, 23)
    assert end - start == datetime.timedelta(hours=168)


def test_week_bounds_spring_forward_lasts_167_hours(settings):
    settings.TIME_ZONE = "Europe/Paris"
    start, end = workloads.Week(2026, 13).bounds()
    assert start == utc(2026, 3, 22, 23)  # UTC+1
    assert end == utc(2026, 3, 29, 22)  # UTC+2 after Sunday 29 March 02:00
    assert end - start == datetime.timedelta(hours=167)
    days = workloads.Week(2026, 13).day_bounds()
    assert days[0][0] == datetime.date(2026, 3, 23)
    assert days[-1][2] - days[-1][1] == datetime.timedelta(hours=23)
    assert all(days[i][2] == days[i + 1][1] for i in range(6))


def test_week_bounds_fall_back_lasts_169_hours(settings):
    settings.TIME_ZONE = "Europe/Paris"
    start, end = workloads.Week(2026, 43).bounds()
    assert start == utc(2026, 10, 18, 22)  # UTC+2
    assert end == utc(2026, 10, 25, 23)  # UTC+1 after Sunday 25 October 03:00
    assert end - start == datetime.timedelta(hours=169)


def test_week_of_reads_the_service_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    # Sunday 22:30 UTC is already Monday in Paris.
    assert workloads.week_of(utc(2026, 11, 22, 23, 30)) == workloads.Week(2026, 48)
    assert workloads.week_of(utc(2026, 11, 22, 22, 59)) == workloads.Week(2026, 47)
    assert workloads.week_of(utc(2026, 1, 1, 12)) == workloads.Week(2026, 1)
    assert workloads.week_of(utc(2027, 1, 1, 12)) == workloads.Week(2026, 53)


def test_ratios():
    assert workloads.utilization(285, 600) == Decimal("0.4750")
    assert workloads.utilization(10, 0) is None
    assert workloads.utilization(0, 600) == Decimal("0")
    assert workloads.on_time_rate(2, 3) == Decimal("0.6667")
    assert workloads.on_time_rate(0, 0) is None
    assert workloads.average_rating(9, 2) == Decimal("4.50")
    assert workloads.average_rating(None, 0) is None
    assert workloads.minutes(datetime.timedelta(seconds=119)) == 1
    assert workloads.minutes(None) == 0


def schedule(capacity=40 * 60, days=(0, 1, 2, 3, 4), zone=PARIS):
    return workloads.Schedule(
        zone=zone,
        workday_start=datetime.time(9),
        workday_end=datetime.time(17),
        working_days=frozenset(days),
        weekly_capacity_minutes=capacity,
    )


def test_working_minutes_counts_local_working_hours():
    # Monday 23 March 2026, 08:00 Paris → Tuesday 12:00 Paris: 8 h + 3 h.
    start = datetime.datetime(2026, 3, 23, 8, tzinfo=PARIS)
    end = datetime.datetime(2026, 3, 24, 12, tzinfo=PARIS)
    assert workloads.working_minutes(schedule(), start, end) == 11 * 60
    # Half the scheduled week as capacity: half of each hour.
    assert workloads.working_minutes(schedule(capacity=20 * 60), start, end) == 11 * 30
    # Weekends are not working days; an empty or reversed interval has none.
    saturday = datetime.datetime(2026, 3, 28, 0, tzinfo=PARIS)
    assert workloads.working_minutes(schedule(), saturday, saturday + datetime.timedelta(2)) == 0
    assert workloads.working_minutes(schedule(), end, start) == 0


def test_working_minutes_across_daylight_saving_uses_wall_clock_hours():
    # The week of 30 March (after the change) still has 5 x 8 working hours.
    start = datetime.datetime(2026, 3, 27, 0, tzinfo=PARIS)
    end = datetime.datetime(2026, 4, 3, 0, tzinfo=PARIS)
    assert workloads.working_minutes(schedule(), start, end) == 5 * 8 * 60


def test_working_minutes_less_time_off():
    start = datetime.datetime(2026, 3, 23, 0, tzinfo=PARIS)
    end = datetime.datetime(2026, 3, 28, 0, tzinfo=PARIS)
    off = [
        (
            datetime.datetime(2026, 3, 24, 0, tzinfo=PARIS),
            datetime.datetime(2026, 3, 26, 13, tzinfo=PARIS),
        )
    ]
    # Tuesday and Wednesday off, Thursday until 13:00: 8 + 4 + 8 hours remain.
    assert workloads.working_minutes(schedule(), start, end, off) == 20 * 60


def test_at_risk_plans_earliest_deadline_first():
    now = datetime.datetime(2026, 3, 23, 9, tzinfo=PARIS)  # Monday 09:00
    tuesday_5pm = datetime.datetime(2026, 3, 24, 17, tzinfo=PARIS)  # 16 working hours away
    friday_5pm = datetime.datetime(2026, 3, 27, 17, tzinfo=PARIS)  # 40 working hours away
    work = [
        workloads.OpenWork(1, tuesday_5pm, 10 * 60),  # fits: 10 h of 16
        workloads.OpenWork(2, tuesday_5pm + datetime.timedelta(minutes=1), 7 * 60),  # 17 h > 16
        workloads.OpenWork(3, friday_5pm, 20 * 60),  # 37 h of 40: fits
        workloads.OpenWork(4, None, 100 * 60),  # no deadline: never at risk, takes no room
        workloads.OpenWork(5, now - datetime.timedelta(hours=1), 0),  # overdue, not "at risk"
    ]
    assert workloads.at_risk(work, schedule=schedule(), now=now) == {2}
    # With half the capacity, 8 hours by Tuesday evening: task 1 no longer fits either,
    # and 20 hours by Friday are fewer than the 37 queued.
    assert workloads.at_risk(work, schedule=schedule(capacity=20 * 60), now=now) == {1, 2, 3}


def test_at_risk_counts_overdue_work_first_and_time_off():
    now = datetime.datetime(2026, 3, 23, 9, tzinfo=PARIS)
    friday = datetime.datetime(2026, 3, 27, 17, tzinfo=PARIS)
    work = [
        workloads.OpenWork(1, now - datetime.timedelta(days=1), 30 * 60),  # overdue, still to do
        workloads.OpenWork(2, friday, 11 * 60),  # 41 h queued > 40 h
    ]
    assert workloads.at_risk(work, schedule=schedule(), now=now) == {2}
    light = [workloads.OpenWork(2, friday, 30 * 60)]
    assert workloads.at_risk(light, schedule=schedule(), now=now) == set()
    off = [(now, now + datetime.timedelta(days=2))]  # Monday and Tuesday off: 24 h left
    assert workloads.at_risk(light, schedule=schedule(), now=now, time_off=off) == {2}
