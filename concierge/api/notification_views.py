"""In-app notifications: a person's own, newest first, with the unread count; marking
them read; and per-kind e-mail preferences."""

from typing import cast

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from concierge import selectors, services
from concierge.api.fields import BoundedModelSerializer, IntegerField
from concierge.api.pagination import Pagination
from concierge.api.users import request_user
from concierge.models import Notification, NotificationKind


class NotificationSerializer(BoundedModelSerializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices, read_only=True)
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "data", "created_at", "read", "read_at"]
        read_only_fields = fields


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only unread (or only read)."
    )


class ReadAllSerializer(serializers.Serializer):
    marked = IntegerField(help_text="How many notifications were marked read.")
    unread_count = IntegerField()


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "boolean"},
        "example": {"invoice_issued": True, "task_message": False},
    }
)
class KindFlagsField(serializers.DictField):
    child = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer):
    email = KindFlagsField(
        help_text="Per notification kind, whether it also comes by e-mail (default: yes)."
    )
    kinds = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"kind": {"type": "string"}, "label": {"type": "string"}},
            },
        }
    )
    def get_kinds(self, obj) -> list:
        return [{"kind": value, "label": label} for value, label in NotificationKind.choices]


class PreferencesUpdateSerializer(serializers.Serializer):
    email = KindFlagsField()


class NotificationPagination(Pagination):
    """The usual page, plus `unread_count` over all the person's notifications."""

    unread_count = 0  # set by the view before the page is rendered

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["unread_count"] = self.unread_count
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["unread_count"] = {"type": "integer", "example": 3}
        schema["required"] = [*schema.get("required", []), "unread_count"]
        return schema


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What the service told you. Every person sees only their own."""

    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination
    queryset = Notification.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        query = NotificationFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.notifications_of(request_user(self.request), **query.validated_data)

    @extend_schema(parameters=[NotificationFilterSerializer])
    def list(self, request):
        paginator = cast(NotificationPagination, self.paginator)  # its pagination_class
        paginator.unread_count = selectors.notification_unread_count(request_user(request))
        return super().list(request)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=ReadAllSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = services.notification_mark_all_read(user=request.user)
        body = {"marked": marked, "unread_count": 0}
        return Response(ReadAllSerializer(body).data)

    @extend_schema(methods=["get"], request=None, responses=PreferencesSerializer)
    @extend_schema(
        methods=["patch"], request=PreferencesUpdateSerializer, responses=PreferencesSerializer
    )
    @action(detail=False, methods=["get", "patch"])
    def preferences(self, request):
        if request.method == "PATCH":
            data = PreferencesUpdateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            email = services.notification_preferences_set(
                user=request.user, email=data.validated_data["email"]
            )
        else:
            email = selectors.notification_preferences_of(request.user)
        return Response(PreferencesSerializer({"email": email}).data)
