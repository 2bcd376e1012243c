from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from concierge.api.fields import BoundedModelSerializer
from concierge.models import Attachment


class AttachmentSerializer(BoundedModelSerializer):
    uploaded_by_name = serializers.CharField(
        source="uploaded_by.full_name", read_only=True, help_text="The uploader's display name."
    )
    size = serializers.IntegerField(read_only=True, help_text="In bytes, as stored.")
    content_type = serializers.CharField(
        read_only=True, help_text="Decided from the file's content, never from its name."
    )
    download_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "task",
            "message",
            "name",
            "size",
            "content_type",
            "deliverable",
            "uploaded_by",
            "uploaded_by_name",
            "created_at",
            "download_url",
            "preview_url",
        ]
        read_only_fields = fields

    def _url(self, name, attachment):
        url = reverse(name, kwargs={"pk": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment) -> str:
        """The file, for whoever may read the task (images and PDF shown in the browser,
        other files downloaded; `?download=1` always downloads)."""
        return self._url("attachment-download", attachment)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_preview_url(self, attachment) -> str | None:
        """A small WebP of an image; null for other files."""
        if not attachment.thumbnail:
            return None
        return self._url("attachment-preview", attachment)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # refused by the service with its own sentence
        max_length=None,
        use_url=False,
        help_text="The file (multipart). At most ATTACHMENT_MAX_BYTES (25 MB by default); "
        "images, PDF, office documents, text.",
    )
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20_000,
        help_text="Posted on the task with the file.",
    )


class DownloadSerializer(serializers.Serializer):
    download = serializers.BooleanField(
        required=False, default=False, help_text="Always as a download, never shown inline."
    )
