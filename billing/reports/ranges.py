"""A report's range of days and its time buckets. Pure values; no database.

A range is named by its first and last day (both included, like an invoice's period),
read in the reader's time zone: it covers the instants `[first day 00:00, day after the
last 00:00)` there, a half-open interval of aware UTC datetimes. A range holding a
daylight-saving change is an hour shorter or longer than its days.
"""

import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from concierge import bounds

# The longest range a report covers: two years, from a day to the day before its
# anniversary two years on (2025-03-01 to 2027-02-28).
MAX_YEARS = 2
ONE_DAY = datetime.timedelta(days=1)


class BadRange(ValueError):
    """The days do not make a range (the first after the last)."""


class RangeTooLong(ValueError):
    """The range is longer than MAX_YEARS."""


def years_later(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` on; 29 February falls on 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return datetime.date(day.year + years, 3, 1)


def local_midnight(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """00:00 of `day` in `zone`, as an aware UTC datetime."""
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=zone).astimezone(datetime.UTC)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    if day.month == 12:
        return datetime.date(day.year + 1, 1, 1)
    return datetime.date(day.year, day.month + 1, 1)


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s ISO week."""
    return day - datetime.timedelta(days=day.weekday())


def week_label(monday: datetime.date) -> str:
    year, number, _ = monday.isocalendar()
    return f"{year:04d}-W{number:02d}"


def month_label(first: datetime.date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


@dataclass(frozen=True)
class Bucket:
    """A week or month of a report: its label and the days of it inside the range."""

    label: str
    start: datetime.date  # the week's Monday or the month's first day
    first_day: datetime.date  # of it inside the range
    last_day: datetime.date


@dataclass(frozen=True)
class DayRange:
    first_day: datetime.date
    last_day: datetime.date
    zone: zoneinfo.ZoneInfo

    def __post_init__(self) -> None:
        if self.first_day > self.last_day:
            raise BadRange(_("The first day must be on or before the last."))
        if not bounds.date_in_range(self.last_day + datetime.timedelta(days=1)):
            raise BadRange(_("Dates must be %(range)s.") % {"range": bounds.RANGE_SENTENCE})
        if self.last_day >= years_later(self.first_day, MAX_YEARS):
            raise RangeTooLong(_("A report covers at most %(years)s years.") % {"years": MAX_YEARS})

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> datetime.datetime:
        return local_midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime.datetime:
        """The first instant after the range (excluded)."""
        return local_midnight(self.last_day + datetime.timedelta(days=1), self.zone)

    def buckets(self, size: str) -> list[Bucket]:
        """The range's weeks (`"week"`) or months (`"month"`), first to last, each cut to
        the range."""
        begin: Callable[[datetime.date], datetime.date] = month_start
        step: Callable[[datetime.date], datetime.date] = next_month
        label: Callable[[datetime.date], str] = month_label
        if size == "week":
            begin, step, label = week_start, _next_week, week_label
        found = []
        start = begin(self.first_day)
        while start <= self.last_day:
            following = step(start)
            found.append(
                Bucket(
                    label=label(start),
                    start=start,
                    first_day=max(start, self.first_day),
                    last_day=min(following - datetime.timedelta(days=1), self.last_day),
                )
            )
            start = following
        return found


def _next_week(monday: datetime.date) -> datetime.date:
    return monday + datetime.timedelta(days=7)


@dataclass(frozen=True)
class Span:
    """Whole UTC days, `first` to `last`, read from the time rollup and counted in the
    bucket starting `bucket` (for a report not in weeks or months, its first day)."""

    first: datetime.date
    last: datetime.date
    bucket: datetime.date


@dataclass(frozen=True)
class Piece:
    """The instants `[start, end)` of a UTC day the rollup cannot split, read from the
    entries: counted in the bucket `into` (None: outside the range) and taken off the
    bucket `out_of` its day is counted in whole (None: that day is not read whole)."""

    start: datetime.datetime
    end: datetime.datetime
    into: datetime.date | None
    out_of: datetime.date | None


@dataclass(frozen=True)
class DayPlan:
    """How a report reads a range through a rollup of UTC days, whatever its zone: each
    UTC day the range touches is counted whole in the bucket holding most of it, and the
    instants of it that belong elsewhere are moved by reading their entries."""

    spans: tuple[Span, ...]
    pieces: tuple[Piece, ...]


def _utc_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=datetime.UTC)


def day_plan(report_range: DayRange, size: str | None = None) -> DayPlan:
    """The plan of `report_range` in weeks or months (`size`), or as one bucket (None).

    Reading a day whole and moving the smaller part of it keeps what is read from the
    entries to at most half a day at each bucket boundary and at each end of the range.
    """
    if size is None:
        limits = [(report_range.first_day, report_range.start, report_range.end)]
    else:
        limits = [
            (
                bucket.start,
                local_midnight(bucket.first_day, report_range.zone),
                local_midnight(bucket.last_day + datetime.timedelta(days=1), report_range.zone),
            )
            for bucket in report_range.buckets(size)
        ]
    day = report_range.start.astimezone(datetime.UTC).date()
    last = (report_range.end - datetime.timedelta(microseconds=1)).astimezone(datetime.UTC).date()
    spans: list[Span] = []
    pieces: list[Piece] = []
    first_bucket = 0
    while day <= last:
        begins = _utc_midnight(day)
        ends = begins + datetime.timedelta(days=1)
        # The day's parts: outside the range before it starts, each bucket's, after it.
        parts: list[tuple[datetime.datetime, datetime.datetime, datetime.date | None]] = []
        if begins < report_range.start:
            parts.append((begins, report_range.start, None))
        while limits[first_bucket][2] <= begins:
            first_bucket += 1
        for key, start, end in limits[first_bucket:]:
            if start >= ends:
                break
            parts.append((max(start, begins), min(end, ends), key))
        if report_range.end < ends:
            parts.append((report_range.end, ends, None))
        # The longest part, the earliest of equals, holds the day (the rollup's cells).
        held = max(parts, key=lambda part: (part[1] - part[0], part[0] == begins))[2]
        if held is not None:
            if spans and spans[-1].bucket == held and spans[-1].last == day - ONE_DAY:
                spans[-1] = Span(spans[-1].first, day, held)
            else:
                spans.append(Span(day, day, held))
        for start, end, part_bucket in parts:
            if part_bucket != held:
                pieces.append(Piece(start, end, into=part_bucket, out_of=held))
        day += ONE_DAY
    return DayPlan(spans=tuple(spans), pieces=tuple(pieces))


def month_of(today: datetime.date, zone: zoneinfo.ZoneInfo) -> DayRange:
    """The calendar month holding `today`, whole."""
    first = month_start(today)
    return DayRange(first, next_month(first) - datetime.timedelta(days=1), zone)
