"""Everything the service tells a person: kept in the service (`Notification`) and, when
the person's preferences want it, sent by e-mail after commit through the job queue.

`notify` is the one entry point. The row is written in the caller's transaction, so a
notification exists exactly when the event it tells did; the e-mail job takes the
notification's id, re-reads it and sends at most once.
"""

from concierge.jobs import enqueue
from concierge.models import Notification, NotificationKind, NotificationPreference


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
        user_id=user_id, kind=kind, subject=subject[:300], body=body, data=data or {}
    )
    if wants_email(user_id, kind):
        enqueue("concierge.jobs.send_notification_email", notification.pk)
    return notification
