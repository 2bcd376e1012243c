"""Plans, subscriptions, hour packs and invoices. BILLING.md is the contract."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.utils import timezone

ZERO = "0.00"
HALF_MILLI = Value(Decimal("0.0005"))
# France's standard VAT rate, the default of plans and pack offers.
STANDARD_VAT_RATE = "20.00"


def _tax_rate_field(**kwargs):
    """A VAT rate in percent (20.00 for 20 %), 0 to 100."""
    return models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        **kwargs,
    )


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
    tax_rate = _tax_rate_field(default=STANDARD_VAT_RATE)
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
    tax_rate = _tax_rate_field(default=STANDARD_VAT_RATE)
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
    tax_rate = _tax_rate_field(default=STANDARD_VAT_RATE)
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


class SellerVersion(models.Model):
    """Who issues the invoices, as it stood from `created_at` on. Never edited: a change
    is a new version, and each invoice keeps the version in force when it was issued."""

    name = models.CharField(max_length=200)
    address = models.TextField(max_length=500)
    country_code = models.CharField(max_length=2, default="FR")
    # France: the SIREN (9 digits) and the intra-community VAT number.
    siren = models.CharField(max_length=9)
    vat_id = models.CharField(max_length=20, blank=True)
    legal_form = models.CharField(max_length=100, blank=True)
    share_capital = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30, validators=[MaxValueValidator(60)]
    )
    late_payment_text = models.TextField(max_length=1000, blank=True)
    recovery_indemnity_text = models.TextField(max_length=1000, blank=True)
    # Set when VAT does not apply ("TVA non applicable, art. 293 B du CGI"): invoices then
    # carry no VAT and show this mention.
    vat_exemption_text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(siren__regex=r"^[0-9]{9}$"), name="seller_siren_nine_digits"
            ),
            models.CheckConstraint(
                condition=Q(payment_terms_days__lte=60), name="seller_payment_terms_at_most_60"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.created_at:%Y-%m-%d})"


class BillingDetails(models.Model):
    """The name and address a client's invoices are made out to (copied onto each
    invoice when it is issued; erased with the person, the invoices keep their copy)."""

    client = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="billing_details"
    )
    name = models.CharField(max_length=200)
    address = models.TextField(max_length=500)
    country_code = models.CharField(max_length=2, default="FR")
    company = models.CharField(max_length=200, blank=True)
    vat_id = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "billing details"

    def __str__(self):
        return f"billing details of {self.client_id}"


class InvoiceKind(models.TextChoices):
    PERIOD = "period", "Billing period"
    PACK = "pack", "Hour pack"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    # Stripe's off-session charge needs the card holder's authentication (SCA).
    REQUIRES_ACTION = "requires_action", "Requires action"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


class Invoice(models.Model):
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices"
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    hour_pack = models.OneToOneField(
        HourPack, on_delete=models.PROTECT, null=True, blank=True, related_name="invoice"
    )
    kind = models.CharField(max_length=8, choices=InvoiceKind, default=InvoiceKind.PERIOD)
    # Gapless per calendar year ("2026-000001"), given when the invoice is finalised.
    number = models.CharField(max_length=16, unique=True, null=True, blank=True)
    # The period's first and last day (inclusive), in the service's zone.
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=16, choices=InvoiceStatus, default=InvoiceStatus.DRAFT)
    currency = models.CharField(max_length=3, default="EUR")
    total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    # The rating engine's allowance breakdown: used, from_rollover, from_included, ...
    usage = models.JSONField(default=dict, blank=True)
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The plan's terms the period was priced at.
    plan_terms = models.ForeignKey(
        PlanTerms, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finalised_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    stripe_invoice_id = models.CharField(max_length=255, blank=True)
    # Where the client authenticates a charge that requires it (Stripe's invoice page).
    payment_action_url = models.URLField(max_length=500, blank=True)
    # Legal mentions (invoices issued before they existed have none: no seller, an empty
    # buyer, VAT not stated, `total_excl_tax = total_incl_tax = total`).
    seller = models.ForeignKey(
        SellerVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    # The buyer as they were when it was issued: name, address, company, vat_id, country.
    buyer = models.JSONField(default=dict, blank=True)
    # Whether the prices it was made from were stated including VAT.
    prices_include_tax = models.BooleanField(default=False)
    total_excl_tax = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    total_tax = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    # What is due, equal to `total`.
    total_incl_tax = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        indexes = [models.Index(fields=["-period_start", "-id"], name="invoice_newest_first")]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start"],
                condition=Q(kind="period"),
                name="invoice_one_per_subscription_period",
            ),
            # A client without a subscription (hour packs only) gets one statement per
            # period of the time drawn from their packs.
            models.UniqueConstraint(
                fields=["client", "period_start"],
                condition=Q(kind="period", subscription__isnull=True),
                name="invoice_one_pack_statement_per_client_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="invoice_period_ordered"
            ),
            # Including VAT = excluding VAT + VAT, to the cent (SQLite compares decimals
            # as floating point, so within half a tenth of a cent).
            models.CheckConstraint(
                condition=Q(
                    total_incl_tax__gte=F("total_excl_tax") + F("total_tax") - HALF_MILLI,
                    total_incl_tax__lte=F("total_excl_tax") + F("total_tax") + HALF_MILLI,
                ),
                name="invoice_totals_add_up",
            ),
        ]

    def __str__(self):
        return self.number or f"draft invoice {self.pk}"


class InvoicedEntry(models.Model):
    """A time entry an invoice bills, with the minutes it charged (the entry's duration
    rounded up to the plan's increment, or a manager's adjustment). The entry is the key:
    no entry is billed twice. An entry listed here is locked (assistants' entry billing
    hook)."""

    entry = models.OneToOneField(
        "assistants.TimeEntry", on_delete=models.PROTECT, primary_key=True, related_name="billed"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="billed_entries")
    billed_minutes = models.PositiveIntegerField()
    # Minutes a decision on a dispute took off since (credited by credit notes).
    credited_minutes = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "invoiced entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(credited_minutes__lte=F("billed_minutes")),
                name="invoiced_entry_credits_at_most_billed",
            ),
        ]

    def __str__(self):
        return f"entry {self.entry_id} on invoice {self.invoice_id}"


class LineKind(models.TextChoices):
    FEE = "fee", "Fee"
    OVERAGE = "overage", "Overage"
    PACK = "pack", "Pack"
    ADJUSTMENT = "adjustment", "Adjustment"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=LineKind)
    description = models.CharField(max_length=300)
    quantity_minutes = models.PositiveIntegerField(null=True, blank=True)
    unit_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Excluding VAT (EN 16931's line net amount).
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # Null on lines of invoices issued before VAT was stated.
    tax_rate = _tax_rate_field(null=True, blank=True)
    # This line's share of its rate's VAT (the shares of a rate add up to its VAT).
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["invoice_id", "position", "id"]

    def __str__(self):
        return self.description


class InvoiceNumberSequence(models.Model):
    """The last number given in a year; locked with select_for_update when numbering."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


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


