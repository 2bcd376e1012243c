"""The audit log, for managers: who did what to which object, when, from where."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets

from concierge import audit, policies
from concierge.api.fields import DateTimeField, IdField
from concierge.api.permissions import allowed
from concierge.models import AuditLog, AuditOrigin


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2, "items": {}},
        "example": {"weekly_capacity_minutes": [2400, 1800]},
    }
)
class ChangesField(serializers.DictField):
    """`{field: [old, new]}`; a made object's fields go from null, a removed one's to null."""


class AuditLogSerializer(serializers.ModelSerializer):
    at = DateTimeField(read_only=True)
    actor = IdField(source="actor_id", read_only=True, allow_null=True)
    actor_name = serializers.CharField(
        read_only=True, help_text="As they were named then; blank: the service, or erased."
    )
    changes = ChangesField(read_only=True)
    note = serializers.CharField(read_only=True, help_text="The reason the actor gave, if any.")
    data = serializers.DictField(  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Serializer.data
        read_only=True,
        help_text="Facts of the action that change no field (a history's details, e.g. "
        "the chosen assistant and why, who moved a subscription).",
    )
    external_event = serializers.CharField(
        read_only=True, help_text="The payment provider's event that caused it, if one did."
    )
    origin = serializers.ChoiceField(choices=AuditOrigin.choices, read_only=True)

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "action",
            "target_type",
            "target_id",
            "changes",
            "note",
            "data",
            "external_event",
            "origin",
        ]
        read_only_fields = fields


class AuditFilterSerializer(serializers.Serializer):
    actor = IdField(required=False, help_text="Only what this person did.")
    target_type = serializers.CharField(
        required=False, max_length=100, help_text="A model's label, e.g. `assistants.timeoff`."
    )
    target_id = IdField(required=False)
    action = serializers.CharField(
        required=False,
        max_length=64,
        help_text="e.g. `time_off.entered`, `task.transition`, `invoice.pay`.",
    )
    since = DateTimeField(required=False, help_text="Only records at or after this instant.")


class AuditLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Managers: every recorded write, newest first. Others: 403."""

    serializer_class = AuditLogSerializer
    permission_classes = [allowed(policies.may_read_audit_log)]
    queryset = AuditLog.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        query = AuditFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return audit.records(**query.validated_data)

    @extend_schema(parameters=[AuditFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
