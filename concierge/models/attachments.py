"""Files on tasks and messages."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone

from concierge.attachments.storage import (
    attachment_path,
    attachment_storage,
    thumbnail_path,
)
from concierge.models.messages import Message
from concierge.models.tasks import Task


class Attachment(models.Model):
    """A file on a task: sent by the client (when delegating or in a message) or delivered
    by the assistant. Whoever may read the task may read its files, except a file on an
    internal note, which is staff-only like the note.

    The stored file has a random name in the private storage (concierge/attachments/storage.py); the
    name the uploader gave, sanitised, is `name`. `content_type` was decided from the
    content, never from the name.
    """

    task = models.ForeignKey(  # (task, created_at) below serves it
        Task, on_delete=models.CASCADE, related_name="attachments", db_index=False
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attachments"
    )
    # Attached when delivering: what the assistant hands over.
    deliverable = models.BooleanField(default=False)
    file = models.FileField(storage=attachment_storage, upload_to=attachment_path, max_length=255)
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    # A small WebP of an image, for previews; blank for other files.
    thumbnail = models.FileField(
        storage=attachment_storage, upload_to=thumbnail_path, max_length=255, blank=True
    )
    # When a malware scanner (CLAMD_SOCKET) found it clean; null when none is configured.
    scanned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at"], name="attachment_task_time")]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="attachment_has_name"),
            models.CheckConstraint(
                condition=~Q(content_type=""), name="attachment_has_content_type"
            ),
            models.CheckConstraint(condition=~Q(file=""), name="attachment_has_file"),
        ]

    def __str__(self):
        return f"{self.name} on task {self.task_id}"

    @property
    def is_image(self):
        return self.content_type.startswith("image/")
