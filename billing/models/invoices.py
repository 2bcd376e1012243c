"""Invoices with their lines and the entries they bill, the seller's and the buyer's legal
details they carry, their numbers and their payment reminders."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from billing.models.amounts import HALF_MILLI, ZERO, tax_rate_field
from billing.models.plans import Plan, PlanTerms
from billing.models.subscriptions import HourPack, Subscription


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
    tax_rate = tax_rate_field(null=True, blank=True)
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
