"""Who sells and who buys: the seller's identity and legal mentions, a client's billing
details, and both as an issued invoice records them."""

from rest_framework import serializers

from billing import seller as billing_seller
from billing.models import BillingDetails, SellerVersion
from concierge.api.fields import BoundedModelSerializer, IntegerField


class SellerSerializer(BoundedModelSerializer):
    """The seller's identity and legal mentions; each change is a new version, and each
    invoice names the version it was issued with."""

    siren = serializers.RegexField(r"^[0-9]{9}$", help_text="9 digits.")
    country_code = serializers.RegexField(r"^[A-Z]{2}$", required=False)
    payment_terms_days = IntegerField(
        min_value=0, max_value=60, required=False, help_text="Days from issue to due date."
    )

    class Meta:
        model = SellerVersion
        fields = ["id", *billing_seller.SELLER_FIELDS, "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "vat_id": {"help_text": "Intra-community VAT number (FR + 11 characters)."},
            "vat_exemption_text": {
                "help_text": "Set when VAT does not apply, e.g. "
                "'TVA non applicable, art. 293 B du CGI': invoices then carry no VAT."
            },
        }


class BillingDetailsSerializer(BoundedModelSerializer):
    """Who the client's invoices are made out to."""

    country_code = serializers.RegexField(r"^[A-Z]{2}$", required=False)

    class Meta:
        model = BillingDetails
        fields = ["client", *billing_seller.BUYER_FIELDS, "updated_at"]
        read_only_fields = ["client", "updated_at"]


class InvoiceSellerSerializer(serializers.Serializer):
    """The seller as it stood when the invoice was issued."""

    name = serializers.CharField()
    address = serializers.CharField()
    country_code = serializers.CharField()
    siren = serializers.CharField()
    vat_id = serializers.CharField()
    legal_form = serializers.CharField()
    share_capital = serializers.CharField()
    vat_exemption_text = serializers.CharField()


class InvoiceBuyerSerializer(serializers.Serializer):
    name = serializers.CharField(default="")
    address = serializers.CharField(default="")
    country_code = serializers.CharField(default="")
    company = serializers.CharField(default="")
    vat_id = serializers.CharField(default="")
