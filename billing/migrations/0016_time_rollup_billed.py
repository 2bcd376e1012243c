"""The time rollup (assistants 0013) sums what invoices billed of each entry, which
billing's migration 0014 writes on the entries: where 0014 ran after the rollup was
filled, fill it again now that the entries carry it."""

import importlib

from django.db import migrations

rollup = importlib.import_module("assistants.migrations.0013_time_rollup")


def refill(apps, schema_editor):
    apps.get_model("assistants", "TimeRollup").objects.using(
        schema_editor.connection.alias
    ).all().delete()
    rollup.fill(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0013_time_rollup"),
        ("billing", "0015_billing_histories_in_audit_log"),
    ]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop, elidable=True)]
