from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from concierge import deadlines
from concierge.models import Message, Role, Task, TaskPriority, TaskStatus, User


class TaskSerializer(serializers.ModelSerializer):
    logged_minutes = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    at_risk = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "client",
            "assignee",
            "title",
            "description",
            "category",
            "priority",
            "status",
            "requested_due_at",
            "estimate_minutes",
            "max_minutes",
            "promised_due_at",
            "recurrence",
            "recurrence_parent",
            "occurrence_at",
            "scheduled_start",
            "scheduled_end",
            "created_at",
            "assigned_at",
            "delivered_at",
            "completed_at",
            "cancelled_at",
            "rating",
            "rating_comment",
            "logged_minutes",
            "overdue",
            "at_risk",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_logged_minutes(self, task) -> int:
        duration = getattr(task, "logged_duration", None)
        return int(duration.total_seconds() // 60) if duration else 0

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, task) -> bool:
        return task.is_overdue(self.context.get("now"))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_at_risk(self, task) -> bool:
        """Open, not yet overdue, but the estimate left no longer fits before the promise."""
        if not task.is_open or task.status == TaskStatus.DELIVERED:
            return False
        remaining = max((task.estimate_minutes or 0) - self.get_logged_minutes(task), 0)
        return deadlines.is_at_risk(
            now=self.context.get("now") or timezone.now(),
            promised=task.promised_due_at,
            remaining_minutes=remaining,
        )


class TaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(
        choices=TaskPriority.choices, required=False, default=TaskPriority.NORMAL
    )
    requested_due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    estimate_minutes = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True, default=None
    )
    max_minutes = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True, default=None
    )
    recurrence = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    scheduled_start = serializers.DateTimeField(required=False, allow_null=True, default=None)
    scheduled_end = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TaskUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.CharField(max_length=64, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    requested_due_at = serializers.DateTimeField(required=False, allow_null=True)
    estimate_minutes = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True
    )
    max_minutes = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True
    )
    scheduled_start = serializers.DateTimeField(required=False, allow_null=True)
    scheduled_end = serializers.DateTimeField(required=False, allow_null=True)


class TaskFilterSerializer(serializers.Serializer):
    status = serializers.CharField(
        required=False, help_text="One status or several, comma-separated."
    )
    assignee = serializers.IntegerField(required=False, min_value=1)
    client = serializers.IntegerField(required=False, min_value=1)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    due_before = serializers.DateTimeField(required=False)
    q = serializers.CharField(required=False, max_length=200)

    def validate_status(self, value):
        statuses = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in statuses if s not in TaskStatus.values]
        if unknown:
            raise serializers.ValidationError(f"Unknown status: {', '.join(unknown)}.")
        return statuses


class AssignSerializer(serializers.Serializer):
    assistant = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.ASSISTANT)
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class MessageBodySerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=20_000)


class AcceptSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "task", "author", "body", "internal", "created_at"]
        read_only_fields = ["id", "task", "author", "created_at"]
        extra_kwargs = {"body": {"max_length": 20_000}, "internal": {"required": False}}
