"""Recurring tasks: RFC 5545 RRULE validation and expansion. Pure logic.

Rules are expanded in the client's own time zone (wall-clock times), so "every Monday at
09:00" stays at 09:00 local across daylight-saving changes; results are returned in UTC.
"""

import datetime
import zoneinfo

from dateutil.rrule import rrulestr

from concierge import bounded

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
UTC = datetime.UTC


class InvalidRecurrence(ValueError):
    pass


def _strip_prefix(rule: str) -> str:
    rule = rule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    return rule


def validate(rule: str) -> str:
    """Return the normalised rule text or raise InvalidRecurrence.

    Beyond the syntax, a rule must be one the service can expand cheaply: an INTERVAL of
    at least 1, a COUNT of at most MAX_COUNT, at least one occurrence in PROBE_YEARS, at
    most MAX_PER_DAY occurrences on any day — checked by expanding it in a bounded child
    interpreter (`concierge.bounded`), since a rule that never occurs keeps dateutil busy for
    tens of seconds.
    """
    text = _strip_prefix(rule)
    if not text or len(text) > MAX_RULE_LENGTH or "\n" in text or "\r" in text:
        raise InvalidRecurrence("Give one RRULE line, e.g. FREQ=WEEKLY;BYDAY=MO.")
    if "DTSTART" in text.upper():
        raise InvalidRecurrence("DTSTART is taken from the task; give only the RRULE.")
    try:
        parsed = rrulestr(text, dtstart=PROBE_START)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise InvalidRecurrence(f"Not a valid RFC 5545 RRULE: {exc}") from exc
    if "FREQ=" not in text.upper():
        raise InvalidRecurrence("An RRULE needs FREQ.")
    if any(part in text.upper() for part in ("FREQ=SECONDLY", "FREQ=MINUTELY")):
        raise InvalidRecurrence("Tasks recur at most hourly.")
    if not 1 <= parsed._interval <= MAX_INTERVAL:
        raise InvalidRecurrence(f"INTERVAL must be between 1 and {MAX_INTERVAL}.")
    if parsed._count is not None and not 1 <= parsed._count <= MAX_COUNT:
        raise InvalidRecurrence(f"COUNT must be between 1 and {MAX_COUNT}.")
    try:
        found, busiest_day = bounded.run(_probe, text, seconds=PROBE_SECONDS)
    except bounded.Overrun as exc:
        raise InvalidRecurrence("This rule is too costly to expand; simplify it.") from exc
    if not found:
        raise InvalidRecurrence(f"This rule produces no occurrence in {PROBE_YEARS} years.")
    if busiest_day > MAX_PER_DAY:
        raise InvalidRecurrence(f"Tasks recur at most {MAX_PER_DAY} times a day.")
    return text


def _probe(text: str) -> tuple[int, int]:
    """(occurrences found, most on one day) over PROBE_YEARS from PROBE_START, stopping as
    soon as a day goes over MAX_PER_DAY."""
    until = PROBE_START.replace(year=PROBE_START.year + PROBE_YEARS)
    parsed = rrulestr(text, dtstart=PROBE_START)
    per_day: dict[datetime.date, int] = {}
    found = 0
    for index, naive in enumerate(parsed):
        if naive >= until or (parsed._count is not None and index >= parsed._count):
            break
        found += 1
        per_day[naive.date()] = per_day.get(naive.date(), 0) + 1
        if per_day[naive.date()] > MAX_PER_DAY:
            break
    return found, max(per_day.values(), default=0)


def occurrences(
    *,
    rule: str,
    dtstart: datetime.datetime,
    zone: str,
    after: datetime.datetime,
    until: datetime.datetime,
    limit: int = 500,
) -> list[datetime.datetime]:
    """UTC instants of `rule` in `[after, until)`, anchored at `dtstart`'s local wall time."""
    tz = zoneinfo.ZoneInfo(zone)
    local_start = dtstart.astimezone(tz).replace(tzinfo=None)
    expanded = rrulestr(_strip_prefix(rule), dtstart=local_start)
    after_local = after.astimezone(tz).replace(tzinfo=None) - datetime.timedelta(days=1)
    result = []
    for naive in expanded.xafter(after_local, inc=True):
        instant = naive.replace(tzinfo=tz).astimezone(UTC)
        if instant >= until:
            break
        if instant >= after:
            result.append(instant)
            if len(result) >= limit:
                break
    return result
