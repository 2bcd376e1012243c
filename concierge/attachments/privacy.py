"""Files in a person's export, and gone with their erasure (registered with
`concierge.hooks` in the app's `ready()`).

The export lists the files about the person (a client's: every file on their tasks that
they may read; an assistant's: those on the tasks they hold now; anyone's: those they
added) and a client's vault documents; the zip export carries the files themselves,
copied in chunks from storage (vault documents decrypted).
An erased client's files are deleted from storage, local or object, once the erasure
commits; a vault document's encrypted file goes with the vault.
"""

import shutil
import zipfile

from django.db.models import Q, QuerySet

from concierge.api.attachment_serializers import AttachmentSerializer
from concierge.attachments import selectors, services
from concierge.models import Attachment, User, VaultDocument
from concierge.platform import crypto

CHUNK = 1024 * 1024


def _about(user: User) -> QuerySet[Attachment]:
    mine = Attachment.objects.filter(uploaded_by=user)
    if user.is_manager:
        return mine.select_related("uploaded_by")
    visible = selectors.attachments_visible_to(user).values("pk")
    about = Attachment.objects.filter(Q(pk__in=visible) | Q(pk__in=mine.values("pk")))
    return about.select_related("uploaded_by")


def member_name(row: dict) -> str:
    """Where a file sits in the zip export: `files/<id>/<its name>`."""
    return f"files/{row['id']}/{row['name']}"


def export_attachments(user: User) -> list[dict]:
    rows = []
    for attachment in _about(user).order_by("created_at", "id"):
        row = dict(AttachmentSerializer(attachment).data)
        row["sha256"] = attachment.sha256
        row["in_zip"] = member_name(row)
        rows.append(row)
    return rows


def export_vault_documents(user: User) -> list[dict]:
    """A client's vault documents (the zip export carries them, decrypted: the vault's
    export records a reveal of each item)."""
    documents = VaultDocument.objects.filter(item__client=user).order_by("item_id")
    return [
        {
            "item": document.item_id,
            "name": document.name,
            "size": document.size,
            "content_type": document.content_type,
            "created_at": document.created_at.isoformat(),
            "in_zip": f"vault/{document.item_id}/{document.name}",
        }
        for document in documents
    ]


def write_files(archive: zipfile.ZipFile, data: dict, user: User) -> None:
    """Each exported file into `archive`, streamed (the rows are the person's own export:
    read again through the same scope, so a row cannot name someone else's file)."""
    for document in VaultDocument.objects.filter(item__client=user).order_by("item_id"):
        with document.file.open("rb") as stored:
            plaintext = crypto.decrypt_bytes(stored.read())
        archive.writestr(f"vault/{document.item_id}/{document.name}", plaintext)
    rows = data.get("attachments", [])
    by_id = {a.pk: a for a in _about(user).filter(pk__in=[row["id"] for row in rows])}
    for row in rows:
        attachment = by_id.get(row["id"])
        if attachment is None:
            continue
        with (
            attachment.file.open("rb") as source,
            archive.open(member_name(row), "w", force_zip64=True) as target,
        ):
            shutil.copyfileobj(source, target, CHUNK)


def erase(user: User) -> None:
    """An erased client's files, and their vault documents' files, leave storage."""
    services.attachments_forget(Attachment.objects.filter(task__client=user))
    # The vault's items go with the erasure; their documents' files with them (signals.py).
    VaultDocument.objects.filter(item__client=user).delete()
