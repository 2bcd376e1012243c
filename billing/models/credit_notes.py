"""Credit notes: what a decision on an invoiced, disputed entry takes off its invoice."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from billing.models.amounts import HALF_MILLI, ZERO, tax_rate_field
from billing.models.invoices import Invoice, LineKind, SellerVersion


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
    tax_rate = tax_rate_field()
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
