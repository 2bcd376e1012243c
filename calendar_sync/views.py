"""The public ICS feed: the token in the address is the only credential.

The ETag is derived from a cheap version read (one aggregate query over the tasks, plus
the time off), so a poll that has nothing new is answered 304 without building the feed.
"""

import hashlib

from django.http import Http404, HttpResponse
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from calendar_sync import ics, selectors

FEED_FORMAT = "1"


def _etag(calendar, owner, version, time_off):
    parts = [
        FEED_FORMAT,
        ics.uid_domain(),
        owner.timezone,
        owner.full_name,
        calendar.name,
        repr(sorted(version.items())),
        repr([(t.pk, t.starts_at, t.ends_at, t.reason, t.created_at) for t in time_off]),
    ]
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


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
    version = selectors.calendar_version_of(owner)
    time_off = list(selectors.calendar_time_off_of(owner))
    stamps = [version["changed"], *(t.created_at for t in time_off)]
    last_modified = max((s for s in stamps if s is not None), default=None)
    etag = _etag(calendar, owner, version, time_off)

    if _not_modified(request, etag, last_modified):
        response = HttpResponse(status=304)
    else:
        body, _ = ics.build_feed(
            tasks=selectors.calendar_tasks_of(owner).iterator(chunk_size=2000),
            time_off=time_off,
            zone=owner.zone,
            name=calendar.name or f"{owner.full_name} - tasks",
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=300"
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response
