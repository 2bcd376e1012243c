"""`me/export/` (everything held about the person) and `me/erase/` (forget them)."""

import io
import json
import tempfile
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from concierge import policies, privacy
from concierge.api.fields import DateTimeField
from concierge.api.permissions import allowed
from concierge.api.serializers import UserSerializer
from concierge.api.task_serializers import MessageSerializer, TaskSerializer
from concierge.api.vault_serializers import VaultItemSerializer, VaultRevealSerializer
from concierge.api.vault_views import client_ip
from concierge.attachments import privacy as attachment_privacy


class ExportedVaultItemSerializer(VaultItemSerializer):
    field_names = serializers.ListField(child=serializers.CharField())
    fields = serializers.DictField(child=serializers.CharField(), help_text="The secrets.")

    class Meta(VaultItemSerializer.Meta):
        fields = [*VaultItemSerializer.Meta.fields, "field_names"]


class ExportSerializer(serializers.Serializer):
    """The export's shape: each list as the matching API endpoint shows its rows."""

    format = serializers.CharField(help_text=f"`{privacy.EXPORT_FORMAT}`")
    exported_at = DateTimeField()
    user = UserSerializer()
    client_profile = serializers.DictField(allow_null=True)
    tasks = TaskSerializer(many=True)
    task_events = serializers.ListField(child=serializers.DictField())
    messages = MessageSerializer(many=True)
    vault_items = ExportedVaultItemSerializer(many=True, help_text="With their secrets.")
    vault_reveals = VaultRevealSerializer(many=True)
    time_entries = serializers.ListField(
        child=serializers.DictField(), help_text="As `time-entries/{id}/` shows each."
    )
    assistant_profile = serializers.DictField(allow_null=True)
    subscriptions = serializers.ListField(
        child=serializers.DictField(), help_text="As `subscription/` shows each."
    )
    hour_packs = serializers.ListField(
        child=serializers.DictField(), help_text="As `packs/` shows each."
    )
    invoices = serializers.ListField(
        child=serializers.DictField(), help_text="As `invoices/{id}/` shows each."
    )
    calendar = serializers.DictField(help_text="`feeds`, `subscriptions`, `caldav_account`.")
    attachments = serializers.ListField(
        child=serializers.DictField(),
        help_text="As `attachments/{id}/` shows each, with `sha256` and `in_zip`, where the "
        "zip export holds the file.",
    )
    vault_documents = serializers.ListField(
        child=serializers.DictField(),
        help_text="A client's vault documents: `item, name, size, content_type, created_at, "
        "in_zip`; the zip export holds each file, decrypted.",
    )
    billing_details = serializers.DictField(
        allow_null=True,
        help_text="As `me/billing-details/` shows them; null when never given.",
    )
    client_brief = serializers.DictField(
        allow_null=True,
        help_text="A client's brief: `instructions, preferences, contacts, updated_at`; null "
        "when never written.",
    )


class ZipRenderer(BaseRenderer):
    """The export as a zip: `export.json`, one `invoices/<number>.json` per invoice and
    the files (`files/<id>/<name>`). Errors stay JSON. (The view writes a successful
    export itself, to a temporary file: the files are streamed into it.)"""

    media_type = "application/zip"
    format = "zip"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            response["Content-Type"] = "application/json"
            return json.dumps(data).encode()
        buffer = io.BytesIO()
        write_zip(buffer, data)
        return buffer.getvalue()


def write_zip(target, data, user=None):
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2))
        for invoice in data.get("invoices", []):
            name = invoice.get("number") or f"draft-{invoice['id']}"
            archive.writestr(
                f"invoices/{name}.json", json.dumps(invoice, cls=DjangoJSONEncoder, indent=2)
            )
        if user is not None:
            attachment_privacy.write_files(archive, data, user)


class ExportView(APIView):
    renderer_classes = [JSONRenderer, ZipRenderer, BrowsableAPIRenderer]

    @extend_schema(
        summary="Everything the service holds about you",
        description=(
            "JSON by default; `?format=zip` (or `Accept: application/zip`) gives a zip of "
            "`export.json` and one file per invoice. A client's vault comes with its "
            "secrets, and each item exported is recorded in the vault's access log."
        ),
        responses={
            (200, "application/json"): ExportSerializer,
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    def get(self, request, format=None):
        data = privacy.person_export(user=request.user, ip_address=client_ip(request))
        if (
            getattr(request, "accepted_renderer", None)
            and request.accepted_renderer.format == "zip"
        ):
            archive = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
            write_zip(archive, data, request.user)
            archive.seek(0)
            response: FileResponse | Response = FileResponse(
                archive,
                as_attachment=True,
                filename="concierge-export.zip",
                content_type=ZipRenderer.media_type,
            )
        else:
            response = Response(data)
        response["Cache-Control"] = "no-store"
        return response


class EraseRequestSerializer(serializers.Serializer):
    password = serializers.CharField(
        max_length=128, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )


class ErasedSerializer(serializers.Serializer):
    erased_at = DateTimeField()
    detail = serializers.CharField()


class EraseView(APIView):
    permission_classes = [allowed(policies.may_erase_self)]

    @extend_schema(
        summary="Erase your data",
        description=(
            "Destroys the vault, revokes every token and calendar feed, removes calendar "
            "links and anonymises the account. Invoices, their lines and the time entries "
            "they bill are kept as the law requires, with no personal detail. The e-mail "
            "address may then sign up again as a new person."
        ),
        request=EraseRequestSerializer,
        responses={202: ErasedSerializer},
    )
    def post(self, request):
        data = EraseRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = privacy.client_erase_self(
            user=request.user, password=data.validated_data["password"]
        )
        body = {
            "erased_at": user.erased_at,
            "detail": "Your data has been erased and your sessions and tokens revoked.",
        }
        return Response(ErasedSerializer(body).data, status=status.HTTP_202_ACCEPTED)
