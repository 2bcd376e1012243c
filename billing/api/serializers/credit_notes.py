"""Credit notes: what a decision on a disputed, invoiced entry took off its invoice."""

from rest_framework import serializers

from billing.api.serializers.fields import money_field
from billing.api.serializers.parties import InvoiceBuyerSerializer, InvoiceSellerSerializer
from billing.models import CreditNote, CreditNoteLine
from concierge.api.fields import BoundedModelSerializer


class CreditNoteLineSerializer(BoundedModelSerializer):
    unit_rate = money_field(allow_null=True)
    amount = money_field(help_text="Excluding VAT, credited.")
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    tax_amount = money_field()

    class Meta:
        model = CreditNoteLine
        fields = [
            "description",
            "kind",
            "quantity_minutes",
            "unit_rate",
            "amount",
            "tax_rate",
            "tax_amount",
        ]


def credit_note_status_field():
    # Spelled out, not an enum of the model's choices: its name would collide with the
    # invoices' `status` enum in the schema.
    return serializers.CharField(read_only=True, help_text="`open` or `settled`.")


class CreditNoteBriefSerializer(BoundedModelSerializer):
    total_incl_tax = money_field()
    status = credit_note_status_field()

    class Meta:
        model = CreditNote
        fields = ["id", "number", "status", "total_incl_tax", "issued_at"]
        read_only_fields = fields


class CreditNoteSerializer(BoundedModelSerializer):
    """What a decision on a disputed, invoiced entry took off its invoice."""

    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    status = credit_note_status_field()
    total_excl_tax = money_field()
    total_tax = money_field()
    total_incl_tax = money_field()
    lines = CreditNoteLineSerializer(many=True, read_only=True)
    seller = InvoiceSellerSerializer(allow_null=True, read_only=True)
    buyer = InvoiceBuyerSerializer(read_only=True)

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "invoice",
            "invoice_number",
            "client",
            "entry",
            "status",
            "reason",
            "currency",
            "credited_minutes",
            "total_excl_tax",
            "total_tax",
            "total_incl_tax",
            "prices_include_tax",
            "seller",
            "buyer",
            "lines",
            "issued_at",
            "settled_at",
        ]
        read_only_fields = fields
