"""The client's payment method: attaching a card (directly or through a SetupIntent),
reading it, and a payment's refusal."""

from django.utils.translation import gettext as _
from rest_framework import serializers


class PaymentMethodAttachSerializer(serializers.Serializer):
    payment_method = serializers.RegexField(
        r"^pm_[A-Za-z0-9_]+$",
        max_length=255,
        required=False,
        help_text="A PaymentMethod id from Stripe.js (`pm_...`).",
        error_messages={"invalid": "A Stripe PaymentMethod id (pm_...)."},
    )
    setup_intent = serializers.RegexField(
        r"^seti_[A-Za-z0-9_]+$",
        max_length=255,
        required=False,
        help_text="Or a SetupIntent (`seti_...`, from `payment-method/setup-intent/`) that "
        "Stripe.js confirmed: its card, authenticated, becomes the default.",
        error_messages={"invalid": "A Stripe SetupIntent id (seti_...)."},
    )

    def validate(self, attrs):
        if bool(attrs.get("payment_method")) == bool(attrs.get("setup_intent")):
            raise serializers.ValidationError(
                {"payment_method": [_("Give payment_method or setup_intent, one of them.")]}
            )
        return attrs


class SetupIntentSerializer(serializers.Serializer):
    setup_intent = serializers.CharField(help_text="The SetupIntent id (`seti_...`).")
    client_secret = serializers.CharField(
        help_text="For Stripe.js `confirmCardSetup`; then POST `payment-method/` with "
        "`setup_intent`."
    )


class PaymentMethodSerializer(serializers.Serializer):
    payment_method = serializers.CharField(
        allow_null=True, help_text="The default PaymentMethod id, or null when there is none."
    )
    brand = serializers.CharField(required=False, help_text="Card brand, when Stripe gives it.")
    last4 = serializers.CharField(required=False, help_text="Card's last 4 digits, likewise.")


class PaymentErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(required=False)  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Serializer.fields
