"""A person's notifications: marking them read, and which kinds also come by e-mail."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from concierge import errors, selectors
from concierge.errors import Invalid, NotFound
from concierge.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    User,
)


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (again is harmless); another
    person's is a 404."""
    notification = (
        Notification.objects.select_for_update().filter(pk=notification_id, user=user).first()
    )
    if notification is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def notification_preferences_set(*, user: User, email: dict[str, bool]) -> dict[str, bool]:
    """Choose, per kind, whether notifications also come by e-mail."""
    unknown = sorted(set(email) - set(NotificationKind.values))
    if unknown:
        raise Invalid(
            errors.Code.UNKNOWN_NOTIFICATION_KIND,
            _("Unknown notification kind: %(kinds)s.") % {"kinds": ", ".join(unknown)},
            fields={"email": [_("Unknown kind: %(kind)s.") % {"kind": kind} for kind in unknown]},
        )
    for kind, wanted in email.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": bool(wanted)}
        )
    return selectors.notification_preferences_of(user)
