"""The time rollup by task (assistants 0014) sums what invoices billed of each entry, which
billing's migration 0014 writes on the entries: where 0014 ran after the rollup by task was
filled, fill it again now that the entries carry it (as 0016 does for the rollup by day)."""

import importlib

from django.db import migrations

rollup = importlib.import_module("assistants.migrations.0014_task_time_rollup")


def refill(apps, schema_editor):
    apps.get_model("assistants", "TaskTimeRollup").objects.using(
        schema_editor.connection.alias
    ).all().delete()
    rollup.fill(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0014_task_time_rollup"),
        ("billing", "0016_time_rollup_billed"),
    ]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop, elidable=True)]
