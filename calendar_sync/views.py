"""The public ICS feed: the token in the address is the only credential.

The feed holds open work, recurring series and what was dated in the last
`selectors.FEED_PAST_DAYS` days. Its ETag is derived from a cheap version read (one
aggregate query over those tasks, plus the time off): a poll that has nothing new is
answered 304 without building the feed, and a feed once built is kept in the cache under
its ETag, so any other reader gets it without a rebuild until something changes; with it
each task's lines, so that a rebuild renders only the tasks that changed.
"""

import hashlib

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from calendar_sync import ics, selectors

FEED_FORMAT = "2"  # a new one when what ics.py writes changes: cached feeds are then unused
CACHE_SECONDS = 24 * 3600


def _etag(calendar, owner, since, version, time_off):
    parts = [
        FEED_FORMAT,
        ics.uid_domain(),
        owner.timezone,
        owner.full_name,
        calendar.name,
        since.isoformat(),
        repr(sorted(version.items())),
        repr([(t.pk, t.starts_at, t.ends_at, t.reason, t.created_at) for t in time_off]),
    ]
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def _body(calendar, owner, since, etag, time_off):
    """The feed, from the cache while its ETag holds; else built again, rendering only the
    tasks changed since the last build (a task's lines depend on the task, whose
    `updated_at` moves at every save, and on the zone and the UID domain)."""
    key = f"calendar-feed:{FEED_FORMAT}:{calendar.pk}"
    kept = cache.get(key) or {}
    if kept.get("etag") == etag:
        return kept["body"]
    zone, domain = owner.zone, ics.uid_domain()
    known = kept.get("tasks", {})
    lines = {}
    for task in selectors.feed_tasks_of(owner, since=since).iterator(chunk_size=2000):
        stamp = (task.pk, task.updated_at, task.sequence, str(zone), domain)
        lines[stamp] = known[stamp] if stamp in known else ics.task_ical(task, zone)
    body = ics.build_feed(
        events=[*lines.values(), *(ics.timeoff_ical(leave, zone) for leave in time_off)],
        zone=zone,
        name=calendar.name or f"{owner.full_name} - tasks",
    )
    cache.set(key, {"etag": etag, "body": body, "tasks": lines}, CACHE_SECONDS)
    return body


def _not_modified(request, etag, last_modified):
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return etag in tags or if_none_match.strip() == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return (
        since is not None and last_modified is not None and int(last_modified.timestamp()) <= since
    )


@require_safe
def feed(request, token):
    calendar = selectors.feed_for_token(token)
    if calendar is None:
        raise Http404("No such calendar.")
    owner = calendar.user
    since = selectors.feed_window_start(timezone.now())
    version = selectors.feed_version_of(owner, since=since)
    time_off = list(selectors.calendar_time_off_of(owner))
    stamps = [version["changed"], *(t.created_at for t in time_off)]
    last_modified = max((s for s in stamps if s is not None), default=None)
    etag = _etag(calendar, owner, since, version, time_off)

    if _not_modified(request, etag, last_modified):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(
            _body(calendar, owner, since, etag, time_off),
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=300"
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response
