"""The vault: secrets a client shares, encrypted at rest, and the record of every reveal."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone

from concierge.attachments.storage import (
    attachment_storage,
    vault_document_path,
)
from concierge.models.tasks import Task
from concierge.platform.crypto import CiphertextField
from concierge.platform.models import AppendOnly


class VaultItemKind(models.TextChoices):
    LOGIN = "login", "Login"
    CARD = "card", "Card"
    DOCUMENT = "document", "Document"
    NOTE = "note", "Secure note"


class VaultItem(models.Model):
    """Something private a client shares with their assistants: a login, a card, a
    document, a note. The secret fields are one encrypted JSON object; only their names
    are stored in clear, so lists and details never need to decrypt."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vault_items"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=VaultItemKind)
    field_names = models.JSONField(default=list, blank=True)
    secret = CiphertextField()
    # A description for whoever uses the item ("the card for travel bookings"): not secret.
    notes = models.TextField(blank=True)
    # The client's choice: be told each time someone else reveals the item.
    notify_on_reveal = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=django_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=VaultItemKind.values), name="vault_item_kind_valid"
            ),
        ]

    def __str__(self):
        return self.title


class VaultReveal(models.Model):
    """The audit trail: one row per reveal of a vault item's secrets: who, when, which
    item, for which task, why, from which address. Rows are written once and never
    changed; an erasure redacts the erased person's details (the one exception)."""

    # The trail outlives the item: a deleted item's reveals keep its id and title.
    item = models.ForeignKey(
        VaultItem,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="reveals",
    )
    client = models.ForeignKey(  # the item's owner, whose audit this is
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    item_title = models.CharField(max_length=200)
    revealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vault_reveals"
    )
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="vault_reveals"
    )
    purpose = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    revealed_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["-revealed_at", "-id"]
        indexes = [models.Index(fields=["client", "revealed_at"], name="vault_reveal_client_time")]

    def __str__(self):
        return f"item {self.item_id} revealed by {self.revealed_by_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("A reveal is recorded once and never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("A reveal is never deleted.")


class VaultDocument(models.Model):
    """The file of a vault item of kind `document` (a passport scan), encrypted at rest
    like the item's other secrets: the stored bytes are a Fernet token."""

    item = models.OneToOneField(
        VaultItem, on_delete=models.CASCADE, primary_key=True, related_name="document"
    )
    file = models.FileField(
        storage=attachment_storage, upload_to=vault_document_path, max_length=255
    )
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()  # of the plaintext
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=django_timezone.now)

    def __str__(self):
        return f"document of vault item {self.item_id}"
