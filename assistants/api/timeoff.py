from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from assistants import policies, selectors, services
from assistants.models import TimeOff
from concierge.api.fields import BoundedModelSerializer, IdField, IntegerField
from concierge.api.permissions import allowed
from concierge.api.users import request_user
from concierge.models import Role, User


class TimeOffSerializer(BoundedModelSerializer):
    assistant = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.ASSISTANT)
    )

    class Meta:
        model = TimeOff
        fields = ["id", "assistant", "starts_at", "ends_at", "reason", "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]


class MoveSerializer(serializers.Serializer):
    task = IntegerField()
    from_assistant = IntegerField()
    to_assistant = IntegerField(
        allow_null=True, help_text="Null: nobody was free; the task is flagged for managers."
    )
    reason = serializers.CharField()


class TimeOffCreatedSerializer(TimeOffSerializer):
    """The new time off, and what happened to each open task falling inside it."""

    moves = MoveSerializer(many=True, read_only=True)

    class Meta(TimeOffSerializer.Meta):
        fields = [*TimeOffSerializer.Meta.fields, "moves"]
        read_only_fields = fields


class TimeOffFilterSerializer(serializers.Serializer):
    assistant = IdField(required=False)


@extend_schema_view(
    list=extend_schema(parameters=[TimeOffFilterSerializer]),
    create=extend_schema(request=TimeOffSerializer, responses={201: TimeOffCreatedSerializer}),
)
class TimeOffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Assistants' time off: managers manage it; an assistant reads their own."""

    serializer_class = TimeOffSerializer

    def get_permissions(self):
        if self.action in ("create", "destroy"):
            return [allowed(policies.may_manage_time_off)()]
        return [allowed(policies.may_read_time_off)()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TimeOff.objects.none()
        queryset = selectors.time_off_visible_to(request_user(self.request))
        if self.action == "list":
            data = TimeOffFilterSerializer(data=self.request.query_params)
            data.is_valid(raise_exception=True)
            if "assistant" in data.validated_data:
                queryset = queryset.filter(assistant_id=data.validated_data["assistant"])
        return queryset

    def create(self, request):
        data = TimeOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created, moves = services.time_off_create(actor=request.user, **data.validated_data)
        body = {
            **TimeOffSerializer(created).data,
            "moves": MoveSerializer(moves, many=True).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.time_off_delete(actor=request_user(self.request), time_off=instance)
