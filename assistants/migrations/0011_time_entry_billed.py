"""Time entries carry what billing charged for them: when an invoice billed the entry (it
is locked from then on), the minutes charged, and the minutes credited since. Billing's
migration 0014 fills them from its record of invoiced entries."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0010_client_brief"),
    ]

    operations = [
        migrations.AddField(
            model_name="timeentry",
            name="billed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="timeentry",
            name="billed_minutes",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="timeentry",
            name="credited_minutes",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddConstraint(
            model_name="timeentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("billed_at__isnull", True),
                        ("billed_minutes__isnull", True),
                        ("credited_minutes", 0),
                    ),
                    models.Q(
                        ("billed_at__isnull", False),
                        ("billed_minutes__isnull", False),
                        ("credited_minutes__lte", models.F("billed_minutes")),
                    ),
                    _connector="OR",
                ),
                name="time_entry_billed_all_or_nothing",
            ),
        ),
    ]
