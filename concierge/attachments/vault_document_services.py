"""A vault item of kind `document` holding a file (a passport scan, a contract), encrypted
at rest like the item's other secrets.

The file is checked as any attachment is (type from its content, images cleaned, the
malware scan) and stored as one Fernet token under the vault's keys
(`FIELD_ENCRYPTION_KEYS`), so neither the storage nor its backups can read it. Getting it
back is a reveal: the same rules (the owner, or an assistant assigned an open task of the
client, naming it), recorded in the vault's access log like any other. Fernet encrypts a
whole message at once, so documents are smaller than other files
(`VAULT_DOCUMENT_MAX_BYTES`, 10 MB by default).
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from concierge import audit, errors, vault_services
from concierge.attachments import services as attachment_services
from concierge.attachments.uploads import OversizeFile
from concierge.errors import ApplicationError, Forbidden, Invalid, NotFound
from concierge.models import User, VaultDocument, VaultItem, VaultItemKind, VaultReveal
from concierge.platform import crypto


def _require_owner(item: VaultItem, actor: User) -> None:
    if actor.pk != item.client_id:
        raise Forbidden(errors.Code.PERMISSION_DENIED, _("Only the item's owner may change it."))


@transaction.atomic
def vault_document_attach(*, item: VaultItem, actor: User, upload: UploadedFile) -> VaultDocument:
    """`upload` becomes the item's document, replacing the one it held."""
    _require_owner(item, actor)
    if item.kind != VaultItemKind.DOCUMENT:
        raise Invalid(
            errors.Code.INVALID,
            _("Only a vault item of kind document holds a file."),
            fields={"file": [_("This item is not a document.")]},
        )
    limit = settings.VAULT_DOCUMENT_MAX_BYTES
    if isinstance(upload, OversizeFile) or (upload.size or 0) > limit:
        raise ApplicationError(
            errors.Code.FILE_TOO_LARGE,
            _("Vault documents are at most %(limit)s.")
            % {"limit": attachment_services.megabytes(limit)},
            status=413,
        )
    checked = attachment_services.attachment_check(upload)
    plaintext = checked.data.read()
    previous = VaultDocument.objects.filter(item=item).first()
    if previous is not None:
        previous.delete()  # its file goes once this commits
    document = VaultDocument(
        item=item, name=checked.name, size=len(plaintext), content_type=checked.kind.content_type
    )
    with attachment_services.stored_or_removed() as stored:
        document.file.save("document.bin", ContentFile(crypto.encrypt_bytes(plaintext)), save=False)
        stored.append(str(document.file.name))
        document.save()
    audit.record(
        actor=actor,
        action=audit.Action.VAULT_ITEM_CHANGED,
        target=item,
        changes={"document": [previous.name if previous else None, document.name]},
        about=item.client,
    )
    return document


@transaction.atomic
def vault_document_remove(*, item: VaultItem, actor: User) -> None:
    _require_owner(item, actor)
    document = VaultDocument.objects.filter(item=item).first()
    if document is None:
        raise NotFound(errors.Code.NOT_FOUND, _("This item holds no file."))
    document.delete()  # its file goes once this commits
    audit.record(
        actor=actor,
        action=audit.Action.VAULT_ITEM_CHANGED,
        target=item,
        changes={"document": [document.name, None]},
        about=item.client,
    )


def vault_document_get(item: VaultItem) -> VaultDocument:
    document = VaultDocument.objects.filter(item=item).first()
    if document is None:
        raise NotFound(errors.Code.NOT_FOUND, _("This item holds no file."))
    return document


@transaction.atomic
def vault_document_reveal(
    *,
    item: VaultItem,
    actor: User,
    purpose: str,
    task_id: int | None = None,
    ip_address: str | None = None,
) -> tuple[VaultDocument, bytes, VaultReveal]:
    """The document's bytes, for whoever may reveal the item, recorded as a reveal."""
    document = vault_document_get(item)
    _fields, reveal = vault_services.vault_item_reveal(
        item=item, actor=actor, purpose=purpose, task_id=task_id, ip_address=ip_address
    )
    with document.file.open("rb") as stored:
        token = stored.read()
    try:
        plaintext = crypto.decrypt_bytes(token)
    except crypto.DecryptionError as exc:
        raise ApplicationError(
            errors.Code.SECRET_UNREADABLE,
            _(
                "This document cannot be decrypted with the service's keys; an operator must "
                "restore the key it was written with."
            ),
            status=500,
        ) from exc
    return document, plaintext, reveal


def vault_documents_rotate() -> int:
    """Every vault document's file re-encrypted under the newest key (with
    `manage.py rotate_encryption_keys`): each written anew, its row pointed at it, and the
    old file deleted once that commits. Returns how many."""
    done = 0
    for pk in VaultDocument.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            document = VaultDocument.objects.select_for_update().filter(pk=pk).first()
            if document is None:
                continue
            with document.file.open("rb") as stored:
                token = crypto.rotate_bytes(stored.read())
            old = str(document.file.name)
            with attachment_services.stored_or_removed() as stored_names:
                document.file.save("document.bin", ContentFile(token), save=False)
                stored_names.append(str(document.file.name))
                document.save(update_fields=["file"])
            attachment_services.stored_files_forget([old])
            done += 1
    return done
