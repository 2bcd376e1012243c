"""Assistants: profiles, time off, and the time they log on tasks."""

import datetime
from enum import StrEnum

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone

from assistants import hooks
from concierge.models import Task
from concierge.platform.history import HistoryView


def default_working_days():
    return [0, 1, 2, 3, 4]  # Monday to Friday (datetime.weekday())


def default_skills():
    return []


class AssistantProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assistant_profile"
    )
    # Task categories this assistant handles (free-form strings, compared case-insensitively).
    skills = models.JSONField(default=default_skills, blank=True)
    weekly_capacity_minutes = models.PositiveIntegerField(default=40 * 60)
    active = models.BooleanField(default=True)
    # The working day, in the assistant's own time zone (user.timezone).
    workday_start = models.TimeField(default=datetime.time(9, 0))
    workday_end = models.TimeField(default=datetime.time(17, 0))
    working_days = models.JSONField(default=default_working_days, blank=True)
    # What an hour of this assistant's time costs the service, in the invoices' currency
    # (managers only: the profitability of the time report). None: not known.
    cost_rate = models.DecimalField(
        "hourly cost", max_digits=10, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(workday_end__gt=F("workday_start")),
                name="assistant_workday_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(cost_rate__isnull=True) | Q(cost_rate__gte=0),
                name="assistant_cost_rate_not_negative",
            ),
        ]

    def __str__(self):
        return f"assistant {self.user}"


