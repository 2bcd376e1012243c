"""Billing records which entries each invoice bills in its own table.

Time entries used to carry `invoice` and `billed_minutes` themselves, which made the
assistants app's schema depend on billing's. Its history no longer mentions them; a
database built before keeps the two columns until this migration has moved what they hold
here, and drops them."""

import django.db.models.deletion
from django.db import migrations, models

LEGACY = ("invoice_id", "billed_minutes")


def move_links(apps, schema_editor):
    TimeEntry = apps.get_model("assistants", "TimeEntry")
    InvoicedEntry = apps.get_model("billing", "InvoicedEntry")
    connection = schema_editor.connection
    entries = TimeEntry._meta.db_table
    with connection.cursor() as cursor:
        columns = {
            column.name
            for column in connection.introspection.get_table_description(cursor, entries)
        }
    if not set(LEGACY) <= columns:
        return  # built after the move: nothing to carry over
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"INSERT INTO {quote(InvoicedEntry._meta.db_table)} (entry_id, invoice_id, billed_minutes) "  # noqa: S608 - names from model metadata
        f"SELECT id, invoice_id, COALESCE(billed_minutes, 0) FROM {quote(entries)} "
        "WHERE invoice_id IS NOT NULL"
    )
    if connection.vendor == "sqlite":
        # SQLite drops a foreign key column only by rebuilding the table, here from the
        # entry's model as it now stands (without the two columns).
        schema_editor._remake_table(TimeEntry)
    else:
        schema_editor.execute(
            f"ALTER TABLE {quote(entries)} "
            + ", ".join(f"DROP COLUMN {quote(column)}" for column in LEGACY)
        )


def refuse_to_forget(apps, schema_editor):
    if apps.get_model("billing", "InvoicedEntry").objects.exists():
        raise RuntimeError("Invoices bill time entries: unapplying would forget which.")


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0007_time_entry_list_index"),
        ("billing", "0007_invoice_list_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="InvoicedEntry",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="billed",
                        serialize=False,
                        to="assistants.timeentry",
                    ),
                ),
                ("billed_minutes", models.PositiveIntegerField()),
                (
                    "invoice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="billed_entries",
                        to="billing.invoice",
                    ),
                ),
            ],
            options={"verbose_name_plural": "invoiced entries"},
        ),
        migrations.RunPython(move_links, refuse_to_forget),
    ]
