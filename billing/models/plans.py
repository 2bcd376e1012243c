"""Plans and their terms over time: what a client subscribes to, at what price."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from billing.models.amounts import STANDARD_VAT_RATE, ZERO, tax_rate_field


class PlanKind(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    HOURLY = "hourly", "Hourly"


class Plan(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    name_fr = models.CharField("name (French)", max_length=200, blank=True)
    kind = models.CharField(max_length=8, choices=PlanKind)
    currency = models.CharField(max_length=3, default="EUR")
    monthly_fee = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    included_minutes = models.PositiveIntegerField(default=0)
    rollover_cap_minutes = models.PositiveIntegerField(default=0)
    rounding_increment_minutes = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)]
    )
    # [{"up_to_minutes": 480, "hourly_rate": "28.00"}, {"up_to_minutes": null, ...}]
    overage_tiers = models.JSONField(default=list)
    tax_rate = tax_rate_field(default=STANDARD_VAT_RATE)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["monthly_fee", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rounding_increment_minutes__gte=1), name="plan_rounding_at_least_1"
            ),
            models.CheckConstraint(condition=Q(monthly_fee__gte=0), name="plan_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(kind="monthly")
                | Q(monthly_fee=0, included_minutes=0, rollover_cap_minutes=0),
                name="plan_hourly_has_no_fee_or_allowance",
            ),
        ]

    def __str__(self):
        return self.name

    def name_in(self, language: str) -> str:
        """The name in `language` ("en", "fr"), English when there is no translation (the
        way a category's label is read)."""
        if language.startswith("fr") and self.name_fr:
            return self.name_fr
        return self.name


# The fields of a plan that price a period: versioned in PlanTerms, never retroactive.
TERMS_FIELDS = (
    "currency",
    "monthly_fee",
    "included_minutes",
    "rollover_cap_minutes",
    "rounding_increment_minutes",
    "overage_tiers",
    "tax_rate",
)
# Everything a manager sets on a plan (the API's fields, the services' arguments).
PLAN_FIELDS = ("code", "name", "kind", *TERMS_FIELDS, "active")


class PlanTerms(models.Model):
    """A plan's prices from one period on. A period is billed at the terms in force when
    it started (the latest `effective_from` on or before it): editing a plan's prices
    takes effect from the next period, never for a period already running."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="terms")
    # The first period (its first day) these terms price.
    effective_from = models.DateField()
    currency = models.CharField(max_length=3, default="EUR")
    monthly_fee = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    included_minutes = models.PositiveIntegerField(default=0)
    rollover_cap_minutes = models.PositiveIntegerField(default=0)
    rounding_increment_minutes = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)]
    )
    overage_tiers = models.JSONField(default=list)
    tax_rate = tax_rate_field(default=STANDARD_VAT_RATE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan_id", "effective_from"]
        verbose_name_plural = "plan terms"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "effective_from"], name="plan_terms_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(rounding_increment_minutes__gte=1),
                name="plan_terms_rounding_at_least_1",
            ),
        ]

    def __str__(self):
        return f"{self.plan} from {self.effective_from:%Y-%m}"
