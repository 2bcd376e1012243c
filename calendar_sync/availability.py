"""An assistant's busy and free time (pure).

Working hours are wall-clock times on working days in the assistant's zone, so a working
day stays 09:00-17:00 locally across DST changes. Busy intervals (time off, appointments,
imported calendars) are clipped to the window and merged; free time is working time
minus busy time. All intervals are half-open `[start, end)` and aware UTC.
"""

import datetime

from calendar_sync.importer import merge


def working_intervals(*, start, end, zone, workday_start, workday_end, working_days):
    days = set(working_days or ())
    first = start.astimezone(zone).date() - datetime.timedelta(days=1)
    last = end.astimezone(zone).date() + datetime.timedelta(days=1)
    spans = []
    day = first
    while day <= last:
        if day.weekday() in days:
            lo = datetime.datetime.combine(day, workday_start, tzinfo=zone).astimezone(datetime.UTC)
            hi = datetime.datetime.combine(day, workday_end, tzinfo=zone).astimezone(datetime.UTC)
            lo, hi = max(lo, start), min(hi, end)
            if hi > lo:
                spans.append((lo, hi))
        day += datetime.timedelta(days=1)
    return spans


def subtract(spans, holes):
    """`spans` minus `holes` (both sorted, merged)."""
    result = []
    for lo, hi in spans:
        cursor = lo
        for h_lo, h_hi in holes:
            if h_hi <= cursor or h_lo >= hi:
                continue
            if h_lo > cursor:
                result.append((cursor, h_lo))
            cursor = max(cursor, h_hi)
            if cursor >= hi:
                break
        if cursor < hi:
            result.append((cursor, hi))
    return result


def availability(*, start, end, zone, workday_start, workday_end, working_days, busy):
    """{"busy": [...], "free": [...]} within `[start, end)`."""
    clipped = [(max(lo, start), min(hi, end)) for lo, hi in busy]
    merged_busy = merge([(lo, hi) for lo, hi in clipped if hi > lo])
    work = working_intervals(
        start=start,
        end=end,
        zone=zone,
        workday_start=workday_start,
        workday_end=workday_end,
        working_days=working_days,
    )
    return {"busy": merged_busy, "free": subtract(work, merged_busy)}
