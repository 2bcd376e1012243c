"""What the calendar app holds about a person, and how it forgets them (registered in
`CalendarSyncConfig.ready()`; see concierge/privacy.py)."""

from calendar_sync.models import CalDavAccount, CalendarFeed, IcsSubscription
from calendar_sync.services import caldav_password_reveal


def export_calendar(user) -> dict:
    """Feeds (their secret addresses are not stored, only a hint), imported calendars,
    and the linked CalDAV account with its password: the person's own secret, returned to
    them (the reveal is recorded like any other)."""
    account = CalDavAccount.objects.filter(user=user).first()
    return {
        "feeds": [
            {
                "id": feed.pk,
                "name": feed.name,
                "token_hint": feed.token_hint,
                "created_at": feed.created_at.isoformat(),
                "revoked_at": feed.revoked_at.isoformat() if feed.revoked_at else None,
                "last_fetched_at": (
                    feed.last_fetched_at.isoformat() if feed.last_fetched_at else None
                ),
            }
            for feed in CalendarFeed.objects.filter(user=user).order_by("created_at", "id")
        ],
        "subscriptions": [
            {
                "id": sub.pk,
                "name": sub.name,
                "url": sub.url,
                "status": sub.status,
                "busy_count": sub.busy_count,
                "created_at": sub.created_at.isoformat(),
            }
            for sub in IcsSubscription.objects.filter(user=user).order_by("created_at", "id")
        ],
        "caldav_account": (
            {
                "url": account.url,
                "username": account.username,
                "password": caldav_password_reveal(account=account, purpose="export"),
                "calendar": account.calendar,
                "created_at": account.created_at.isoformat(),
            }
            if account
            else None
        ),
    }


def erase(user) -> None:
    """Feeds, imported calendars (with their busy times) and the CalDAV link all go."""
    CalendarFeed.objects.filter(user=user).delete()
    IcsSubscription.objects.filter(user=user).delete()
    CalDavAccount.objects.filter(user=user).delete()
