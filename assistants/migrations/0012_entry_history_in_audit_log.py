"""Time entries' histories become records of the audit log: their events are copied into
it (their origin was never recorded) and their table gives way to a view of the log (made
after migrate by `concierge.platform.history.ensure_views`)."""

from django.db import migrations


def _name(user):
    if user is None:
        return ""
    return f"{user.first_name} {user.last_name}".strip() or user.email


def copy_entry_events(apps, schema_editor):
    TimeEntryEvent = apps.get_model("assistants", "TimeEntryEvent")
    AuditLog = apps.get_model("concierge", "AuditLog")
    events = TimeEntryEvent.objects.select_related("actor").order_by("created_at", "id")
    rows = []
    for event in events.iterator(chunk_size=2000):
        rows.append(
            AuditLog(
                at=event.created_at,
                actor_id=event.actor_id,
                actor_name=_name(event.actor),
                action=f"time_entry.{event.kind}",
                target_type="assistants.timeentry",
                target_id=event.entry_id,
                data=event.data,
                origin="unrecorded",
            )
        )
        if len(rows) == 2000:
            AuditLog.objects.bulk_create(rows)
            rows = []
    AuditLog.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0011_time_entry_billed"),
        ("concierge", "0014_audit_log_holds_histories"),
    ]

    operations = [
        migrations.RunPython(copy_entry_events, migrations.RunPython.noop, elidable=False),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.DeleteModel(name="TimeEntryEvent")],
            state_operations=[
                migrations.AlterModelOptions(
                    name="timeentryevent",
                    options={"managed": False, "ordering": ["created_at", "id"]},
                ),
                migrations.AlterModelTable(name="timeentryevent", table="assistants_timeentryevent"),
            ],
        ),
    ]
