"""Recurring tasks: RFC 5545 RRULE validation, saying in the reader's language why a rule
is refused; the expansion itself is `concierge.rrule_expansion` (re-exported here), which
the bounded child interpreter imports without Django.

Rules are expanded in the client's own time zone (wall-clock times), so "every Monday at
09:00" stays at 09:00 local across daylight-saving changes; results are returned in UTC.
"""

import datetime

from dateutil.rrule import rrulestr
from django.utils.translation import gettext as _

from concierge.platform import bounded
from concierge.rrule_expansion import occurrences, probe, strip_prefix

MAX_RULE_LENGTH = 500
MAX_INTERVAL = 1000
MAX_COUNT = 1000
MAX_PER_DAY = 24
# A leap year first, so that rules such as "every 29 February" are found.
PROBE_START = datetime.datetime(2000, 1, 1)  # noqa: DTZ001 (wall clock)
PROBE_YEARS = 5
PROBE_SECONDS = 2.0
# Expanding a stored rule for the recurring-tasks job (its own child process).
EXPAND_SECONDS = 5.0


__all__ = ["InvalidRecurrence", "occurrences", "validate"]


class InvalidRecurrence(ValueError):
    pass


def validate(rule: str) -> str:
    """Return the normalised rule text or raise InvalidRecurrence.

    Beyond the syntax, a rule must be one the service can expand cheaply: an INTERVAL of
    at least 1, a COUNT of at most MAX_COUNT, at least one occurrence in PROBE_YEARS, at
    most MAX_PER_DAY occurrences on any day — checked by expanding it in a bounded child
    interpreter (`concierge.platform.bounded`), since a rule that never occurs keeps
    dateutil busy for tens of seconds.
    """
    text = strip_prefix(rule)
    if not text or len(text) > MAX_RULE_LENGTH or "\n" in text or "\r" in text:
        raise InvalidRecurrence(_("Give one RRULE line, e.g. FREQ=WEEKLY;BYDAY=MO."))
    if "DTSTART" in text.upper():
        raise InvalidRecurrence(_("DTSTART is taken from the task; give only the RRULE."))
    try:
        parsed = rrulestr(text, dtstart=PROBE_START)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise InvalidRecurrence(
            _("Not a valid RFC 5545 RRULE: %(problem)s") % {"problem": exc}
        ) from exc
    if "FREQ=" not in text.upper():
        raise InvalidRecurrence(_("An RRULE needs FREQ."))
    if any(part in text.upper() for part in ("FREQ=SECONDLY", "FREQ=MINUTELY")):
        raise InvalidRecurrence(_("Tasks recur at most hourly."))
    if not 1 <= parsed._interval <= MAX_INTERVAL:
        raise InvalidRecurrence(
            _("INTERVAL must be between 1 and %(most)s.") % {"most": MAX_INTERVAL}
        )
    if parsed._count is not None and not 1 <= parsed._count <= MAX_COUNT:
        raise InvalidRecurrence(_("COUNT must be between 1 and %(most)s.") % {"most": MAX_COUNT})
    try:
        found, busiest_day = bounded.run(
            probe,
            text,
            start=PROBE_START,
            years=PROBE_YEARS,
            most_per_day=MAX_PER_DAY,
            seconds=PROBE_SECONDS,
        )
    except bounded.Overrun as exc:
        raise InvalidRecurrence(_("This rule is too costly to expand; simplify it.")) from exc
    if not found:
        raise InvalidRecurrence(
            _("This rule produces no occurrence in %(years)s years.") % {"years": PROBE_YEARS}
        )
    if busiest_day > MAX_PER_DAY:
        raise InvalidRecurrence(
            _("Tasks recur at most %(count)s times a day.") % {"count": MAX_PER_DAY}
        )
    return text
