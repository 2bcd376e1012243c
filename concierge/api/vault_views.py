"""The vault: items a client shares, revealed on purpose, every reveal in the audit."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from concierge import policies, vault_selectors, vault_services
from concierge.accounts import services as account_services
from concierge.api import vault_serializers as vs
from concierge.api.permissions import allowed
from concierge.api.users import request_user
from concierge.models import VaultItem

# Writes are the client's; reading metadata and revealing are scoped by the selectors
# (a manager's scope is empty: 404, never a secret); the audit is the client's and the
# managers'.
PERMISSIONS = {
    "list": allowed(policies.may_open_vault),
    "create": allowed(policies.may_keep_vault),
    "partial_update": allowed(policies.may_keep_vault),
    "destroy": allowed(policies.may_keep_vault),
    "reveals": allowed(policies.may_read_vault_access_log),
    "all_reveals": allowed(policies.may_read_vault_access_log),
}


def client_ip(request) -> str | None:
    """The peer address. Behind a proxy, configure it to set REMOTE_ADDR (a forwarded
    header can be forged by the caller, so it is not trusted here)."""
    return request.META.get("REMOTE_ADDR") or None


@extend_schema_view(
    list=extend_schema(
        parameters=[vs.VaultFilterSerializer], responses=vs.VaultItemSerializer(many=True)
    ),
    retrieve=extend_schema(responses=vs.VaultItemSerializer),
    create=extend_schema(
        request=vs.VaultItemCreateSerializer, responses={201: vs.VaultItemSerializer}
    ),
    partial_update=extend_schema(
        request=vs.VaultItemUpdateSerializer, responses=vs.VaultItemSerializer
    ),
    destroy=extend_schema(responses={204: None}),
)
class VaultItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A client's private items. Lists and details carry metadata and field names only;
    secret values come out of `reveal/` alone."""

    serializer_class = vs.VaultItemSerializer
    queryset = VaultItem.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"

    def get_permissions(self):
        return [PERMISSIONS.get(self.action, IsAuthenticated)()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        items = vault_selectors.vault_items_visible_to(request_user(self.request))
        if self.action == "list":
            query = vs.VaultFilterSerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            if "kind" in query.validated_data:
                items = items.filter(kind=query.validated_data["kind"])
            if "client" in query.validated_data:
                items = items.filter(client_id=query.validated_data["client"])
        return items

    def get_object(self):
        return vault_selectors.vault_item_get(request_user(self.request), self.kwargs["pk"])

    def create(self, request):
        data = vs.VaultItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = vault_services.vault_item_create(client=request.user, **data.validated_data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        item = self.get_object()
        data = vs.VaultItemUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        item = vault_services.vault_item_update(
            item=item, actor=request.user, **data.validated_data
        )
        return Response(self.get_serializer(item).data)

    def destroy(self, request, pk=None):
        vault_services.vault_item_delete(item=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=vs.RevealRequestSerializer, responses=vs.RevealedSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        item = self.get_object()
        # Secrets show only to someone who gave their password (or a code) lately.
        account_services.require_recent_authentication(request)
        data = vs.RevealRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        secrets, reveal = vault_services.vault_item_reveal(
            item=item,
            actor=request.user,
            purpose=data.validated_data["purpose"],
            task_id=data.validated_data.get("task"),
            ip_address=client_ip(request),
        )
        body = {"item": item.pk, "reveal": reveal.pk, "fields": secrets}
        response = Response(vs.RevealedSerializer(body).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        operation_id="v1_vault_item_reveals_list", responses=vs.VaultRevealSerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def reveals(self, request, pk=None):
        reveals = vault_selectors.vault_item_reveals(request.user, pk)
        page = self.paginate_queryset(reveals)
        return self.get_paginated_response(vs.VaultRevealSerializer(page, many=True).data)

    @extend_schema(
        parameters=[vs.RevealFilterSerializer], responses=vs.VaultRevealSerializer(many=True)
    )
    @action(detail=False, methods=["get"], url_path="reveals")
    def all_reveals(self, request):
        query = vs.RevealFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        reveals = vault_selectors.vault_reveals_visible_to(request.user).filter(
            **{f"{name}_id": value for name, value in query.validated_data.items()}
        )
        page = self.paginate_queryset(reveals)
        return self.get_paginated_response(vs.VaultRevealSerializer(page, many=True).data)
