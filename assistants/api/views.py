from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from assistants import cost_rates, policies, selectors, services
from assistants.api import serializers
from assistants.models import AssistantProfile
from concierge.api.permissions import allowed
from concierge.api.users import request_user
from concierge.models import Role


class AssistantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Assistants, by user id. Managers create and edit them; an assistant reads themself.

    A client lists and reads the assistants serving them (primary, backup, or assigned one
    of their open tasks), with only their names, time zone and `serves_you_as`; any other
    assistant is a 404 to them.
    """

    serializer_class = serializers.AssistantSerializer
    queryset = AssistantProfile.objects.none()
    lookup_field = "user_id"
    lookup_url_kwarg = "pk"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action == "list":
            return [allowed(policies.may_list_assistants)()]
        if self.action in ("create", "partial_update"):
            return [allowed(policies.may_manage_assistants)()]
        return [IsAuthenticated()]

    def _for_client(self) -> bool:
        return getattr(self.request.user, "role", None) == Role.CLIENT

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, read without a person
            return self.queryset
        if self._for_client():
            return selectors.assistants_serving(request_user(self.request)).order_by("user_id")
        return selectors.assistants_visible_to(request_user(self.request))

    def get_serializer_class(self):
        if self._for_client():
            return serializers.AssistantPublicSerializer
        if getattr(self.request.user, "role", None) == Role.MANAGER:
            return serializers.AssistantManagerSerializer
        return serializers.AssistantSerializer

    def _set_cost_rate(self, profile, fields):
        if "cost_rate" not in fields:
            return profile
        return cost_rates.assistant_cost_rate_set(
            actor=request_user(self.request), profile=profile, cost_rate=fields["cost_rate"]
        )

    @extend_schema(
        request=serializers.AssistantCreateSerializer,
        responses={201: serializers.AssistantManagerSerializer},
    )
    def create(self, request):
        data = serializers.AssistantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        cost = {"cost_rate": fields.pop("cost_rate")} if "cost_rate" in fields else {}
        profile = self._set_cost_rate(services.assistant_create(**fields), cost)
        return Response(self.get_serializer(profile).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.AssistantWriteSerializer,
        responses=serializers.AssistantManagerSerializer,
    )
    def partial_update(self, request, pk=None):
        profile = self.get_object()
        data = serializers.AssistantWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        cost = {"cost_rate": fields.pop("cost_rate")} if "cost_rate" in fields else {}
        profile = services.assistant_update(profile=profile, actor=request.user, **fields)
        return Response(self.get_serializer(self._set_cost_rate(profile, cost)).data)
