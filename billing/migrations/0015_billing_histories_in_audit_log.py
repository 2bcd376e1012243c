"""Subscriptions' and invoices' histories become records of the audit log: their events
are copied into it (who moved them in `data.source`; the Stripe event applied in
`external_event`, still once per invoice) and their tables give way to views of the log
(made after migrate by `concierge.platform.history.ensure_views`)."""

from django.db import migrations


def _name(user):
    if user is None:
        return ""
    return f"{user.first_name} {user.last_name}".strip() or user.email


def _copy(apps, model_name, target):
    Event = apps.get_model("billing", model_name)
    AuditLog = apps.get_model("concierge", "AuditLog")
    rows = []
    for event in Event.objects.select_related("actor").order_by("created_at", "id").iterator(
        chunk_size=2000
    ):
        rows.append(
            AuditLog(
                at=event.created_at,
                actor_id=event.actor_id,
                actor_name=_name(event.actor),
                action=f"{target}.{event.action}",
                target_type=f"billing.{target}",
                target_id=getattr(event, f"{target}_id"),
                changes={"status": [event.from_status or None, event.to_status or None]},
                note=event.note,
                data={"source": event.source},
                external_event=event.stripe_event_id,
                origin="unrecorded",
            )
        )
        if len(rows) == 2000:
            AuditLog.objects.bulk_create(rows)
            rows = []
    AuditLog.objects.bulk_create(rows)


def copy_billing_events(apps, schema_editor):
    _copy(apps, "SubscriptionEvent", "subscription")
    _copy(apps, "InvoiceEvent", "invoice")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0014_entries_carry_what_was_billed"),
        ("concierge", "0014_audit_log_holds_histories"),
    ]

    operations = [
        migrations.RunPython(copy_billing_events, migrations.RunPython.noop, elidable=False),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.DeleteModel(name="SubscriptionEvent"),
                migrations.DeleteModel(name="InvoiceEvent"),
            ],
            state_operations=[
                migrations.AlterModelOptions(
                    name="invoiceevent",
                    options={"managed": False, "ordering": ["created_at", "id"]},
                ),
                migrations.AlterModelTable(name="invoiceevent", table="billing_invoiceevent"),
                migrations.AlterModelOptions(
                    name="subscriptionevent",
                    options={"managed": False, "ordering": ["created_at", "id"]},
                ),
                migrations.AlterModelTable(name="subscriptionevent", table="billing_subscriptionevent"),
            ],
        ),
    ]
