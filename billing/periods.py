"""Billing periods: calendar months in the service's zone (settings.TIME_ZONE).

Pure functions; a period is named by its first day (a `date`). Bounds are aware UTC
datetimes, half-open `[start, end)`.
"""

import calendar
import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.conf import settings


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def period_of(day: datetime.date) -> datetime.date:
    """The period (its first day) containing `day`."""
    return day.replace(day=1)


def period_of_instant(moment: datetime.datetime) -> datetime.date:
    return period_of(moment.astimezone(zone()).date())


def next_period(period: datetime.date) -> datetime.date:
    if period.month == 12:
        return datetime.date(period.year + 1, 1, 1)
    return datetime.date(period.year, period.month + 1, 1)


def previous_period(period: datetime.date) -> datetime.date:
    if period.month == 1:
        return datetime.date(period.year - 1, 12, 1)
    return datetime.date(period.year, period.month - 1, 1)


def last_day(period: datetime.date) -> datetime.date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def days_in(period: datetime.date) -> int:
    return calendar.monthrange(period.year, period.month)[1]


def local_midnight(day: datetime.date) -> datetime.datetime:
    """00:00 of `day` in the service's zone, as an aware UTC datetime."""
    local = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone())
    return local.astimezone(datetime.UTC)


def bounds(period: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """`[start, end)` of the period in UTC."""
    return local_midnight(period), local_midnight(next_period(period))


def parse(text: str) -> datetime.date:
    """`YYYY-MM` → the period's first day; ValueError otherwise."""
    parsed = datetime.datetime.strptime(text, "%Y-%m")  # noqa: DTZ007 - a calendar month
    return parsed.date()


def proration_factor(*, start_date: datetime.date, period: datetime.date) -> Fraction:
    """1 for a full period; for the period a subscription starts in, the share of the
    month from the start day through the month's last day."""
    if period_of(start_date) != period or start_date.day == 1:
        return Fraction(1)
    total = days_in(period)
    return Fraction(total - start_date.day + 1, total)


def last_ended_period(now: datetime.datetime) -> datetime.date:
    """The most recent period that has ended at `now`."""
    return previous_period(period_of_instant(now))
