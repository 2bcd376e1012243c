"""Messages on a task, internal notes among them."""

from django.conf import settings
from django.db import models
from django.utils import timezone as django_timezone

from concierge.models.tasks import Task


class Message(models.Model):
    """A message on a task between the client, the assignee and managers. An internal note
    is seen by staff only."""

    task = models.ForeignKey(  # (task, created_at) below serves it
        Task, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="task_messages"
    )
    body = models.TextField()
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at"])]

    def __str__(self):
        return f"message {self.pk} on task {self.task_id}"
