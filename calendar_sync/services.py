"""Writes of the calendar sync app."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from calendar_sync import errors, importer
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
from concierge import crypto
from concierge.errors import Invalid, NotFound
from concierge.jobs import enqueue

log = logging.getLogger(__name__)


def import_days():
    return getattr(settings, "CALENDAR_IMPORT_DAYS", 60)


@transaction.atomic
def feed_create(*, user, name: str = "") -> tuple[CalendarFeed, str]:
    """A new feed and its token (returned once; only its hash is stored)."""
    token = new_feed_token()
    feed = CalendarFeed.objects.create(
        user=user, name=name, token_hash=hash_feed_token(token), token_hint=token[:6]
    )
    return feed, token


@transaction.atomic
def feed_revoke(*, user, feed_id: int) -> CalendarFeed:
    feed = (
        CalendarFeed.objects.select_for_update()
        .filter(pk=feed_id, user=user, revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        raise NotFound(errors.NOT_FOUND, "No such calendar feed.")
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    return feed


def _checked_url(url):
    url = importer.normalise_url(url)
    try:
        importer.check_url(url)
    except importer.FetchError as exc:
        raise Invalid(errors.URL_NOT_ALLOWED, str(exc), fields={"url": [str(exc)]}) from exc
    return url


@transaction.atomic
def subscription_create(*, user, url: str, name: str = "") -> IcsSubscription:
    subscription = IcsSubscription.objects.create(user=user, url=_checked_url(url), name=name)
    enqueue("calendar_sync.jobs.refresh_subscription", subscription.pk)
    return subscription


def subscription_refresh(*, subscription_id: int, now: datetime.datetime | None = None):
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
        spans = importer.busy_intervals(body, zone=subscription.user.zone, start=start, end=end)
    except importer.FetchError as exc:
        return _record_failure(subscription.pk, str(exc), now)
    except Exception:
        log.exception("importing calendar subscription %s failed", subscription.pk)
        return _record_failure(subscription.pk, "The calendar could not be imported.", now)
    return _store_busy(subscription.pk, spans, now)


@transaction.atomic
def _record_failure(subscription_id, message, now):
    subscription = IcsSubscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        return None
    subscription.status = FetchStatus.ERROR
    subscription.last_error = message[:2000]
    subscription.last_fetched_at = now
    subscription.save(update_fields=["status", "last_error", "last_fetched_at"])
    return subscription


@transaction.atomic
def _store_busy(subscription_id, spans, now):
    subscription = IcsSubscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        return None
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


@transaction.atomic
def caldav_account_set(
    *, user, url: str, username: str, password: str, calendar: str
) -> tuple[CalDavAccount, bool]:
    """Links (or relinks) the user's CalDAV calendar; queues a push of their calendar."""
    url = _checked_url(url)
    account, created = CalDavAccount.objects.select_for_update().update_or_create(
        user=user,
        defaults={
            "url": url,
            "username": username,
            "password_encrypted": crypto.encrypt(password),
            "calendar": calendar,
            "last_error": "",
        },
    )
    if not created:
        account.pushed.all().delete()
    enqueue("calendar_sync.jobs.push_account", account.pk)
    return account, created


def caldav_password_reveal(*, account: CalDavAccount, purpose: str) -> str:
    """The account's password in clear, recording the reveal."""
    SecretReveal.objects.create(account=account, purpose=purpose[:100])
    return crypto.decrypt(account.password_encrypted)
