"""A vault document's file: `vault/{id}/document/` (GET its name, size and type; POST a
file, multipart, to set it; DELETE it) and `vault/{id}/document/reveal/` (the file
itself, recorded as a reveal). Scoped like the vault: another client's item is 404."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from concierge import vault_selectors
from concierge.accounts import services as account_services
from concierge.api.users import request_user
from concierge.api.vault_serializers import RevealRequestSerializer
from concierge.api.vault_views import client_ip
from concierge.attachments import vault_document_services as documents
from concierge.attachments.responses import bytes_response
from concierge.models import VaultDocument


class VaultDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = VaultDocument
        fields = ["item", "name", "size", "content_type", "created_at"]
        read_only_fields = fields


class VaultDocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,
        use_url=False,
        help_text="The document (multipart): at most VAULT_DOCUMENT_MAX_BYTES (10 MB).",
    )


class VaultDocumentView(APIView):
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    def _item(self, pk):
        return vault_selectors.vault_item_get(request_user(self.request), pk)

    @extend_schema(responses=VaultDocumentSerializer)
    def get(self, request, pk):
        return Response(VaultDocumentSerializer(documents.vault_document_get(self._item(pk))).data)

    @extend_schema(
        request={"multipart/form-data": VaultDocumentUploadSerializer},
        responses={201: VaultDocumentSerializer},
    )
    def post(self, request, pk):
        item = self._item(pk)
        data = VaultDocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = documents.vault_document_attach(
            item=item, actor=request.user, upload=data.validated_data["file"]
        )
        return Response(VaultDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        documents.vault_document_remove(item=self._item(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VaultDocumentRevealView(APIView):
    """The document itself (always as a download), for the client or an assistant
    assigned an open task of theirs, with `purpose` (and `task`); recorded as a reveal."""

    @extend_schema(
        request=RevealRequestSerializer,
        responses={(200, "*/*"): OpenApiResponse(description="The document.")},
    )
    def post(self, request, pk):
        item = vault_selectors.vault_item_get(request.user, pk)
        account_services.require_recent_authentication(request)
        data = RevealRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document, plaintext, reveal = documents.vault_document_reveal(
            item=item,
            actor=request.user,
            purpose=data.validated_data["purpose"],
            task_id=data.validated_data.get("task"),
            ip_address=client_ip(request),
        )
        response = bytes_response(plaintext, name=document.name, content_type=document.content_type)
        response["X-Vault-Reveal"] = str(reveal.pk)
        return response
