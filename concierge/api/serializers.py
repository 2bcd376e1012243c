from django.conf import settings
from rest_framework import serializers

from concierge.api.fields import BoundedModelSerializer, IntegerField, SingleLineCharField
from concierge.models import ClientProfile, Role, User, validate_timezone


class TimezoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("validators", [validate_timezone])
        super().__init__(**kwargs)


class UserSerializer(BoundedModelSerializer):
    language = serializers.CharField(
        read_only=True, help_text="`en` or `fr`; blank: not chosen (English in e-mails)."
    )

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "timezone", "language"]
        read_only_fields = fields


class MeUpdateSerializer(serializers.Serializer):
    first_name = SingleLineCharField(max_length=150, required=False, allow_blank=True)
    last_name = SingleLineCharField(max_length=150, required=False, allow_blank=True)
    timezone = TimezoneField(required=False)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        allow_blank=True,
        help_text="The language of the person's e-mails and notifications, and of the "
        "portal; blank: not chosen (the browser's, English in e-mails).",
    )


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    first_name = SingleLineCharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = SingleLineCharField(max_length=150, required=False, allow_blank=True, default="")
    timezone = TimezoneField(required=False, default="UTC")


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    code = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="With a second factor: a TOTP code or an unused recovery code.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(source="key", read_only=True)


class AssistantRefField(serializers.PrimaryKeyRelatedField):
    """An assistant, by user id."""

    def get_queryset(self):
        return User.objects.filter(role=Role.ASSISTANT)


class ClientSerializer(BoundedModelSerializer):
    id = IntegerField(source="user.id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    timezone = serializers.CharField(source="user.timezone", read_only=True)
    primary_assistant = AssistantRefField(allow_null=True, required=False)
    backup_assistant = AssistantRefField(allow_null=True, required=False)

    class Meta:
        model = ClientProfile
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "timezone",
            "primary_assistant",
            "backup_assistant",
        ]
