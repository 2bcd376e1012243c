"""Invoices: their lines, VAT breakdown, usage and the time entries they bill."""

from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing import periods, tax
from billing.api.serializers.credit_notes import CreditNoteBriefSerializer
from billing.api.serializers.fields import BillingEventSerializer, money_field
from billing.api.serializers.parties import InvoiceBuyerSerializer, InvoiceSellerSerializer
from billing.models import Invoice, InvoiceLine
from concierge.api.compiled import reads
from concierge.api.fields import BoundedModelSerializer, DateField, DateTimeField, IntegerField


class InvoiceLineSerializer(BoundedModelSerializer):
    unit_rate = money_field(allow_null=True)
    amount = money_field(help_text="Excluding VAT.")
    tax_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="VAT rate in percent; null on invoices issued before VAT was stated.",
    )
    tax_amount = money_field(help_text="This line's share of its rate's VAT.")

    class Meta:
        model = InvoiceLine
        fields = [
            "description",
            "kind",
            "quantity_minutes",
            "unit_rate",
            "amount",
            "tax_rate",
            "tax_amount",
        ]


class TaxBreakdownSerializer(serializers.Serializer):
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    taxable_amount = money_field()
    tax_amount = money_field()


class InvoiceUsageSerializer(serializers.Serializer):
    used_minutes = IntegerField(default=0)
    from_rollover = IntegerField(default=0)
    from_included = IntegerField(default=0)
    from_packs = IntegerField(default=0)
    overage_minutes = IntegerField(default=0)
    rollover_out = IntegerField(default=0)
    rollover_in = IntegerField(default=0)
    included_minutes = IntegerField(default=0)
    pack_minutes = IntegerField(default=0)
    rollover_in_expires_at = DateTimeField(
        allow_null=True, help_text="The rollover used this period expired at its end."
    )
    rollover_out_expires_at = DateTimeField(
        allow_null=True, help_text="The minutes rolled over expire at the next period's end."
    )
    terms_effective_from = DateField(
        allow_null=True, required=False, help_text="The plan terms this period was billed at."
    )


# A time entry the invoice bills (an InvoicedEntry), shown as the entry and its minutes.
class InvoiceEntrySerializer(serializers.Serializer):
    id = IntegerField(source="entry_id")
    task = IntegerField(source="entry.task_id")
    started_at = DateTimeField(source="entry.started_at")
    ended_at = DateTimeField(source="entry.ended_at")
    duration_seconds = IntegerField(source="entry.duration_seconds")
    billable_minutes = IntegerField(source="billed_minutes")


class InvoiceSerializer(BoundedModelSerializer):
    total = money_field(help_text="What is due: `total_incl_tax`.")
    total_excl_tax = money_field()
    total_tax = money_field()
    total_incl_tax = money_field()
    lines = InvoiceLineSerializer(many=True)
    usage = serializers.SerializerMethodField()
    seller = InvoiceSellerSerializer(allow_null=True, read_only=True)
    buyer = serializers.SerializerMethodField()
    tax_breakdown = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "client",
            "subscription",
            "period_start",
            "period_end",
            "currency",
            "status",
            "total",
            "total_excl_tax",
            "total_tax",
            "total_incl_tax",
            "prices_include_tax",
            "tax_breakdown",
            "due_date",
            "seller",
            "buyer",
            "lines",
            "usage",
            "finalised_at",
            "paid_at",
        ]
        read_only_fields = fields

    @extend_schema_field(InvoiceBuyerSerializer(allow_null=True))
    @reads("buyer")
    def get_buyer(self, obj):
        return self.buyer_serializer.to_representation(obj.buyer) if obj.buyer else None

    @extend_schema_field(TaxBreakdownSerializer(many=True))
    @reads("lines")
    def get_tax_breakdown(self, obj):
        rows = tax.breakdown_of([(x.tax_rate, x.amount, x.tax_amount) for x in obj.lines.all()])
        return [self.tax_serializer.to_representation(row) for row in rows]

    @cached_property
    def usage_serializer(self):
        """One for the whole page: a serializer's fields are built when first used, which
        costs more than representing a row. So are the buyer's and the VAT breakdown's."""
        return InvoiceUsageSerializer()

    @cached_property
    def buyer_serializer(self):
        return InvoiceBuyerSerializer()

    @cached_property
    def tax_serializer(self):
        return TaxBreakdownSerializer()

    @extend_schema_field(InvoiceUsageSerializer(allow_null=True))
    @reads("usage", "period_start")
    def get_usage(self, obj):
        if not obj.usage:
            return None
        usage = dict(obj.usage)
        end = periods.bounds(obj.period_start)[1]
        usage["rollover_in_expires_at"] = end if usage.get("rollover_in") else None
        usage["rollover_out_expires_at"] = (
            periods.bounds(periods.next_period(obj.period_start))[1]
            if usage.get("rollover_out")
            else None
        )
        usage.setdefault("terms_effective_from", None)
        return self.usage_serializer.to_representation(usage)


class InvoiceDetailSerializer(InvoiceSerializer):
    entries = InvoiceEntrySerializer(many=True, source="billed_entries")
    history = BillingEventSerializer(source="events", many=True, read_only=True)
    credit_notes = CreditNoteBriefSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "entries", "history", "credit_notes"]
        read_only_fields = fields
