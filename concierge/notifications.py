"""Everything the service tells a person: kept in the service (`Notification`) and, when
the person's preferences want it, sent by e-mail after commit through the job queue.

`notify` is the one entry point. The row is written in the caller's transaction, so a
notification exists exactly when the event it tells did; the e-mail job takes the
notification's id, re-reads it and sends at most once.

Subject and body are written once, in the reader's words: a caller builds them inside
`addressed_to(reader)` with gettext, and times with `local_time`; the e-mail sends them
as they are.
"""

import datetime
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import check_for_language

from concierge.models import Notification, NotificationKind, NotificationPreference, User
from concierge.platform.outbox import enqueue
from concierge.text import header_safe


def kind_of(kind) -> str:
    """A valid kind: `kind` when it is one, GENERAL for anything else (absent, unknown)."""
    return kind if kind in NotificationKind.values else NotificationKind.GENERAL


def wants_email(user_id: int, kind: str) -> bool:
    """Whether `user_id` takes `kind` by e-mail (yes unless they said no)."""
    return not NotificationPreference.objects.filter(
        user_id=user_id, kind=kind, email=False
    ).exists()


def notify(
    *,
    user_id: int,
    subject: str,
    body: str,
    kind: str | None = None,
    data: dict | None = None,
) -> Notification:
    """Tell `user_id`: a notification they can read in the service, and an e-mail too
    unless they turned e-mail off for this kind."""
    kind = kind_of(kind)
    notification = Notification.objects.create(
        user_id=user_id, kind=kind, subject=header_safe(subject)[:300], body=body, data=data or {}
    )
    if wants_email(user_id, kind):
        enqueue("concierge.jobs.send_notification_email", notification.pk)
    return notification


@contextmanager
def addressed_to(user: User | int) -> Iterator[User]:
    """Speak to `user` (or the user of that id): inside, gettext is in their language
    (the service's when they chose none) and times in their zone, so a notification's
    subject and body are written the way the portal would show them to that reader.
    Build both inside the block; for many readers, one block each."""
    if not isinstance(user, User):
        user = User.objects.get(pk=user)
    language = user.language if check_for_language(user.language or "") else ""
    try:
        zone = zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()  # an unknown name: the service's zone
    with translation.override(language or settings.LANGUAGE_CODE), timezone.override(zone):
        yield user


def local_time(value: datetime.datetime) -> str:
    """An aware time as the reader reads it: in the active zone, in the active language's
    format, the zone named ("1 décembre 2026 03:01 CET", "Nov. 30, 2026, 9:01 p.m. EST")."""
    local = timezone.localtime(value)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"
