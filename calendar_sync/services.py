"""Writes of the calendar sync app."""

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calendar_sync import caldav_client, errors, importer
from calendar_sync.models import (
    BusyInterval,
    CalDavAccount,
    CalendarFeed,
    FetchStatus,
    IcsSubscription,
    SecretReveal,
    hash_feed_token,
    new_feed_token,
)
from concierge.errors import Invalid, NotFound
from concierge.models import NotificationKind, User
from concierge.notifications import addressed_to, notify
from concierge.platform import bounded, crypto
from concierge.platform.outbox import enqueue

log = logging.getLogger(__name__)


def import_days() -> int:
    return getattr(settings, "CALENDAR_IMPORT_DAYS", 60)


def import_seconds() -> float:
    return getattr(settings, "CALENDAR_IMPORT_SECONDS", 20)


def import_memory_bytes() -> int:
    return getattr(settings, "CALENDAR_IMPORT_MEMORY_BYTES", 256 * 1024 * 1024)


def feed_create(*, user: User, name: str = "") -> tuple[CalendarFeed, str]:
    """A new feed and its token (returned once; only its hash is stored)."""
    token = new_feed_token()
    feed = CalendarFeed.objects.create(
        user=user, name=name, token_hash=hash_feed_token(token), token_hint=token[:6]
    )
    return feed, token


