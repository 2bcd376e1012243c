"""Billing periods: calendar months in the service's zone (settings.TIME_ZONE).

Pure functions; a period is named by its first day (a `date`). Bounds are aware UTC
datetimes, half-open `[start, end)`.
"""

import calendar
import datetime
import re
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from concierge.bounds import RANGE_SENTENCE, year_in_range

PERIOD_PATTERN = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


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


class BadPeriod(ValueError):
    """Not a month the service bills: its message says why, in the reader's language."""


def parse(text: str) -> datetime.date:
    """`YYYY-MM` → the period's first day; BadPeriod otherwise (also for a year outside
    the range the service holds, `concierge.bounds`)."""
    if not PERIOD_PATTERN.fullmatch(text):
        raise BadPeriod(_("“%(text)s” is not a month such as 2026-09.") % {"text": text})
    year, month = int(text[:4]), int(text[5:])
    if not year_in_range(year):  # before the date: year 0 is no date at all
        raise BadPeriod(_("Periods must be %(range)s.") % {"range": RANGE_SENTENCE})
    return datetime.date(year, month, 1)


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
