"""The time rollup: each UTC day's stopped time entries summed per assistant, client and
category, for the reports over long ranges; filled here from the entries (one INSERT …
SELECT), then kept by the services that write entries."""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The columns a cell sums, in the order `cell_sums` selects them.
SUM_COLUMNS = (
    "entries",
    "logged",
    "measured",
    "adjusted_minutes",
    "billed_minutes",
    "credited_minutes",
    "non_billable",
    "disputed",
)


def entry_duration():
    """An entry's length, as the services sum it."""
    from django.db.models import DurationField, ExpressionWrapper, F

    return ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())


def cell_sums():
    """What a cell sums of its entries, as `assistants.services.rollups` does (spelt out
    here so that the migrations keep their meaning when the services change)."""
    from django.db.models import Count, DurationField, Q, Sum, Value
    from django.db.models.functions import Coalesce

    duration = entry_duration()
    zero = Value(datetime.timedelta(), output_field=DurationField())
    billable = Q(billable=True, status="stopped", ended_at__isnull=False)
    return {
        "cell_entries": Count("pk"),
        "cell_logged": Sum(duration),
        "cell_measured": Coalesce(
            Sum(duration, filter=billable & Q(billable_minutes_override__isnull=True)), zero
        ),
        "cell_adjusted": Coalesce(
            Sum(
                "billable_minutes_override",
                filter=billable & Q(billable_minutes_override__isnull=False),
            ),
            0,
        ),
        "cell_billed": Coalesce(Sum("billed_minutes"), 0),
        "cell_credited": Coalesce(Sum("credited_minutes"), 0),
        "cell_non_billable": Coalesce(
            Sum(duration, filter=Q(billable=False) | Q(status="rejected")), zero
        ),
        "cell_disputed": Coalesce(Sum(duration, filter=Q(status="disputed")), zero),
    }


def fill(apps, schema_editor):
    """Every cell from the entries, as `time_rollup_rebuild` computes them."""
    from django.db.models import F
    from django.db.models.functions import TruncDate

    entry_model = apps.get_model("assistants", "TimeEntry")
    rollup = apps.get_model("assistants", "TimeRollup")
    connection = schema_editor.connection
    cells = (
        entry_model.objects.using(connection.alias)
        .filter(ended_at__isnull=False)
        .order_by()
        .values(
            cell_day=TruncDate("started_at", tzinfo=datetime.UTC),
            cell_assistant=F("assistant_id"),
            cell_client=F("task__client_id"),
            cell_category=F("task__category"),
        )
        .annotate(**cell_sums())
    )
    columns = ("day", "assistant_id", "client_id", "category", *SUM_COLUMNS)
    insert(schema_editor, rollup, columns, cells)


def insert(schema_editor, model, columns, cells):
    """Insert the rows `cells` selects into `model`'s `columns` (one INSERT … SELECT)."""
    connection = schema_editor.connection
    sql, params = cells.query.sql_with_params()
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0012_entry_history_in_audit_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TimeRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("category", models.CharField(blank=True, max_length=64)),
                ("entries", models.PositiveIntegerField()),
                ("logged", models.DurationField()),
                ("measured", models.DurationField()),
                ("adjusted_minutes", models.PositiveIntegerField()),
                ("billed_minutes", models.PositiveIntegerField()),
                ("credited_minutes", models.PositiveIntegerField()),
                ("non_billable", models.DurationField()),
                ("disputed", models.DurationField()),
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
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "assistant", "client", "category"),
                        name="time_rollup_one_cell",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("entries__gt", 0), ("logged__gt", datetime.timedelta(0))
                        ),
                        name="time_rollup_holds_time",
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
                        name="time_rollup_parts_of_logged",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("credited_minutes__lte", models.F("billed_minutes"))),
                        name="time_rollup_credited_within_billed",
                    ),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
