"""Hour packs: those a client holds, those on offer, and buying one."""

from rest_framework import serializers

from billing.api.serializers.fields import money_field, tax_rate_field
from billing.models import HourPack, Invoice
from concierge.api.fields import BoundedModelSerializer, IntegerField


class PackSerializer(BoundedModelSerializer):
    price = money_field(read_only=True)
    invoice: "serializers.PrimaryKeyRelatedField[Invoice]" = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = HourPack
        fields = [
            "id",
            "minutes",
            "remaining_minutes",
            "price",
            "currency",
            "tax_rate",
            "purchased_at",
            "expires_at",
            "revoked_at",
            "invoice",
        ]
        read_only_fields = fields


class PackBuySerializer(serializers.Serializer):
    minutes = IntegerField(min_value=1, help_text="One of the sizes `GET packs/offers/` lists.")


class PackOfferSerializer(serializers.Serializer):
    minutes = IntegerField()
    price = money_field()
    currency = serializers.CharField()
    tax_rate = tax_rate_field()
    valid_days = IntegerField(help_text="Days the minutes stay usable after purchase.")
