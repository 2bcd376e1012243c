"""Each invoiced time entry is told what its invoice charged, as the close now does
(`time_entries_bill`): billed when its invoice was made, the minutes charged, and the
minutes credit notes took back since. From then on the entry says it is locked, and the
time report sums the entries alone."""

from django.db import migrations


def tell_entries(apps, schema_editor):
    copy_billed(apps, schema_editor.connection)


def copy_billed(apps, connection):
    """Each invoiced entry's billed facts from billing's record, in one statement
    (UPDATE … FROM: PostgreSQL, and SQLite since 3.33)."""
    TimeEntry = apps.get_model("assistants", "TimeEntry")
    InvoicedEntry = apps.get_model("billing", "InvoicedEntry")
    Invoice = apps.get_model("billing", "Invoice")
    quote = connection.ops.quote_name
    entries = quote(TimeEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {entries} "  # noqa: S608 - names from model metadata
            "SET billed_at = i.created_at, billed_minutes = b.billed_minutes, "
            "credited_minutes = b.credited_minutes "
            f"FROM {quote(InvoicedEntry._meta.db_table)} b "
            f"JOIN {quote(Invoice._meta.db_table)} i ON i.id = b.invoice_id "
            f"WHERE b.entry_id = {entries}.id"
        )


def forget(apps, schema_editor):
    TimeEntry = apps.get_model("assistants", "TimeEntry")
    TimeEntry.objects.filter(billed_at__isnull=False).update(
        billed_at=None, billed_minutes=None, credited_minutes=0
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0011_time_entry_billed"),
        ("billing", "0013_plan_name_fr"),
    ]

    operations = [migrations.RunPython(tell_entries, forget, elidable=True)]
