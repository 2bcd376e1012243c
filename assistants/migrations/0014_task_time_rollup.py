"""The time rollup by task: each task's stopped time entries summed per assistant, with
the span of their starts, for the report by task; filled here from the entries (one
INSERT … SELECT), then kept by the same refreshes as the time rollup by day."""

import datetime
import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from assistants.rollup_models import WholeMinutes

rollup = importlib.import_module("assistants.migrations.0013_time_rollup")


def fill(apps, schema_editor):
    """Every task cell from the entries, as `time_rollup_rebuild` computes them."""
    from django.db.models import Exists, F, Max, Min, OuterRef, Sum

    entry_model = apps.get_model("assistants", "TimeEntry")
    task_rollup = apps.get_model("assistants", "TaskTimeRollup")
    alias = schema_editor.connection.alias
    entries = entry_model.objects.using(alias).filter(ended_at__isnull=False)
    others = entries.filter(task_id=OuterRef("task_id")).exclude(
        assistant_id=OuterRef("assistant_id")
    )
    cells = (
        entries.order_by()
        .values(
            cell_task=F("task_id"),
            cell_assistant=F("assistant_id"),
            cell_client=F("task__client_id"),
            cell_shared=Exists(others),
        )
        .annotate(
            cell_first=Min("started_at"),
            cell_last=Max("started_at"),
            **rollup.cell_sums(),
            cell_logged_minutes=WholeMinutes(Sum(rollup.entry_duration())),
        )
    )
    columns = (
        "task_id",
        "assistant_id",
        "client_id",
        "shared",
        "first_started",
        "last_started",
        *rollup.SUM_COLUMNS,
        "logged_minutes",
    )
    rollup.insert(schema_editor, task_rollup, columns, cells)


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0013_time_rollup"),
        ("concierge", "0014_audit_log_holds_histories"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TaskTimeRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("first_started", models.DateTimeField()),
                ("last_started", models.DateTimeField()),
                ("entries", models.PositiveIntegerField()),
                ("logged", models.DurationField()),
                ("logged_minutes", models.PositiveIntegerField()),
                ("measured", models.DurationField()),
                ("adjusted_minutes", models.PositiveIntegerField()),
                ("billed_minutes", models.PositiveIntegerField()),
                ("credited_minutes", models.PositiveIntegerField()),
                ("non_billable", models.DurationField()),
                ("disputed", models.DurationField()),
                ("shared", models.BooleanField()),
                (
                    "assistant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "client",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "task",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="concierge.task",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["first_started", "last_started"], name="task_time_rollup_span"
                    ),
                    models.Index(fields=["-logged", "task"], name="task_time_rollup_most_time"),
                    models.Index(
                        fields=["assistant", "client", "last_started"],
                        name="task_time_rollup_refresh",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("task", "assistant"), name="task_time_rollup_one_cell"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("entries__gt", 0),
                            ("first_started__lte", models.F("last_started")),
                            ("logged__gt", datetime.timedelta(0)),
                        ),
                        name="task_time_rollup_holds_time",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("disputed__gte", datetime.timedelta(0)),
                            ("disputed__lte", models.F("logged")),
                            ("measured__gte", datetime.timedelta(0)),
                            ("measured__lte", models.F("logged")),
                            ("non_billable__gte", datetime.timedelta(0)),
                            ("non_billable__lte", models.F("logged")),
                        ),
                        name="task_time_rollup_parts_of_logged",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("credited_minutes__lte", models.F("billed_minutes"))),
                        name="task_time_rollup_credited_within_billed",
                    ),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
