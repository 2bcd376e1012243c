"""Calendar feeds, imported busy times and CalDAV accounts."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from concierge.platform.crypto import CiphertextField


def new_feed_token():
    return secrets.token_urlsafe(32)


def hash_feed_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A secret, revocable ICS address of one user's calendar.

    Only a hash of the token is stored; the address is shown once, when created.
    """

    user = models.ForeignKey(  # (user, revoked_at) below serves it
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        db_index=False,
    )
    name = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"feed {self.token_hint}… of {self.user_id}"

    @property
    def is_active(self):
        return self.revoked_at is None


class FetchStatus(models.TextChoices):
    NEVER = "never", "Never fetched"
    OK = "ok", "OK"
    ERROR = "error", "Error"


class IcsSubscription(models.Model):
    """An outside ICS address whose busy times are imported for its owner."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ics_subscriptions"
    )
    name = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=2000)
    status = models.CharField(max_length=8, choices=FetchStatus, default=FetchStatus.NEVER)
    last_error = models.TextField(blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    busy_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=FetchStatus.values), name="ics_subscription_status_valid"
            ),
        ]

    def __str__(self):
        return self.name or self.url


class BusyInterval(models.Model):
    """A busy time `[starts_at, ends_at)` imported from a subscription (no titles kept)."""

    subscription = models.ForeignKey(
        IcsSubscription, on_delete=models.CASCADE, related_name="busy_intervals"
    )
    user = models.ForeignKey(  # (user, starts_at) below serves it
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="busy_intervals",
        db_index=False,
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["user", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="busy_interval_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"busy {self.starts_at:%Y-%m-%d %H:%M}"


class CalDavAccount(models.Model):
    """A CalDAV calendar that a user's tasks are pushed to. The password is encrypted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caldav_account"
    )
    url = models.URLField(max_length=2000)
    username = models.CharField(max_length=200)
    password_encrypted = CiphertextField()
    calendar = models.CharField(max_length=200)
    last_error = models.TextField(blank=True)
    # The last push that worked (a failed one leaves it alone).
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    # Since when pushes fail; the owner is told once when it is set, and it is cleared by
    # the next push that works (or a relink).
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.username} @ {self.url}"


class SecretReveal(models.Model):
    """Audit trail: every decryption of a stored secret, and why."""

    account = models.ForeignKey(CalDavAccount, on_delete=models.CASCADE, related_name="reveals")
    purpose = models.CharField(max_length=100)
    revealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-revealed_at", "-id"]

    def __str__(self):
        return f"{self.account_id} revealed for {self.purpose}"


class PushedObject(models.Model):
    """One event this service wrote to a CalDAV calendar, by UID."""

    account = models.ForeignKey(  # the (account, uid) constraint's index serves it
        CalDavAccount, on_delete=models.CASCADE, related_name="pushed", db_index=False
    )
    task_id = models.PositiveBigIntegerField(db_index=True)
    uid = models.CharField(max_length=255)
    content_hash = models.CharField(max_length=64)
    pushed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "uid"], name="pushed_object_unique_uid"),
        ]

    def __str__(self):
        return self.uid
