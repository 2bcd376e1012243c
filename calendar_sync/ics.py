"""Builds RFC 5545 calendars of tasks and time off with icalendar.

Pure: it takes already loaded objects and returns bytes, so feeds and CalDAV pushes
share one rendering. UIDs are stable (`task-<id>-deadline@…`, `task-<id>-appointment@…`,
`timeoff-<id>@…`); SEQUENCE is the task's `sequence`.
"""

import datetime
import functools
import logging

import icalendar
from django.conf import settings

from concierge.models import TaskStatus

log = logging.getLogger(__name__)

PRODID = "-//Concierge//Calendar feed//EN"
DEFAULT_APPOINTMENT = datetime.timedelta(hours=1)


def uid_domain():
    return getattr(settings, "CALENDAR_UID_DOMAIN", "concierge.invalid")


def task_uid(task_id, kind):
    return f"task-{task_id}-{kind}@{uid_domain()}"


def timeoff_uid(timeoff_id):
    return f"timeoff-{timeoff_id}@{uid_domain()}"


def parse_rrule(text):
    """The task's RRULE as a vRecur, or None when absent or unreadable."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        return None
    try:
        rule = icalendar.vRecur.from_ical(text)
    except ValueError:
        return None
    return rule if rule.get("FREQ") else None


def _base_event(uid, *, summary, stamp, sequence, cancelled, created=None):
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstamp", stamp.astimezone(datetime.UTC))
    event.add("last-modified", stamp.astimezone(datetime.UTC))
    if created is not None:
        event.add("created", created.astimezone(datetime.UTC))
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def task_events(task, zone):
    """(uid, Event) pairs of one task: its appointment and/or its promised deadline."""
    cancelled = task.status == TaskStatus.CANCELLED
    rule = parse_rrule(task.recurrence) if task.recurrence_parent_id is None else None
    common = {
        "stamp": task.updated_at,
        "sequence": task.sequence,
        "cancelled": cancelled,
        "created": task.created_at,
    }
    events = []
    if task.scheduled_start is not None:
        uid = task_uid(task.pk, "appointment")
        event = _base_event(uid, summary=task.title, **common)
        start = task.scheduled_start.astimezone(zone)
        end = task.scheduled_end or task.scheduled_start + DEFAULT_APPOINTMENT
        event.add("dtstart", start)
        event.add("dtend", end.astimezone(zone))
        event.add("transp", "OPAQUE")
        if task.description:
            event.add("description", task.description)
        if rule is not None:
            event.add("rrule", rule)
        events.append((uid, event))
    if task.promised_due_at is not None:
        uid = task_uid(task.pk, "deadline")
        event = _base_event(uid, summary=f"Due: {task.title}", **common)
        event.add("dtstart", task.promised_due_at.astimezone(zone))
        event.add("transp", "TRANSPARENT")
        if task.description:
            event.add("description", task.description)
        if rule is not None and task.scheduled_start is None:
            event.add("rrule", rule)
        events.append((uid, event))
    return events


def timeoff_event(time_off, zone):
    uid = timeoff_uid(time_off.pk)
    event = _base_event(
        uid,
        summary=f"Time off{': ' + time_off.reason if time_off.reason else ''}",
        stamp=time_off.created_at,
        sequence=0,
        cancelled=False,
    )
    event.add("dtstart", time_off.starts_at.astimezone(zone))
    event.add("dtend", time_off.ends_at.astimezone(zone))
    event.add("transp", "OPAQUE")
    return uid, event


def new_calendar(name=None):
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def finish(cal, zone):
    """Adds the VTIMEZONE of every zone used and returns the calendar's bytes."""
    cal.add("x-wr-timezone", str(zone))
    cal.add_missing_timezones()
    return cal.to_ical()


def task_ical(task, zone):
    """The VEVENT lines of one task; none when it has a date that cannot be shown in `zone`
    (stored before input was bounded, or by an operator): the task is left out rather
    than fail the whole feed."""
    try:
        return b"".join(event.to_ical() for _uid, event in task_events(task, zone))
    except (OverflowError, ValueError):
        log.warning("Calendar feed: task %s has a date that cannot be shown.", task.pk)
        return b""


def timeoff_ical(time_off, zone):
    return timeoff_event(time_off, zone)[1].to_ical()


@functools.lru_cache(maxsize=64)
def _vtimezones(zone):
    """The VTIMEZONE lines icalendar adds for events in `zone` (none for UTC)."""
    cal = new_calendar()
    event = icalendar.Event()
    event.add("dtstart", datetime.datetime(2000, 1, 1, tzinfo=zone))
    cal.add_component(event)
    cal.add_missing_timezones()
    return b"".join(timezone.to_ical() for timezone in cal.timezones)


def build_feed(*, events, zone, name=None):
    """The whole calendar as bytes, from its events' lines (`task_ical`, `timeoff_ical`):
    the same bytes as one icalendar Calendar holding those events, but a task's lines can
    be kept from one build to the next."""
    cal = new_calendar(name)
    cal.add("x-wr-timezone", str(zone))
    end = b"END:VCALENDAR\r\n"
    body = b"".join(events)
    return cal.to_ical().removesuffix(end) + (_vtimezones(zone) if body else b"") + body + end


def single_event_calendar(event, zone):
    """A calendar object holding one event (one CalDAV resource)."""
    cal = new_calendar()
    cal.add_component(event)
    return finish(cal, zone)