class BillingEventSource(models.TextChoices):
    """What caused a change of a subscription's or an invoice's status."""

    CLIENT = "client", "Client"
    MANAGER = "manager", "Manager"
    JOB = "job", "Job"
    WEBHOOK = "webhook", "Stripe webhook"
    CHARGE = "charge", "Charge attempt"


class _BillingEvent(models.Model):
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    source = models.CharField(max_length=8, choices=BillingEventSource)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The Stripe event (`evt_…`) applied, when a webhook caused it.
    stripe_event_id = models.CharField(max_length=255, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


class SubscriptionEvent(_BillingEvent):
    """Append-only history of a subscription's status."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")

    class Meta(_BillingEvent.Meta):
        pass

    def __str__(self):
        return f"subscription {self.subscription_id}: {self.from_status} → {self.to_status}"


class InvoiceEvent(_BillingEvent):
    """Append-only history of an invoice's status; a Stripe event is applied once."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")

    class Meta(_BillingEvent.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "stripe_event_id"],
                condition=~Q(stripe_event_id=""),
                name="invoice_event_stripe_event_once",
            ),
        ]

    def __str__(self):
        return f"invoice {self.invoice_id}: {self.from_status} → {self.to_status}"


class CreditNoteStatus(models.TextChoices):
    OPEN = "open", "Open"  # to be refunded or credited
    SETTLED = "settled", "Settled"


class CreditNote(models.Model):
    """What a decision on a disputed, already invoiced entry takes off that invoice: the
    lines and VAT it reverses. Numbered in its own gapless sequence per calendar year
    ("AV-2026-000001"), given when it is issued."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_notes"
    )
    # The entry whose decision it credits.
    entry = models.ForeignKey(
        "assistants.TimeEntry", on_delete=models.PROTECT, related_name="credit_notes"
    )
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=20, unique=True)
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=8, choices=CreditNoteStatus, default=CreditNoteStatus.OPEN)
    currency = models.CharField(max_length=3, default="EUR")
    seller = models.ForeignKey(
        SellerVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    buyer = models.JSONField(default=dict, blank=True)
    prices_include_tax = models.BooleanField(default=False)
    total_excl_tax = models.DecimalField(max_digits=12, decimal_places=2)
    total_tax = models.DecimalField(max_digits=12, decimal_places=2)
    total_incl_tax = models.DecimalField(max_digits=12, decimal_places=2)
    # The minutes of the entry it takes off the invoice.
    credited_minutes = models.PositiveIntegerField()
    issued_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # With Stripe: the refund of a paid invoice, or the customer balance credit.
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    stripe_balance_transaction_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="credit_note_gapless_number"),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="credit_note_sequence_from_1"
            ),
            models.CheckConstraint(
                condition=Q(total_excl_tax__gt=0), name="credit_note_credits_something"
            ),
            models.CheckConstraint(
                condition=Q(
                    total_incl_tax__gte=F("total_excl_tax") + F("total_tax") - HALF_MILLI,
                    total_incl_tax__lte=F("total_excl_tax") + F("total_tax") + HALF_MILLI,
                ),
                name="credit_note_totals_add_up",
            ),
        ]

    def __str__(self):
        return self.number


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=LineKind)
    description = models.CharField(max_length=300)
    quantity_minutes = models.PositiveIntegerField(null=True, blank=True)
    unit_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)  # excluding VAT, > 0
    tax_rate = _tax_rate_field()
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["credit_note_id", "position", "id"]

    def __str__(self):
        return self.description


class CreditNoteNumberSequence(models.Model):
    """The last credit note number given in a year; locked when numbering."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class InvoiceReminder(models.Model):
    """A reminder that an invoice is past its due date, sent once per invoice and step
    (days after the due date, BILLING_REMINDER_DAYS)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    days_after_due = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["invoice_id", "days_after_due"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "days_after_due"], name="invoice_reminder_once_per_step"
            ),
        ]

    def __str__(self):
        return f"{self.invoice} +{self.days_after_due} days"
