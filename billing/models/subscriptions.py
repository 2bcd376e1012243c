"""Subscriptions, hour packs and the usage alerts of an allowance."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from billing.models.amounts import STANDARD_VAT_RATE, tax_rate_field
from billing.models.plans import Plan


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"


class Subscription(models.Model):
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(
        max_length=16, choices=SubscriptionStatus, default=SubscriptionStatus.ACTIVE
    )
    start_date = models.DateField()
    # Takes effect at the start of the next period.
    scheduled_plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The first period the scheduled plan applies to.
    scheduled_plan_from = models.DateField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # The last closed period (its first day) and the minutes it rolled over.
    closed_through = models.DateField(null=True, blank=True)
    rollover_minutes = models.PositiveIntegerField(default=0)
    # The last day covered (inclusive) once a cancellation has taken effect.
    ended_on = models.DateField(null=True, blank=True)
    # Hourly plans: the client's monthly spend cap.
    spend_cap = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "closed_through"])]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=~Q(status="cancelled"),
                name="subscription_one_live_per_client",
            ),
            models.CheckConstraint(
                condition=Q(spend_cap__isnull=True) | Q(spend_cap__gte=0),
                name="subscription_spend_cap_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.client} on {self.plan}"


class HourPack(models.Model):
    """Prepaid minutes, valid 365 days from purchase, used before overage."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hour_packs"
    )
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    remaining_minutes = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    # The VAT rate of the offer it was bought at (its price excludes or includes VAT as
    # the invoice says).
    tax_rate = tax_rate_field(default=STANDARD_VAT_RATE)
    purchased_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Revoked (remaining set to 0) if its payment fails.
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The minutes a revocation withdrew: given back if the invoice is paid after all.
    revoked_minutes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["purchased_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining_minutes__lte=F("minutes")), name="pack_remaining_le_minutes"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="pack_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.minutes} min pack for {self.client}"


class UsageAlert(models.Model):
    """A usage notification sent once per client, period and threshold (80, 100): of a
    subscriber's allowance, or of a pack-only client's balance."""

    client = models.ForeignKey(  # the unique constraint's index serves it
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="usage_alerts", null=True, blank=True
    )
    period_start = models.DateField()
    threshold = models.PositiveSmallIntegerField()
    used_minutes = models.PositiveIntegerField()
    allowance_minutes = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "period_start", "threshold"],
                name="usage_alert_once_per_client_threshold",
            ),
        ]

    def __str__(self):
        return f"{self.threshold}% alert for {self.subscription_id} {self.period_start}"
