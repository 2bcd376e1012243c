"""Tasks' histories become records of the audit log: the log gains a note, data and the
external event that caused a change; the task events are copied into it (their origin was
never recorded), and their table gives way to a view of the log (made after migrate by
`concierge.platform.history.ensure_views`)."""

from django.db import migrations, models


def _name(user):
    if user is None:
        return ""
    return f"{user.first_name} {user.last_name}".strip() or user.email


def copy_task_events(apps, schema_editor):
    TaskEvent = apps.get_model("concierge", "TaskEvent")
    AuditLog = apps.get_model("concierge", "AuditLog")
    events = TaskEvent.objects.select_related("actor", "task").order_by("created_at", "id")
    rows = []
    for event in events.iterator(chunk_size=2000):
        status = (
            {"status": [event.from_status or None, event.to_status or None]}
            if event.from_status or event.to_status
            else {}
        )
        rows.append(
            AuditLog(
                at=event.created_at,
                actor_id=event.actor_id,
                actor_name=_name(event.actor),
                about_id=event.task.client_id,
                action=f"task.{event.kind}",
                target_type="concierge.task",
                target_id=event.task_id,
                changes=status,
                note=event.note,
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
        ("concierge", "0013_notification_month_summary"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditlog",
            name="data",
            field=models.JSONField(
                blank=True, default=dict, help_text="Facts of the action that change no field."
            ),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="external_event",
            field=models.CharField(
                blank=True,
                help_text="The payment provider's event that caused it.",
                max_length=255,
            ),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="note",
            field=models.TextField(blank=True, help_text="Why, in the actor's words (a reason)."),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="origin",
            field=models.CharField(
                choices=[
                    ("api", "API"),
                    ("portal", "portal"),
                    ("admin", "admin"),
                    ("job", "background job"),
                    ("webhook", "payment webhook"),
                    ("command", "command or shell"),
                    ("unrecorded", "not recorded"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="auditlog",
            constraint=models.UniqueConstraint(
                condition=models.Q(("target_type", "billing.invoice"))
                & ~models.Q(("external_event", "")),
                fields=("target_type", "target_id", "external_event"),
                name="audit_invoice_external_event_once",
            ),
        ),
        migrations.RunPython(copy_task_events, migrations.RunPython.noop, elidable=False),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.DeleteModel(name="TaskEvent")],
            state_operations=[
                migrations.AlterModelOptions(
                    name="taskevent",
                    options={"managed": False, "ordering": ["created_at", "id"]},
                ),
                migrations.AlterModelTable(name="taskevent", table="concierge_taskevent"),
            ],
        ),
    ]
