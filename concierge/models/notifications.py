"""Notifications and each person's choice of which kinds also come by e-mail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone


class NotificationKind(models.TextChoices):
    """What a notification is about; each person chooses per kind whether it also comes by
    e-mail. Callers that name no kind (or an unknown one) get GENERAL."""

    GENERAL = "general", "General"
    TASK_ASSIGNED = "task_assigned", "A task was assigned to you"
    TASK_REASSIGNED = "task_reassigned", "A task changed hands"
    TASK_NEEDS_ASSIGNEE = "task_needs_assignee", "A task needs a new assignee"
    TASK_WAITING = "task_waiting", "A task is waiting on you"
    TASK_DELIVERED = "task_delivered", "A task was delivered"
    TASK_REVISION = "task_revision", "A revision was requested"
    TASK_CANCELLED = "task_cancelled", "A task was cancelled"
    TASK_OVERDUE = "task_overdue", "A task is overdue"
    TASK_MESSAGE = "task_message", "A new message on a task"
    TASK_BUDGET = "task_budget", "A task's time budget is nearly used"
    DISPUTE_OPENED = "dispute_opened", "A time entry was disputed"
    DISPUTE_RESOLVED = "dispute_resolved", "A dispute was resolved"
    INVOICE_ISSUED = "invoice_issued", "A new invoice"
    PAYMENT_FAILED = "payment_failed", "A payment failed"
    SPEND_CAP_REACHED = "spend_cap_reached", "The spend cap is reached"
    HOURS_RUNNING_LOW = "hours_running_low", "Included hours or a pack running low"
    CALENDAR_FAILING = "calendar_failing", "A linked calendar stopped working"
    MONTH_SUMMARY = "month_summary", "Your month in summary"


class Notification(models.Model):
    """Something the service told a person, kept so they can read it in the service.

    Written in the transaction of the event it tells; the e-mail copy (when the person's
    preferences want one) is a job queued after commit.
    """

    user = models.ForeignKey(  # (user, created_at) below serves it
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(
        max_length=32, choices=NotificationKind, default=NotificationKind.GENERAL
    )
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # Ids of what it is about, for links: {"task": 12}, {"invoice": 3}.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=django_timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_newest"),
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.kind} to {self.user_id}: {self.subject}"

    @property
    def is_read(self):
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A person's choice for one kind: whether it also comes by e-mail. No row means
    the default, which is yes: nobody misses what they used to receive."""

    user = models.ForeignKey(  # the (user, kind) constraint's index serves it
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        db_index=False,
    )
    kind = models.CharField(max_length=32, choices=NotificationKind)
    email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values),
                name="notification_preference_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {'e-mail' if self.email else 'in-app only'}"
