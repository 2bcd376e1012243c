"""An optional hourly cost per assistant (the time report's profitability, for managers)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0008_skills_name_categories"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="assistantprofile",
            name="cost_rate",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=10, null=True, verbose_name="hourly cost"
            ),
        ),
        migrations.AddConstraint(
            model_name="assistantprofile",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("cost_rate__isnull", True), ("cost_rate__gte", 0), _connector="OR"
                ),
                name="assistant_cost_rate_not_negative",
            ),
        ),
    ]
