"""Expanding RFC 5545 rules: pure, and free of Django, because it runs in a bounded child
interpreter (`concierge.platform.bounded`) whose start-up counts against its time limit.
`concierge.recurrence` validates rules and says why one is refused."""

import datetime
import zoneinfo

from dateutil.rrule import rrulestr

UTC = datetime.UTC


def strip_prefix(rule: str) -> str:
    rule = rule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    return rule


def probe(text: str, *, start: datetime.datetime, years: int, most_per_day: int) -> tuple[int, int]:
    """(occurrences found, most on one day) over `years` from `start`, stopping as soon
    as a day goes over `most_per_day`."""
    until = start.replace(year=start.year + years)
    parsed = rrulestr(text, dtstart=start)
    per_day: dict[datetime.date, int] = {}
    found = 0
    for index, naive in enumerate(parsed):
        if naive >= until or (parsed._count is not None and index >= parsed._count):
            break
        found += 1
        per_day[naive.date()] = per_day.get(naive.date(), 0) + 1
        if per_day[naive.date()] > most_per_day:
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
    expanded = rrulestr(strip_prefix(rule), dtstart=local_start)
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
