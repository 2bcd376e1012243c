"""A notification kind for the client's monthly summary (each may turn its e-mail off)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("concierge", "0012_audit_log"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="notification",
            name="notification_kind_valid",
        ),
        migrations.RemoveConstraint(
            model_name="notificationpreference",
            name="notification_preference_kind_valid",
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("general", "General"),
                    ("task_assigned", "A task was assigned to you"),
                    ("task_reassigned", "A task changed hands"),
                    ("task_needs_assignee", "A task needs a new assignee"),
                    ("task_waiting", "A task is waiting on you"),
                    ("task_delivered", "A task was delivered"),
                    ("task_revision", "A revision was requested"),
                    ("task_cancelled", "A task was cancelled"),
                    ("task_overdue", "A task is overdue"),
                    ("task_message", "A new message on a task"),
                    ("task_budget", "A task's time budget is nearly used"),
                    ("dispute_opened", "A time entry was disputed"),
                    ("dispute_resolved", "A dispute was resolved"),
                    ("invoice_issued", "A new invoice"),
                    ("payment_failed", "A payment failed"),
                    ("spend_cap_reached", "The spend cap is reached"),
                    ("hours_running_low", "Included hours or a pack running low"),
                    ("calendar_failing", "A linked calendar stopped working"),
                    ("month_summary", "Your month in summary"),
                ],
                default="general",
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="notificationpreference",
            name="kind",
            field=models.CharField(
                choices=[
                    ("general", "General"),
                    ("task_assigned", "A task was assigned to you"),
                    ("task_reassigned", "A task changed hands"),
                    ("task_needs_assignee", "A task needs a new assignee"),
                    ("task_waiting", "A task is waiting on you"),
                    ("task_delivered", "A task was delivered"),
                    ("task_revision", "A revision was requested"),
                    ("task_cancelled", "A task was cancelled"),
                    ("task_overdue", "A task is overdue"),
                    ("task_message", "A new message on a task"),
                    ("task_budget", "A task's time budget is nearly used"),
                    ("dispute_opened", "A time entry was disputed"),
                    ("dispute_resolved", "A dispute was resolved"),
                    ("invoice_issued", "A new invoice"),
                    ("payment_failed", "A payment failed"),
                    ("spend_cap_reached", "The spend cap is reached"),
                    ("hours_running_low", "Included hours or a pack running low"),
                    ("calendar_failing", "A linked calendar stopped working"),
                    ("month_summary", "Your month in summary"),
                ],
                max_length=32,
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "general",
                            "task_assigned",
                            "task_reassigned",
                            "task_needs_assignee",
                            "task_waiting",
                            "task_delivered",
                            "task_revision",
                            "task_cancelled",
                            "task_overdue",
                            "task_message",
                            "task_budget",
                            "dispute_opened",
                            "dispute_resolved",
                            "invoice_issued",
                            "payment_failed",
                            "spend_cap_reached",
                            "hours_running_low",
                            "calendar_failing",
                            "month_summary",
                        ],
                    )
                ),
                name="notification_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="notificationpreference",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "general",
                            "task_assigned",
                            "task_reassigned",
                            "task_needs_assignee",
                            "task_waiting",
                            "task_delivered",
                            "task_revision",
                            "task_cancelled",
                            "task_overdue",
                            "task_message",
                            "task_budget",
                            "dispute_opened",
                            "dispute_resolved",
                            "invoice_issued",
                            "payment_failed",
                            "spend_cap_reached",
                            "hours_running_low",
                            "calendar_failing",
                            "month_summary",
                        ],
                    )
                ),
                name="notification_preference_kind_valid",
            ),
        ),
    ]
