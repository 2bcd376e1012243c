"""The range of values the service accepts from outside: one place for every date, time
and integer limit that is not a domain rule.

Dates and datetimes outside `[MIN_DATE, MAX_DATE)` cannot be converted between time zones
without overflow near the ends of Python's calendar (years 1 and 9999), do not render as
RFC 3339, and mean nothing to a concierge service; integers outside a signed 32-bit range
do not fit an `integer` column on PostgreSQL. Domain rules (how far back a time entry may
be dated, how long it may last) are narrower and live with their services.
"""

import datetime

from django.utils.functional import lazy
from django.utils.translation import gettext as _

MIN_YEAR = 1900
MAX_YEAR = 2199  # inclusive
MIN_DATE = datetime.date(MIN_YEAR, 1, 1)
MAX_DATE = datetime.date(MAX_YEAR + 1, 1, 1)  # exclusive
MIN_DATETIME = datetime.datetime(MIN_YEAR, 1, 1, tzinfo=datetime.UTC)
MAX_DATETIME = datetime.datetime(MAX_YEAR + 1, 1, 1, tzinfo=datetime.UTC)  # exclusive

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


def year_in_range(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def date_in_range(day: datetime.date) -> bool:
    return MIN_DATE <= day < MAX_DATE


def datetime_in_range(moment: datetime.datetime) -> bool:
    if moment.tzinfo is None:
        return MIN_DATETIME.replace(tzinfo=None) <= moment < MAX_DATETIME.replace(tzinfo=None)
    return MIN_DATETIME <= moment < MAX_DATETIME


def range_sentence() -> str:
    """The range in words, in the reader's language: "between 1900-01-01 and 2199-12-31"."""
    return _("between %(first)s and %(last)s") % {
        "first": MIN_DATE.isoformat(),
        "last": f"{MAX_YEAR}-12-31",
    }


# Said when a sentence is written, in its reader's language.
RANGE_SENTENCE = lazy(range_sentence, str)()
