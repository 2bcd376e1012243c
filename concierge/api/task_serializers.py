from typing import Any, cast

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from concierge import hooks
from concierge.api.compiled import reads
from concierge.api.fields import (
    BoundedModelSerializer,
    DateTimeField,
    IdField,
    IntegerField,
    SingleLineCharField,
)
from concierge.models import Message, Role, Task, TaskPriority, TaskStatus, User


class AssignmentHistorySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["assigned", "flagged"],
        help_text="`flagged`: nobody free could take the task over; a manager must choose.",
    )
    assistant = IntegerField(allow_null=True)
    previous = IntegerField(allow_null=True)
    by = IntegerField(allow_null=True, help_text="Who did it; null: the service.")
    at = DateTimeField()
    reason = serializers.CharField(allow_blank=True)


class StatusHistorySerializer(serializers.Serializer):
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField()
    by = IntegerField(allow_null=True, help_text="Who did it; null: the service.")
    at = DateTimeField()
    note = serializers.CharField(allow_blank=True)


class TaskListSerializer(serializers.ListSerializer):
    """Tasks rendered together: which of them are at risk is worked out once for all."""

    child: "TaskSerializer"

    def to_representation(self, data):
        tasks = list(data.all() if hasattr(data, "all") else data)
        # The context is the root's dict, which the child reads (the stubs type it as a
        # read-only Mapping).
        context = cast(dict[str, Any], self.context)
        context["at_risk_ids"] = self.child.tasks_at_risk(tasks)
        return super().to_representation(tasks)


class TaskSerializer(BoundedModelSerializer):
    client_name = serializers.CharField(
        source="client.full_name", read_only=True, help_text="The client's display name."
    )
    assignee_name = serializers.CharField(
        source="assignee.full_name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The assistant's display name; null while unassigned.",
    )
    logged_minutes = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    at_risk = serializers.SerializerMethodField()
    assignment_history = serializers.SerializerMethodField()
    status_history = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "client",
            "client_name",
            "assignee",
            "assignee_name",
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
            "flagged_at",
            "flag_reason",
            "assignment_history",
            "status_history",
        ]
        read_only_fields = fields
        list_serializer_class = TaskListSerializer

    def tasks_at_risk(self, tasks):
        return hooks.tasks_at_risk(tasks, now=self.context.get("now") or timezone.now())

    @extend_schema_field(AssignmentHistorySerializer(many=True))
    @reads("history_events")
    def get_assignment_history(self, task) -> list:
        """Who had the task, from when, given by whom and why (oldest first)."""
        return [
            {
                "kind": "assigned" if event.kind == "assign" else "flagged",
                "assistant": event.data.get("assistant"),
                "previous": event.data.get("previous"),
                "by": event.actor_id,
                "at": event.created_at,
                "reason": event.data.get("reason", event.note),
            }
            for event in task.history_events
            if event.kind in ("assign", "flag")
        ]

    @extend_schema_field(StatusHistorySerializer(many=True))
    @reads("history_events")
    def get_status_history(self, task) -> list:
        """Every change of status: from, to, by whom, when, and the note given."""
        return [
            {
                "from_status": event.from_status,
                "to_status": event.to_status,
                "by": event.actor_id,
                "at": event.created_at,
                "note": event.note,
            }
            for event in task.history_events
            if event.to_status and event.to_status != event.from_status
        ]

    @extend_schema_field(OpenApiTypes.INT)
    @reads("logged_duration")
    def get_logged_minutes(self, task) -> int:
        duration = getattr(task, "logged_duration", None)
        return int(duration.total_seconds() // 60) if duration else 0

    @extend_schema_field(OpenApiTypes.BOOL)
    @reads("status", "promised_due_at")
    def get_overdue(self, task) -> bool:
        return task.is_overdue(self.context.get("now"))

    @extend_schema_field(OpenApiTypes.BOOL)
    @reads("status", "promised_due_at", "assignee_id")
    def get_at_risk(self, task) -> bool:
        """Open, not yet overdue, but its assignee's open work due no later no longer fits
        in their working hours before the promise."""
        risky = self.context.get("at_risk_ids")
        return task.pk in (self.tasks_at_risk([task]) if risky is None else risky)


class TaskCreateSerializer(serializers.Serializer):
    title = SingleLineCharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(
        choices=TaskPriority.choices, required=False, default=TaskPriority.NORMAL
    )
    requested_due_at = DateTimeField(required=False, allow_null=True, default=None)
    estimate_minutes = IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True, default=None
    )
    max_minutes = IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True, default=None
    )
    recurrence = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    scheduled_start = DateTimeField(required=False, allow_null=True, default=None)
    scheduled_end = DateTimeField(required=False, allow_null=True, default=None)


class TaskUpdateSerializer(serializers.Serializer):
    title = SingleLineCharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.CharField(max_length=64, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    requested_due_at = DateTimeField(required=False, allow_null=True)
    estimate_minutes = IntegerField(min_value=1, max_value=100_000, required=False, allow_null=True)
    max_minutes = IntegerField(min_value=1, max_value=100_000, required=False, allow_null=True)
    scheduled_start = DateTimeField(required=False, allow_null=True)
    scheduled_end = DateTimeField(required=False, allow_null=True)


class TaskFilterSerializer(serializers.Serializer):
    status = serializers.CharField(
        required=False, help_text="One status or several, comma-separated."
    )
    assignee = IdField(required=False)
    client = IdField(required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    due_before = DateTimeField(required=False)
    q = serializers.CharField(required=False, max_length=200)
    flagged = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only tasks flagged for a manager (nobody free could take them over).",
    )
    unassigned = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only open tasks with no assignee (`false`: only assigned ones).",
    )
    category = serializers.CharField(required=False, max_length=64, help_text="A category code.")

    def validate_status(self, value):
        statuses = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in statuses if s not in TaskStatus.values]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown status: %(statuses)s.") % {"statuses": ", ".join(unknown)}
            )
        return statuses


class AssignSerializer(serializers.Serializer):
    assistant = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.ASSISTANT)
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class MessageBodySerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=20_000)


class AcceptSerializer(serializers.Serializer):
    rating = IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class MessageSerializer(BoundedModelSerializer):
    author_name = serializers.CharField(
        source="author.full_name", read_only=True, help_text="The author's display name."
    )

    class Meta:
        model = Message
        fields = ["id", "task", "author", "author_name", "body", "internal", "created_at"]
        read_only_fields = ["id", "task", "author", "author_name", "created_at"]
        extra_kwargs = {"body": {"max_length": 20_000}, "internal": {"required": False}}
