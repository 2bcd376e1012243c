"""Tasks, their categories and their history (a view of the audit log)."""

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone

from concierge.platform.history import HistoryView


class TaskStatus(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CLIENT = "waiting_on_client", "Waiting on client"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


TERMINAL_STATUSES = frozenset({TaskStatus.COMPLETED, TaskStatus.CANCELLED})


class TaskPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    URGENT = "urgent", "Urgent"


class Category(models.Model):
    """The kinds of errand the service takes, kept by managers: what a client picks when
    delegating and what an assistant's skills name, so the two always match.

    Tasks and skills hold the `code`. A category is retired (`active` off), never deleted
    while used: old tasks keep their code and still read their label.
    """

    code = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=100)
    label_fr = models.CharField("label (French)", max_length=100, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.label

    def label_in(self, language: str) -> str:
        """The label in `language` ("en", "fr"), English when there is no translation."""
        if language.startswith("fr") and self.label_fr:
            return self.label_fr
        return self.label


class Task(models.Model):
    """Something a client delegates: one-off, recurring, or an appointment."""

    # Client and assignee are served by the (…, status) indexes below, which lead with them.
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="client_tasks",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tasks",
        db_index=False,
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=64, blank=True, db_index=True)
    priority = models.CharField(max_length=8, choices=TaskPriority, default=TaskPriority.NORMAL)
    status = models.CharField(max_length=20, choices=TaskStatus, default=TaskStatus.NEW)

    requested_due_at = models.DateTimeField(null=True, blank=True)
    estimate_minutes = models.PositiveIntegerField(null=True, blank=True)
    # The client's budget for this task: time past it is refused until raised.
    max_minutes = models.PositiveIntegerField(null=True, blank=True)
    # What the service commits to: the estimate plus a buffer, never before requested.
    promised_due_at = models.DateTimeField(null=True, blank=True)

    # An RFC 5545 RRULE; the template task carries it and each occurrence points back to it.
    recurrence = models.CharField(max_length=500, blank=True)
    recurrence_parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="occurrences",
        db_index=False,  # the (recurrence_parent, occurrence_at) constraint's index serves it
    )
    occurrence_at = models.DateTimeField(null=True, blank=True)

    scheduled_start = models.DateTimeField(null=True, blank=True)
    scheduled_end = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=django_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    # Set when nobody free could take the task over from an assignee who is away or gone:
    # a manager must choose. The next assignment clears it.
    flagged_at = models.DateTimeField(null=True, blank=True)
    flag_reason = models.CharField(max_length=300, blank=True)

    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    # Bumped on every change that a calendar would show (ICS SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["status", "promised_due_at"]),
            # The lists, newest first: everyone's, an assignee's, a client's, the flagged.
            models.Index(fields=["-created_at", "-id"], name="task_newest_first"),
            models.Index(fields=["assignee", "-created_at", "-id"], name="task_assignee_newest"),
            models.Index(fields=["client", "-created_at", "-id"], name="task_client_newest"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(flagged_at__isnull=False),
                name="task_flagged_newest",
            ),
            # Workloads: the tasks delivered or completed in a window.
            models.Index(fields=["delivered_at"], name="task_delivered_at"),
            models.Index(fields=["completed_at"], name="task_completed_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TaskStatus.values), name="task_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="task_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(scheduled_start__isnull=True)
                | Q(scheduled_end__isnull=True)
                | Q(scheduled_end__gt=models.F("scheduled_start")),
                name="task_schedule_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["recurrence_parent", "occurrence_at"],
                name="task_one_occurrence_per_instant",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status not in TERMINAL_STATUSES

    def is_overdue(self, now=None):
        now = now or django_timezone.now()
        return self.is_open and self.promised_due_at is not None and self.promised_due_at < now


class TaskHistory(StrEnum):
    """The actions of a task's history (audit log actions; `TaskEvent.kind` without
    `task.`)."""

    CREATE = "task.create"
    UPDATE = "task.update"
    ASSIGN = "task.assign"
    FLAG = "task.flag"
    TRANSITION = "task.transition"
    OVERDUE = "task.overdue"


class TaskEvent(HistoryView):
    """A task's history: who moved it from what to what, when and why — the audit log's
    records about the task (a view; written by `concierge.audit.record`)."""

    target_type = "concierge.task"
    actions = TaskHistory
    prefix = "task."
    target = "task"

    task = models.ForeignKey(
        Task, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events"
    )
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    note = models.TextField()
    data = models.JSONField()

    class Meta(HistoryView.Meta):
        db_table = "concierge_taskevent"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.task_id}: {self.from_status} → {self.to_status}"
