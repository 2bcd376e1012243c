"""Stored files follow their rows: whenever an attachment or a vault document is deleted
(by a service, or with its task, message or vault item), its files are deleted from
storage once the deletion commits, and never if it rolls back."""

from django.db.models.signals import post_delete

from concierge.models import Attachment, VaultDocument


def _forget_files(sender, instance, **kwargs):
    from concierge.attachments.services import stored_files_forget

    names = [
        getattr(instance, name).name for name in ("file", "thumbnail") if hasattr(instance, name)
    ]
    stored_files_forget([name for name in names if name])


def connect():
    for model in (Attachment, VaultDocument):
        post_delete.connect(_forget_files, sender=model, dispatch_uid=f"files.{model.__name__}")
