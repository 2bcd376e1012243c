import logging

from django.conf import settings
from django.contrib.auth import logout
from django.db import connection
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from concierge import categories, policies, selectors, services
from concierge.accounts import api as account_api
from concierge.accounts import services as account_services
from concierge.accounts import throttles
from concierge.accounts.models import AccountSession
from concierge.api import serializers
from concierge.api.compiled import CompiledListMixin
from concierge.api.permissions import IsStaff, allowed
from concierge.api.users import request_user
from concierge.models import ClientProfile

logger = logging.getLogger(__name__)


class RegisterView(APIView):
    """Sign-up. With ACCOUNT_EMAIL_VERIFICATION=mandatory: 202, the same answer for a new
    and a taken address (the new one gets a verification link, the taken one's owner a
    notice); otherwise 201 with the new client."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=serializers.RegisterSerializer,
        responses={201: serializers.UserSerializer, 202: account_api.AcceptedEmailSerializer},
    )
    def post(self, request):
        throttles.address_attempt(request, "register")
        data = serializers.RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = account_services.register(request, **data.validated_data)
        if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory":
            return account_api.accepted(
                "Check your inbox: the link we sent confirms your address.",
                email=data.validated_data["email"],
            )
        return Response(serializers.UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """A token for e-mail and password (and `code` once a second factor is set up)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        request=serializers.TokenRequestSerializer, responses={200: serializers.TokenSerializer}
    )
    def post(self, request):
        data = serializers.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = account_services.token_obtain(request, **data.validated_data)
        return Response(serializers.TokenSerializer(token).data)


class LogoutView(APIView):
    """Ends the session presented: the token (or the browser session) stops working."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, AccountSession):
            services.token_revoke(token=request.auth)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategorySerializer(drf_serializers.Serializer):
    code = drf_serializers.CharField(help_text="What `category` and `skills` hold.")
    label = drf_serializers.CharField(help_text="In the request's language.")  # type: ignore[assignment]  # a declared field: DRF's metaclass takes it off the class, so it never shadows Field.label


class CategoryListView(APIView):
    """The categories a task may name and an assistant's skills list: the active ones of
    the vocabulary managers keep (admin), in their order. A short list, not paginated."""

    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request):
        rows = [{"code": code, "label": label} for code, label in categories.choices()]
        return Response(CategorySerializer(rows, many=True).data)


class MeView(APIView):
    @extend_schema(responses=serializers.UserSerializer)
    def get(self, request):
        return Response(serializers.UserSerializer(request.user).data)

    @extend_schema(request=serializers.MeUpdateSerializer, responses=serializers.UserSerializer)
    def patch(self, request):
        data = serializers.MeUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, **data.validated_data)
        return Response(serializers.UserSerializer(user).data)


class ClientViewSet(
    CompiledListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Clients, by user id. Managers see and edit all; assistants read those they serve."""

    serializer_class = serializers.ClientSerializer
    queryset = ClientProfile.objects.none()
    lookup_field = "user_id"
    lookup_url_kwarg = "pk"
    http_method_names = ["get", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("update", "partial_update"):
            return [allowed(policies.may_manage_clients)()]
        return [IsStaff()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, read without a person
            return self.queryset
        return selectors.clients_visible_to(request_user(self.request))

    def perform_update(self, serializer):
        serializer.instance = services.client_profile_update(
            profile=serializer.instance,
            actor=request_user(self.request),
            **serializer.validated_data,
        )


def healthz(request):
    """Liveness and database reachability, for load balancers and `make run`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        # Logged for operators; the answer names no host, database or driver message.
        logger.exception("Health check: the database is unreachable.")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
