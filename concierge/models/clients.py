"""A client's profile: their details and the assistants who serve them first."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from concierge.models.users import Role


class ClientProfile(models.Model):
    """What the service knows of a client beyond their account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_profile"
    )
    primary_assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_clients",
        limit_choices_to={"role": Role.ASSISTANT},
    )
    backup_assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backup_clients",
        limit_choices_to={"role": Role.ASSISTANT},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(primary_assistant__isnull=True)
                | Q(backup_assistant__isnull=True)
                | ~Q(primary_assistant=models.F("backup_assistant")),
                name="client_backup_differs_from_primary",
            ),
        ]

    def __str__(self):
        return f"client {self.user}"