class TimeOff(models.Model):
    """An assistant's leave, `[starts_at, ends_at)`, managed by managers."""

    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="time_off",
        db_index=False,  # (assistant, starts_at) below serves it
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["assistant", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="time_off_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.assistant} off {self.starts_at:%Y-%m-%d}"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresOnlyExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL; other databases get no DDL.

    On SQLite the same rule is checked inside the (IMMEDIATE, so serialised) write
    transaction by the time-entry services.
    """

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, *args, **kwargs):
        # Enforced by the database (PostgreSQL) or the services (SQLite), not by full_clean().
        return None


class TimeEntrySource(models.TextChoices):
    TIMER = "timer", "Timer"
    MANUAL = "manual", "Manual"


class TimeEntryStatus(models.TextChoices):
    RUNNING = "running", "Running"
    STOPPED = "stopped", "Stopped"
    # Stopped by the job after TIMER_MAX_HOURS: never billed until a manager reviews it.
    NEEDS_REVIEW = "needs_review", "Needs review"
    DISPUTED = "disputed", "Disputed"
    REJECTED = "rejected", "Rejected"


# The entries an invoice bills (BILLING.md, "What is billed"): billable, stopped, and
# neither running, awaiting review, disputed nor rejected. Every sum of billable time
# (invoices, usage, spend caps, pack balances, workloads) starts from this one definition;
# an entry a manager adjusted counts its `billable_minutes_override`.
BILLABLE = Q(billable=True, status=TimeEntryStatus.STOPPED, ended_at__isnull=False)


class TimeEntryQuerySet(models.QuerySet):
    def billable(self):
        return self.filter(BILLABLE)

    def with_billing(self):
        """Each entry with `invoice_id`, the invoice that bills it: None until billed
        (read through the entry billing hook; billing keeps the record)."""
        return self.annotate(**hooks.entry_billing())

    def locked(self):
        """The entries an invoice bills: they can no longer change."""
        return self.filter(billed_at__isnull=False)


class TimeEntry(models.Model):
    """Time an assistant spent on a task, `[started_at, ended_at)`, raw and unrounded.

    Rounding happens only in billing. When an invoice bills the entry, billing's close
    tells the entry so (`time_entries_bill`): from then on it is locked and carries the
    minutes charged for it, so that locking and the reports read the entry alone. Which
    invoice bills it is billing's record (read `with_billing()`).
    """

    # Both are served by the (…, started_at) indexes below, which lead with them.
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, related_name="time_entries", db_index=False
    )
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="time_entries",
        db_index=False,
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    billable = models.BooleanField(default=True)
    source = models.CharField(max_length=8, choices=TimeEntrySource, default=TimeEntrySource.MANUAL)
    status = models.CharField(
        max_length=16, choices=TimeEntryStatus, default=TimeEntryStatus.STOPPED
    )
    # A manager's "adjust" decision on a dispute: the minutes to bill instead of the rounded
    # duration.
    billable_minutes_override = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # When the client could first see the entry as it stands: its creation, the stop of
    # its timer, or the last change of its times. The dispute window runs from here.
    reviewable_from = models.DateTimeField(default=timezone.now)
    # The client's dispute and the manager's decision (also in the entry's events).
    dispute_reason = models.TextField(blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_decision = models.CharField(max_length=8, blank=True)
    dispute_resolved_at = models.DateTimeField(null=True, blank=True)
    # Set once, when an invoice bills the entry (locked from then on): when, and the
    # minutes it charged (the rounded duration, or a manager's adjustment). Minutes a
    # decision on a dispute took off since are credited by credit notes.
    billed_at = models.DateTimeField(null=True, blank=True)
    billed_minutes = models.PositiveIntegerField(null=True, blank=True)
    credited_minutes = models.PositiveIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "time entries"
        indexes = [
            models.Index(fields=["assistant", "started_at"]),
            models.Index(fields=["task", "started_at"]),
            # Everyone's entries newest first, and the `started_after`/`before` filters.
            models.Index(fields=["-started_at", "-id"], name="time_entry_newest_first"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["assistant"],
                condition=Q(ended_at__isnull=True),
                name="time_entry_one_running_timer_per_assistant",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="time_entry_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status__in=TimeEntryStatus.values), name="time_entry_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(billed_at__isnull=True, billed_minutes__isnull=True, credited_minutes=0)
                | Q(
                    billed_at__isnull=False,
                    billed_minutes__isnull=False,
                    credited_minutes__lte=F("billed_minutes"),
                ),
                name="time_entry_billed_all_or_nothing",
            ),
            PostgresOnlyExclusionConstraint(
                name="time_entry_no_overlap_per_assistant",
                expressions=[
                    (TsTzRange("started_at", "ended_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("assistant", RangeOperators.EQUAL),
                ],
            ),
        ]

    def __str__(self):
        return f"{self.assistant} on {self.task_id} from {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self):
        return self.ended_at is None

    @property
    def duration_seconds(self):
        end = self.ended_at or timezone.now()
        return int(end.timestamp() - self.started_at.timestamp())

    @property
    def dispute_open_until(self):
        """The end of the client's dispute window (TIME_DISPUTE_DAYS from reviewable_from)."""
        return self.reviewable_from + datetime.timedelta(days=settings.TIME_DISPUTE_DAYS)

    def is_disputable(self, now=None):
        """What `time_entry_dispute` accepts: stopped, not invoiced, not decided yet, inside
        its dispute window. The portal offers "Dispute" only then."""
        now = now or timezone.now()
        return (
            self.billed_at is None
            and self.ended_at is not None
            and self.status in (TimeEntryStatus.STOPPED, TimeEntryStatus.NEEDS_REVIEW)
            and not self.dispute_decision
            and now <= self.dispute_open_until
        )


class EntryHistory(StrEnum):
    """The actions of a time entry's history (audit log actions; `TimeEntryEvent.kind`
    without `time_entry.`)."""

    CREATED = "time_entry.created"
    TIMER_STARTED = "time_entry.timer_started"
    TIMER_STOPPED = "time_entry.timer_stopped"
    SPLIT_OVER_BUDGET = "time_entry.split_over_budget"
    EDITED = "time_entry.edited"
    DISPUTED = "time_entry.disputed"
    RESOLVED = "time_entry.resolved"
    DELETED = "time_entry.deleted"


class TimeEntryEvent(HistoryView):
    """A time entry's history (created, edited, disputed, resolved...): the audit log's
    records about the entry (a view; written by `concierge.audit.record`)."""

    target_type = "assistants.timeentry"
    actions = EntryHistory
    prefix = "time_entry."
    target = "entry"

    # An audit trail outlives what it describes: a deleted entry's events keep its id
    # and end with a `deleted` event holding its fields.
    entry = models.ForeignKey(
        TimeEntry, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events"
    )
    kind = models.CharField(max_length=24)
    data = models.JSONField()

    class Meta(HistoryView.Meta):
        db_table = "assistants_timeentryevent"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.kind} on entry {self.entry_id}"


class ClientBrief(models.Model):
    """What whoever serves a client should know: standing instructions, preferences and
    contacts. The client and the managers write it; every assistant who serves the client
    (primary, backup, or assigned one of their tasks, whoever that is today) reads it, so a
    backup or a new assignee does not start blind."""

    client = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="brief",
    )
    instructions = models.TextField(blank=True)
    preferences = models.TextField(blank=True)
    contacts = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    TEXT_FIELDS = ("instructions", "preferences", "contacts")

    def __str__(self):
        return f"brief of {self.client_id}"

    @property
    def is_empty(self):
        return not any(getattr(self, name).strip() for name in self.TEXT_FIELDS)


# The time rollup lives in its own module; imported here so that the app registers it.
from assistants.rollup_models import TaskTimeRollup, TimeRollup  # noqa: E402, F401
