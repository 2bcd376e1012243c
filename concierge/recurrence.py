"""Recurring tasks: RFC 5545 RRULE validation and expansion. Pure logic.

Rules are expanded in the client's own time zone (wall-clock times), so "every Monday at
09:00" stays at 09:00 local across daylight-saving changes; results are returned in UTC.
"""

import datetime
import zoneinfo

from dateutil.rrule import rrulestr

MAX_RULE_LENGTH = 500
UTC = datetime.UTC


class InvalidRecurrence(ValueError):
    pass


def _strip_prefix(rule: str) -> str:
    rule = rule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    return rule


def validate(rule: str) -> str:
    """Return the normalised rule text or raise InvalidRecurrence."""
    text = _strip_prefix(rule)
    if not text or len(text) > MAX_RULE_LENGTH or "\n" in text or "\r" in text:
        raise InvalidRecurrence("Give one RRULE line, e.g. FREQ=WEEKLY;BYDAY=MO.")
    if "DTSTART" in text.upper():
        raise InvalidRecurrence("DTSTART is taken from the task; give only the RRULE.")
    try:
        rrulestr(text, dtstart=datetime.datetime(2000, 1, 1))  # noqa: DTZ001 (wall clock)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise InvalidRecurrence(f"Not a valid RFC 5545 RRULE: {exc}") from exc
    if "FREQ=" not in text.upper():
        raise InvalidRecurrence("An RRULE needs FREQ.")
    if any(part in text.upper() for part in ("FREQ=SECONDLY", "FREQ=MINUTELY")):
        raise InvalidRecurrence("Tasks recur at most hourly.")
    return text


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