@transaction.atomic
def feed_revoke(*, user: User, feed_id: int) -> CalendarFeed:
    feed = (
        CalendarFeed.objects.select_for_update()
        .filter(pk=feed_id, user=user, revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such calendar feed."))
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    return feed


def _checked_url(url: str) -> str:
    url = importer.normalise_url(url)
    try:
        importer.check_url(url)
    except importer.FetchError as exc:
        raise Invalid(errors.Code.URL_NOT_ALLOWED, str(exc), fields={"url": [str(exc)]}) from exc
    return url


def _own_subscription(user: User, subscription_id: int, *, lock: bool = False) -> IcsSubscription:
    subscriptions = IcsSubscription.objects.filter(pk=subscription_id, user=user)
    subscription = (subscriptions.select_for_update() if lock else subscriptions).first()
    if subscription is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such calendar subscription."))
    return subscription


@transaction.atomic
def subscription_update(
    *, user: User, subscription_id: int, name: str | None = None, url: str | None = None
) -> IcsSubscription:
    """Rename a subscription, or point it at another address: the old address's busy
    times go at once and the new one is fetched."""
    subscription = _own_subscription(user, subscription_id, lock=True)
    if name is not None:
        subscription.name = name
    if url is not None:
        url = _checked_url(url)
        if url != subscription.url:
            subscription.url = url
            subscription.status = FetchStatus.NEVER
            subscription.last_error = ""
            subscription.busy_count = 0
            subscription.busy_intervals.all().delete()
            enqueue("calendar_sync.jobs.refresh_subscription", subscription.pk)
    subscription.save()
    return subscription


@transaction.atomic
def subscription_delete(*, user: User, subscription_id: int) -> None:
    """Stop importing an outside calendar; its busy times go with it."""
    subscription = _own_subscription(user, subscription_id, lock=True)
    subscription.busy_intervals.all().delete()
    subscription.delete()


@transaction.atomic
def subscription_create(*, user: User, url: str, name: str = "") -> IcsSubscription:
    subscription = IcsSubscription.objects.create(user=user, url=_checked_url(url), name=name)
    enqueue("calendar_sync.jobs.refresh_subscription", subscription.pk)
    return subscription


def subscription_refresh_request(*, subscription: IcsSubscription) -> None:
    """A refresh on demand runs as a job, never inside the request: fetching and reading
    an outside calendar can take as long as its limits allow."""
    enqueue("calendar_sync.jobs.refresh_subscription", subscription.pk)


def subscription_refresh(
    *, subscription_id: int, now: datetime.datetime | None = None
) -> IcsSubscription | None:
    """Fetches the calendar (outside any transaction) and replaces its busy intervals.

    A failure is recorded on the subscription, keeping the last good intervals; nothing
    is raised for a broken feed.
    """
    subscription = IcsSubscription.objects.select_related("user").filter(pk=subscription_id).first()
    if subscription is None:
        return None
    now = now or timezone.now()
    start = now.replace(microsecond=0)
    end = start + datetime.timedelta(days=import_days())
    try:
        body = importer.fetch(subscription.url)
        # Parsed and expanded in a child interpreter with a time and memory limit (in a
        # web worker and in a job worker alike): a calendar is outside data, and its rules
        # can ask for unbounded work.
        spans = bounded.run(
            importer.busy_intervals,
            body,
            zone=subscription.user.zone,
            start=start,
            end=end,
            seconds=import_seconds(),
            memory_bytes=import_memory_bytes(),
        )
    except importer.FetchError as exc:
        return _record_failure(subscription.pk, subscription.url, str(exc), now)
    except bounded.Overrun:
        message = "The calendar is too costly to read (too many or endless events)."
        return _record_failure(subscription.pk, subscription.url, message, now)
    except Exception:
        log.exception("importing calendar subscription %s failed", subscription.pk)
        message = "The calendar could not be imported."
        return _record_failure(subscription.pk, subscription.url, message, now)
    return _store_busy(subscription.pk, subscription.url, spans, now)


def _still(subscription_id: int, url: str) -> IcsSubscription | None:
    """The locked subscription, unless it was deleted or pointed elsewhere meanwhile
    (then what was fetched from `url` is dropped)."""
    return IcsSubscription.objects.select_for_update().filter(pk=subscription_id, url=url).first()


@transaction.atomic
def _record_failure(
    subscription_id: int, url: str, message: str, now: datetime.datetime
) -> IcsSubscription | None:
    subscription = _still(subscription_id, url)
    if subscription is None:
        return IcsSubscription.objects.filter(pk=subscription_id).first()
    subscription.status = FetchStatus.ERROR
    subscription.last_error = message[:2000]
    subscription.last_fetched_at = now
    subscription.save(update_fields=["status", "last_error", "last_fetched_at"])
    return subscription


@transaction.atomic
def _store_busy(
    subscription_id: int,
    url: str,
    spans: Sequence[tuple[datetime.datetime, datetime.datetime]],
    now: datetime.datetime,
) -> IcsSubscription | None:
    subscription = _still(subscription_id, url)
    if subscription is None:
        return IcsSubscription.objects.filter(pk=subscription_id).first()
    BusyInterval.objects.filter(subscription=subscription).delete()
    BusyInterval.objects.bulk_create(
        BusyInterval(
            subscription=subscription, user_id=subscription.user_id, starts_at=lo, ends_at=hi
        )
        for lo, hi in spans
    )
    subscription.status = FetchStatus.OK
    subscription.last_error = ""
    subscription.last_fetched_at = now
    subscription.last_success_at = now
    subscription.busy_count = len(spans)
    subscription.save(
        update_fields=["status", "last_error", "last_fetched_at", "last_success_at", "busy_count"]
    )
    return subscription


def _probe(*, url: str, username: str, password: str, calendar: str) -> None:
    """Check at once, against the server, that the credentials and the calendar are
    right: 400 with a stable code when they are not."""
    try:
        caldav_client.open_calendar(
            url=url, username=username, password=password, calendar=calendar
        )
    except caldav_client.CalDavProblem as exc:
        fields: dict[str, str] = {
            errors.Code.CALDAV_AUTH_FAILED: "password",
            errors.Code.CALDAV_CALENDAR_NOT_FOUND: "calendar",
        }
        field = fields.get(exc.code, "url")
        raise Invalid(exc.code, str(exc), fields={field: [str(exc)]}) from exc


def caldav_account_set(
    *, user: User, url: str, username: str, password: str, calendar: str
) -> tuple[CalDavAccount, bool]:
    """Links (or relinks) the user's CalDAV calendar once the server accepts the
    credentials and has the calendar; queues a push of their calendar.

    The server is asked before any transaction opens (no lock held over the network).
    """
    url = _checked_url(url)
    _probe(url=url, username=username, password=password, calendar=calendar)
    return _caldav_account_store(
        user=user, url=url, username=username, password=password, calendar=calendar
    )


@transaction.atomic
def _caldav_account_store(
    *, user: User, url: str, username: str, password: str, calendar: str
) -> tuple[CalDavAccount, bool]:
    existing = CalDavAccount.objects.select_for_update().filter(user=user).first()
    if existing is not None:
        _caldav_account_write(
            existing, url=url, username=username, password=password, calendar=calendar
        )
        return existing, False
    account = CalDavAccount.objects.create(
        user=user,
        url=url,
        username=username,
        password_encrypted=crypto.encrypt(password),
        calendar=calendar,
    )
    enqueue("calendar_sync.jobs.push_account", account.pk)
    return account, True


def _caldav_account_write(
    account: CalDavAccount, *, url: str, username: str, password: str, calendar: str
) -> None:
    """Store checked settings on a locked account; a different server or calendar starts
    from an empty record of what was pushed. A failure spell ends: pushes start again."""
    moved = (account.url, account.username, account.calendar) != (url, username, calendar)
    account.url, account.username, account.calendar = url, username, calendar
    account.password_encrypted = crypto.encrypt(password)
    account.last_error, account.failing_since = "", None
    account.save()
    if moved:
        account.pushed.all().delete()
    enqueue("calendar_sync.jobs.push_account", account.pk)


def _own_account(user: User, account_id: int) -> CalDavAccount:
    account = CalDavAccount.objects.filter(pk=account_id, user=user).first()
    if account is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such CalDAV account."))
    return account


def caldav_account_update(*, user: User, account_id: int, **changes: Any) -> CalDavAccount:
    """Change some of a linked account's settings (`url`, `username`, `password`,
    `calendar`); the result is checked against the server like a new link. Without a new
    password the stored one is used (and its use recorded)."""
    account = _own_account(user, account_id)
    url = _checked_url(changes["url"]) if "url" in changes else account.url
    username = changes.get("username", account.username)
    calendar = changes.get("calendar", account.calendar)
    password = changes.get("password")
    if password is None:
        password = caldav_password_reveal(account=account, purpose="caldav relink check")
    _probe(url=url, username=username, password=password, calendar=calendar)
    with transaction.atomic():
        relinked = CalDavAccount.objects.select_for_update().filter(pk=account.pk).first()
        if relinked is None:
            raise NotFound(errors.Code.NOT_FOUND, _("No such CalDAV account."))
        account = relinked
        _caldav_account_write(
            account, url=url, username=username, password=password, calendar=calendar
        )
    return account


@transaction.atomic
def caldav_account_delete(*, user: User, account_id: int) -> None:
    """Unlink: the stored secret and the record of pushed events go; no push reaches the
    server again (a queued one finds no account). Events already on the calendar stay
    there: they are the owner's calendar now."""
    account = CalDavAccount.objects.select_for_update().filter(pk=account_id, user=user).first()
    if account is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such CalDAV account."))
    account.delete()


def caldav_failure_tell(*, account: CalDavAccount, message: str) -> None:
    """Tell the owner that pushes to their calendar stopped working (called once per
    failure spell by the push)."""
    words = {"calendar": account.calendar, "url": account.url, "message": message}
    with addressed_to(account.user_id):
        notify(
            user_id=account.user_id,
            kind=NotificationKind.CALENDAR_FAILING,
            data={"caldav_account": account.pk},
            subject=_("Your linked calendar is not being updated"),
            body=_(
                "Tasks could not be written to the calendar “%(calendar)s” at %(url)s: "
                "%(message)s Update the account's settings to start again; we will not tell "
                "you again until it has worked once."
            )
            % words,
        )


def caldav_password_reveal(*, account: CalDavAccount, purpose: str) -> str:
    """The account's password in clear, recording the reveal."""
    SecretReveal.objects.create(account=account, purpose=purpose[:100])
    return crypto.decrypt(account.password_encrypted)
