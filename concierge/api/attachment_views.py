"""Files on tasks: list and add (`tasks/{id}/attachments/`), read the metadata, download,
preview and delete (`attachments/{id}/…`). Who may read a file is who may read its task;
another person's task or file is a 404."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, parsers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from concierge import selectors
from concierge.api import attachment_serializers as s
from concierge.api.idempotency import idempotent
from concierge.api.users import request_user
from concierge.attachments import responses
from concierge.attachments import selectors as attachment_selectors
from concierge.attachments import services as attachment_services
from concierge.models import Attachment

_FILE = OpenApiResponse(description="The file (or a redirect to a short-lived URL of it).")


class TaskAttachmentsView(generics.GenericAPIView):
    """The files on a task, oldest first; POST adds one (multipart `file`, optional
    `message`). Accepts `Idempotency-Key`."""

    serializer_class = s.AttachmentSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        task = selectors.task_get(request_user(self.request), self.kwargs["task_id"])
        return attachment_selectors.attachment_list(request_user(self.request), task)

    @extend_schema(responses=s.AttachmentSerializer(many=True))
    def get(self, request, task_id):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
    )
    @idempotent
    def post(self, request, task_id):
        task = selectors.task_get(request.user, task_id)
        data = s.AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        (attachment,) = attachment_services.attachments_add(
            task=task,
            actor=request.user,
            files=[data.validated_data["file"]],
            message=data.validated_data.get("message", ""),
        )
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDetailView(generics.GenericAPIView):
    """A file's metadata; DELETE (its uploader, while the task is open) removes it."""

    serializer_class = s.AttachmentSerializer

    def get_object(self):
        return attachment_selectors.attachment_get(request_user(self.request), self.kwargs["pk"])

    def get(self, request, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        attachment_services.attachment_delete(attachment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentDownloadView(APIView):
    """The file itself: images and PDF shown in the browser, other files (and any with
    `?download=1`) downloaded; from object storage, a redirect to a URL valid for
    ATTACHMENT_URL_SECONDS."""

    @extend_schema(parameters=[s.DownloadSerializer], responses={(200, "*/*"): _FILE, 302: _FILE})
    def get(self, request, pk):
        query = s.DownloadSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        attachment = attachment_selectors.attachment_get(request.user, pk)
        return responses.file_response(attachment, download=query.validated_data["download"])


class AttachmentPreviewView(APIView):
    """A small WebP of an image file (404 for other files)."""

    @extend_schema(responses={(200, "image/webp"): _FILE, 302: _FILE})
    def get(self, request, pk):
        attachment = attachment_selectors.attachment_get(request.user, pk)
        if not attachment.thumbnail:
            raise Http404("This file has no preview.")
        return responses.file_response(attachment, preview=True)
