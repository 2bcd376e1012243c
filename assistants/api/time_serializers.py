from rest_framework import serializers

from assistants.models import TimeEntry, TimeEntryEvent
from concierge.api.compiled import property_reads, reads
from concierge.api.fields import BoundedModelSerializer, DateTimeField, IdField, IntegerField

property_reads(TimeEntry, "dispute_open_until", "reviewable_from")


class TimeEntryEventSerializer(BoundedModelSerializer):
    class Meta:
        model = TimeEntryEvent
        fields = ["kind", "actor", "data", "created_at"]


class TimeEntrySerializer(BoundedModelSerializer):
    assistant_name = serializers.CharField(
        source="assistant.full_name", read_only=True, help_text="The assistant's display name."
    )
    duration_seconds = serializers.SerializerMethodField()
    dispute_open_until = DateTimeField(
        read_only=True, help_text="Until when the client may dispute the entry as it stands."
    )
    # Read through the entry billing hook (`time_entries_visible_to`); an entry a write
    # returns is one no invoice bills yet (a billed entry is locked).
    invoice = serializers.IntegerField(source="invoice_id", read_only=True, allow_null=True)
    billed_minutes = IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "task",
            "assistant",
            "assistant_name",
            "started_at",
            "ended_at",
            "duration_seconds",
            "note",
            "billable",
            "source",
            "status",
            "billable_minutes_override",
            "invoice",
            "billed_minutes",
            "created_at",
            "reviewable_from",
            "dispute_open_until",
            "dispute_reason",
            "disputed_at",
            "dispute_decision",
            "dispute_resolved_at",
        ]
        read_only_fields = fields

    @reads("started_at", "ended_at")
    def get_duration_seconds(self, obj) -> int | None:
        if obj.ended_at is None:
            return None
        return int(obj.ended_at.timestamp() - obj.started_at.timestamp())


class TimeEntryDetailSerializer(TimeEntrySerializer):
    events = TimeEntryEventSerializer(many=True, read_only=True)

    class Meta(TimeEntrySerializer.Meta):
        fields = [*TimeEntrySerializer.Meta.fields, "events"]
        read_only_fields = fields


class TimeEntryCreateSerializer(serializers.Serializer):
    task = IdField()
    started_at = DateTimeField()
    ended_at = DateTimeField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    billable = serializers.BooleanField(required=False, default=True)


class TimeEntryUpdateSerializer(serializers.Serializer):
    started_at = DateTimeField(required=False)
    ended_at = DateTimeField(required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    billable = serializers.BooleanField(required=False)


class TimerStartSerializer(serializers.Serializer):
    task = IdField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisputeSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ResolveSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "adjust", "reject"])
    billable_minutes = IntegerField(required=False, min_value=0)


class TimeEntryFilterSerializer(serializers.Serializer):
    task = IdField(required=False)
    assistant = IdField(required=False)
    client = IdField(required=False)
    started_after = DateTimeField(required=False)
    started_before = DateTimeField(required=False)
    invoiced = serializers.BooleanField(required=False, allow_null=True, default=None)
