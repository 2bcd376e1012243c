"""The time rollups: the stopped time entries of each UTC day summed per assistant, client
and category, so that a report over months reads a few rows a day instead of every entry;
and those of each task summed per assistant (`TaskTimeRollup`), for the report by task.

A cell holds exactly what the time report sums of its entries: how many, their length, the
part of it billable as measured and the minutes a manager adjusted, the minutes invoices
charged and credit notes took back, the time never to be billed and the time under
dispute. Lengths are kept to the microsecond, as the entries are: a report rounds each of
its rows down to minutes once, so the rollup must not round first.

The cells are derived data. Every service that changes what they sum recomputes the
cells of the (day, assistant, client) groups it touched from the entries, in its own
transaction (`assistants.services.rollups`); `manage.py rebuild_time_rollup` recomputes
them all. A group with no stopped entry has no cell.
"""

import datetime

from django.conf import settings
from django.db import NotSupportedError, models
from django.db.models import F, Func, Q

ZERO = datetime.timedelta()


class WholeMinutes(Func):
    """A duration's whole minutes, rounded down: PostgreSQL keeps durations as intervals,
    SQLite as microseconds (an integer)."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, *args, **extra_context):
        raise NotSupportedError(f"WholeMinutes is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "FLOOR(EXTRACT(EPOCH FROM %(expressions)s) / 60)::bigint"
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        template = "(%(expressions)s / 60000000)"
        return super().as_sql(compiler, connection, template=template, **extra_context)


def sums_checks(prefix: str) -> list[models.CheckConstraint]:
    """What the database holds of a cell's sums, in either rollup: each part of the time
    logged within it, and the minutes credit notes took back within those billed."""
    return [
        models.CheckConstraint(
            condition=Q(
                measured__gte=ZERO,
                non_billable__gte=ZERO,
                disputed__gte=ZERO,
                measured__lte=F("logged"),
                non_billable__lte=F("logged"),
                disputed__lte=F("logged"),
            ),
            name=f"{prefix}_parts_of_logged",
        ),
        models.CheckConstraint(
            condition=Q(credited_minutes__lte=F("billed_minutes")),
            name=f"{prefix}_credited_within_billed",
        ),
    ]


class TimeRollup(models.Model):
    day = models.DateField()  # the UTC day the entries started
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The task's client and category, as the report reads them through the task.
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    category = models.CharField(max_length=64, blank=True)
    entries = models.PositiveIntegerField()
    logged = models.DurationField()
    # Billable as the invoice counts it (`BILLABLE`): measured, or as a manager adjusted it.
    measured = models.DurationField()
    adjusted_minutes = models.PositiveIntegerField()
    # What invoices charged for the entries, and what credit notes took back since.
    billed_minutes = models.PositiveIntegerField()
    credited_minutes = models.PositiveIntegerField()
    # Never to be billed (not billable, or rejected), and disputed.
    non_billable = models.DurationField()
    disputed = models.DurationField()

    class Meta:
        constraints = [
            # Also the index of the reports' reads (a range of days, then filters).
            models.UniqueConstraint(
                fields=["day", "assistant", "client", "category"], name="time_rollup_one_cell"
            ),
            models.CheckConstraint(
                condition=Q(entries__gt=0, logged__gt=ZERO), name="time_rollup_holds_time"
            ),
            *sums_checks("time_rollup"),
        ]

    def __str__(self):
        return f"{self.day} {self.assistant_id}/{self.client_id}/{self.category or '-'}"


class TaskTimeRollup(models.Model):
    """The stopped time entries of each task summed per assistant, with the first and the
    last instant they started: a report by task over a range reads, for the tasks whose
    time the range holds whole, one row each instead of their entries (only the few at
    work across an edge of the range are summed from their entries).

    The same sums as a `TimeRollup` cell, and the whole minutes logged (what a cost is
    counted on); `shared` when the task has cells of other assistants too (a report of
    everyone's time adds those up). Kept by the same refreshes: refreshing a (day,
    assistant, client) group recomputes every cell of the tasks of that assistant and
    client whose span meets the day, and of the tasks with entries in it."""

    task = models.ForeignKey(
        "concierge.Task", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The task's client, as the report's scope and the refreshes read it.
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    first_started = models.DateTimeField()
    last_started = models.DateTimeField()
    entries = models.PositiveIntegerField()
    logged = models.DurationField()
    logged_minutes = models.PositiveIntegerField()
    measured = models.DurationField()
    adjusted_minutes = models.PositiveIntegerField()
    billed_minutes = models.PositiveIntegerField()
    credited_minutes = models.PositiveIntegerField()
    non_billable = models.DurationField()
    disputed = models.DurationField()
    shared = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "assistant"], name="task_time_rollup_one_cell"),
            models.CheckConstraint(
                condition=Q(entries__gt=0, logged__gt=ZERO, first_started__lte=F("last_started")),
                name="task_time_rollup_holds_time",
            ),
            *sums_checks("task_time_rollup"),
        ]
        indexes = [
            # The report's: the cells a range meets; the most time first.
            models.Index(fields=["first_started", "last_started"], name="task_time_rollup_span"),
            models.Index(fields=["-logged", "task"], name="task_time_rollup_most_time"),
            # The refreshes': an assistant and client's cells whose span meets some days.
            models.Index(
                fields=["assistant", "client", "last_started"], name="task_time_rollup_refresh"
            ),
        ]

    def __str__(self):
        return f"task {self.task_id} by {self.assistant_id}"
