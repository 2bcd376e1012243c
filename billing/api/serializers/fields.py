"""Fields the billing serializers share: money, VAT rates, billing months, and a status
change of a subscription or an invoice."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from concierge.api.fields import DateTimeField


def money_field(**kwargs):
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def tax_rate_field(**kwargs):
    return serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        help_text="VAT rate in percent (20.00 is 20 %).",
        **kwargs,
    )


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-10"})
class PeriodField(serializers.DateField):
    """A billing month as `YYYY-MM` (read only)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", read_only=True, **kwargs)


class BillingEventSerializer(serializers.Serializer):
    """One change of a subscription's or an invoice's status (or a request on record)."""

    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    source = serializers.CharField(help_text="client, manager, job, webhook or charge")  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Field.source
    created_at = DateTimeField()
