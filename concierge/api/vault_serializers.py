import re

from django.utils.translation import gettext as _
from rest_framework import serializers

from concierge.api.fields import BoundedModelSerializer, IntegerField, SingleLineCharField
from concierge.models import VaultItem, VaultItemKind, VaultReveal

MAX_FIELDS = 30
MAX_FIELD_VALUE = 10_000
FIELD_NAME = re.compile(r"^[\w .\-]{1,64}$")


class SecretFieldsField(serializers.DictField):
    """`{"name": "value", ...}`: names of 1 to 64 letters, digits, spaces, `_.-`; values up
    to 10 000 characters. In a PATCH a null value removes the field. No message echoes a
    value."""

    def __init__(self, *, allow_null_values=False, **kwargs):
        super().__init__(
            child=serializers.CharField(
                max_length=MAX_FIELD_VALUE,
                allow_blank=True,
                allow_null=allow_null_values,
                trim_whitespace=False,
            ),
            **kwargs,
        )

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(value) > MAX_FIELDS:
            raise serializers.ValidationError(
                _("At most %(count)s secret fields.") % {"count": MAX_FIELDS}
            )
        bad = [name for name in value if not FIELD_NAME.match(name)]
        if bad:
            raise serializers.ValidationError(
                _("Field names are 1 to 64 letters, digits, spaces, '_', '.' or '-'.")
            )
        return value


class VaultItemSerializer(BoundedModelSerializer):
    """An item as lists and details show it: metadata and the names of its secret fields,
    never their values."""

    client = IntegerField(source="client_id", read_only=True)
    # Typed as any field: the export's copy of an item declares its secrets under this name
    # (ExportedVaultItemSerializer, concierge/api/privacy_views.py).
    fields: serializers.Field = serializers.ListField(  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Serializer.fields
        source="field_names", child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = VaultItem
        fields = [
            "id",
            "client",
            "title",
            "kind",
            "fields",
            "notes",
            "notify_on_reveal",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VaultItemCreateSerializer(serializers.Serializer):
    title = SingleLineCharField(max_length=200)
    kind = serializers.ChoiceField(choices=VaultItemKind.choices)
    fields = SecretFieldsField(allow_empty=False)  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Serializer.fields
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    notify_on_reveal = serializers.BooleanField(required=False, default=True)


class VaultItemUpdateSerializer(serializers.Serializer):
    title = SingleLineCharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=VaultItemKind.choices, required=False)
    fields = SecretFieldsField(allow_null_values=True, required=False)  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Serializer.fields
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    notify_on_reveal = serializers.BooleanField(required=False)


class RevealRequestSerializer(serializers.Serializer):
    purpose = serializers.CharField(max_length=500)
    task = IntegerField(min_value=1, required=False)


class RevealedSerializer(serializers.Serializer):
    """The secrets, shown once to the person who asked; the reveal is recorded."""

    item = IntegerField()
    reveal = IntegerField()
    fields = serializers.DictField(child=serializers.CharField())  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Serializer.fields


class VaultRevealSerializer(BoundedModelSerializer):
    item = IntegerField(source="item_id", read_only=True)
    client = IntegerField(source="client_id", read_only=True)
    revealed_by = IntegerField(source="revealed_by_id", read_only=True)
    revealed_by_name = serializers.CharField(source="revealed_by.full_name", read_only=True)
    task = IntegerField(source="task_id", read_only=True, allow_null=True)

    class Meta:
        model = VaultReveal
        fields = [
            "id",
            "item",
            "item_title",
            "client",
            "revealed_by",
            "revealed_by_name",
            "task",
            "purpose",
            "ip_address",
            "revealed_at",
        ]
        read_only_fields = fields


class VaultFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=VaultItemKind.choices, required=False)
    client = IntegerField(min_value=1, required=False)


class RevealFilterSerializer(serializers.Serializer):
    item = IntegerField(min_value=1, required=False)
    client = IntegerField(min_value=1, required=False)
    revealed_by = IntegerField(min_value=1, required=False)
    task = IntegerField(min_value=1, required=False)
