from rest_framework import serializers

from assistants.models import AssistantProfile
from concierge.api.fields import (
    BoundedModelSerializer,
    IntegerField,
    LocalTimeField,
    SingleLineCharField,
)
from concierge.api.serializers import TimezoneField


class AssistantSerializer(BoundedModelSerializer):
    """An assistant, known by their user id."""

    id = IntegerField(source="user.id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    timezone = serializers.CharField(source="user.timezone", read_only=True)
    skills = serializers.ListField(child=serializers.CharField(max_length=64))

    class Meta:
        model = AssistantProfile
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "timezone",
            "skills",
            "weekly_capacity_minutes",
            "active",
            "workday_start",
            "workday_end",
            "working_days",
        ]
        read_only_fields = fields


class AssistantManagerSerializer(AssistantSerializer):
    """An assistant as managers read them: also what an hour of their time costs."""

    class Meta(AssistantSerializer.Meta):
        fields = [*AssistantSerializer.Meta.fields, "cost_rate"]
        read_only_fields = fields


class AssistantPublicSerializer(BoundedModelSerializer):
    """What a client may know of an assistant serving them: who they are and their zone."""

    id = IntegerField(source="user.id", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    name = serializers.CharField(source="user.full_name", read_only=True)
    timezone = serializers.CharField(source="user.timezone", read_only=True)
    serves_you_as = serializers.SerializerMethodField(
        help_text="How they serve you: `primary`, `backup` (your assistants), `assignee` "
        "(of one of your open tasks); one or more."
    )

    class Meta:
        model = AssistantProfile
        fields = ["id", "first_name", "last_name", "name", "timezone", "serves_you_as"]
        read_only_fields = fields

    def get_serves_you_as(self, profile) -> list[str]:
        ways = (("primary", "is_primary"), ("backup", "is_backup"), ("assignee", "on_open_task"))
        return [way for way, flag in ways if getattr(profile, flag, False)]


class AssistantWriteSerializer(serializers.Serializer):
    first_name = SingleLineCharField(max_length=150, required=False, allow_blank=True)
    last_name = SingleLineCharField(max_length=150, required=False, allow_blank=True)
    timezone = TimezoneField(required=False)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=50
    )
    weekly_capacity_minutes = IntegerField(min_value=0, max_value=7 * 24 * 60, required=False)
    active = serializers.BooleanField(required=False)
    workday_start = LocalTimeField(required=False)
    workday_end = LocalTimeField(required=False)
    working_days = serializers.ListField(
        child=IntegerField(min_value=0, max_value=6), required=False, max_length=7
    )
    cost_rate = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        allow_null=True,
        required=False,
        help_text="What an hour of their time costs, in the invoices' currency (null: not "
        "known); managers only.",
    )


class AssistantCreateSerializer(AssistantWriteSerializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
