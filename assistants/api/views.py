from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from assistants import selectors, services
from assistants.api import serializers
from concierge.api.permissions import IsManager, IsStaff


class AssistantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Assistants, by user id. Managers create and edit them; an assistant reads themself."""

    serializer_class = serializers.AssistantSerializer
    lookup_field = "user_id"
    lookup_url_kwarg = "pk"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("list", "create", "partial_update"):
            return [IsManager()]
        return [IsStaff()]

    def get_queryset(self):
        return selectors.assistants_visible_to(self.request.user)

    @extend_schema(
        request=serializers.AssistantCreateSerializer,
        responses={201: serializers.AssistantSerializer},
    )
    def create(self, request):
        data = serializers.AssistantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.assistant_create(**data.validated_data)
        return Response(self.get_serializer(profile).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.AssistantWriteSerializer, responses=serializers.AssistantSerializer
    )
    def partial_update(self, request, pk=None):
        profile = self.get_object()
        data = serializers.AssistantWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        profile = services.assistant_update(
            profile=profile, actor=request.user, **data.validated_data
        )
        return Response(self.get_serializer(profile).data)
