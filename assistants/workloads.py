"""Workload arithmetic: ISO weeks in the service's zone, ratios and the at-risk rule.

Plain values in, plain values out; no database. Weeks and days are half-open intervals
`[start, end)` of aware UTC datetimes, cut at local midnights of the service's time zone
(`settings.TIME_ZONE`), so a week holding a daylight-saving change lasts 167 or 169 hours.
"""

import datetime
import re
import zoneinfo
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from concierge import bounds

WEEK_PATTERN = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
RATIO_PLACES = Decimal("0.0001")
RATING_PLACES = Decimal("0.01")


class BadWeek(ValueError):
    """The text is not an ISO week such as `2026-W47`."""


def service_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Week:
    year: int
    number: int

    def __str__(self):
        return f"{self.year:04d}-W{self.number:02d}"

    @property
    def first_day(self):
        return datetime.date.fromisocalendar(self.year, self.number, 1)

    @property
    def days(self):
        first = self.first_day
        return [first + datetime.timedelta(days=offset) for offset in range(7)]

    def bounds(self, zone=None):
        """`[start, end)` in UTC: local midnight on Monday to local midnight a week later."""
        first = self.first_day
        return day_start(first, zone), day_start(first + datetime.timedelta(days=7), zone)

    def day_bounds(self, zone=None):
        """The seven local days of the week as `(date, start, end)`, UTC bounds."""
        return [
            (day, day_start(day, zone), day_start(day + datetime.timedelta(days=1), zone))
            for day in self.days
        ]


def day_start(day, zone=None):
    """Local midnight of `day` in `zone` (the service's by default), as UTC."""
    zone = zone or service_zone()
    local = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    return local.astimezone(datetime.UTC)


def parse_week(text):
    """`"2026-W47"` → Week; anything else (including W53 of a 52-week year) → BadWeek."""
    match = WEEK_PATTERN.match(text or "")
    if not match:
        raise BadWeek(_("“%(week)s” is not an ISO week such as 2026-W47.") % {"week": text})
    year, number = int(match.group(1)), int(match.group(2))
    if not bounds.year_in_range(year):
        raise BadWeek(_("Weeks must be %(range)s.") % {"range": bounds.RANGE_SENTENCE})
    try:
        datetime.date.fromisocalendar(year, number, 1)
    except ValueError as exc:
        raise BadWeek(
            _("%(year)s has no week %(number)s.") % {"year": year, "number": number}
        ) from exc
    return Week(year, number)


def week_of(moment, zone=None):
    """The ISO week holding an aware instant, read in the service's zone."""
    local = moment.astimezone(zone or service_zone())
    year, number, _weekday = local.isocalendar()
    return Week(year, number)


def minutes(duration):
    """Whole minutes of a timedelta (None → 0), rounded down."""
    if not duration:
        return 0
    return int(duration.total_seconds()) // 60


def ratio(numerator, denominator, places=RATIO_PLACES):
    """`numerator / denominator` as a Decimal, or None when the denominator is zero."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(places, rounding=ROUND_HALF_UP)


def utilization(logged_minutes, capacity_minutes):
    return ratio(logged_minutes, capacity_minutes)


def on_time_rate(on_time, delivered):
    return ratio(on_time, delivered)


def average_rating(rating_sum, rating_count):
    return ratio(rating_sum or 0, rating_count, RATING_PLACES)


# --- at-risk work ------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When an assistant works: local working hours on working days, and how much of
    that time their weekly capacity lets them spend on tasks."""

    zone: zoneinfo.ZoneInfo
    workday_start: datetime.time
    workday_end: datetime.time
    working_days: frozenset
    weekly_capacity_minutes: int

    @property
    def scheduled_minutes_per_week(self):
        start = datetime.datetime.combine(datetime.date(2000, 1, 1), self.workday_start)
        end = datetime.datetime.combine(datetime.date(2000, 1, 1), self.workday_end)
        return int((end - start).total_seconds()) // 60 * len(self.working_days)

    @property
    def share(self):
        """The part of each scheduled minute that is capacity (at most 1)."""
        scheduled = self.scheduled_minutes_per_week
        if not scheduled:
            return Decimal(0)
        return min(Decimal(1), Decimal(self.weekly_capacity_minutes) / Decimal(scheduled))


def working_minutes(schedule, start, end, time_off=()):
    """Scheduled working minutes in `[start, end)`, less any `(starts_at, ends_at)` of
    time off, times the capacity share; whole minutes, rounded down."""
    if end <= start:
        return 0
    total = datetime.timedelta()
    day = start.astimezone(schedule.zone).date() - datetime.timedelta(days=1)
    last = end.astimezone(schedule.zone).date()
    while day <= last:
        if day.weekday() in schedule.working_days:
            open_at = datetime.datetime.combine(day, schedule.workday_start, tzinfo=schedule.zone)
            close_at = datetime.datetime.combine(day, schedule.workday_end, tzinfo=schedule.zone)
            lo, hi = max(open_at, start), min(close_at, end)
            if hi > lo:
                total += hi - lo
                for off_start, off_end in time_off:
                    olo, ohi = max(lo, off_start), min(hi, off_end)
                    if ohi > olo:
                        total -= ohi - olo
        day += datetime.timedelta(days=1)
    available = Decimal(int(total.total_seconds()) // 60) * schedule.share
    return int(available)


@dataclass(frozen=True)
class OpenWork:
    task_id: int
    promised_due_at: datetime.datetime | None
    remaining_minutes: int


def at_risk(work, *, schedule, now, time_off=()):
    """Ids of tasks that cannot be finished by their promised deadline.

    Work is planned earliest deadline first: a task is at risk when its remaining estimate,
    added to that of every open task due no later, exceeds the assistant's working minutes
    (their schedule, less time off, times their capacity share) from now to its deadline.
    Tasks already overdue are reported as overdue, not at risk; tasks without a promised
    deadline are never at risk and take no capacity before those that have one.
    """
    flagged = set()
    queued = 0
    dated = sorted(
        (item for item in work if item.promised_due_at is not None),
        key=lambda item: (item.promised_due_at, item.task_id),
    )
    for item in dated:
        queued += max(item.remaining_minutes, 0)
        if item.promised_due_at <= now:
            continue
        if queued > working_minutes(schedule, now, item.promised_due_at, time_off):
            flagged.add(item.task_id)
    return flagged
