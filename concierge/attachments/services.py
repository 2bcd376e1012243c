"""Writes of attachments: adding files to a task (alone, with a message, with a new task,
with a delivery) and deleting one.

A file is checked before anything is written: its size (413 `file_too_large`), its kind
from its content (415 `file_type_not_allowed`), the malware scanner's verdict when one is
configured; images are re-encoded without their metadata. Then, under the task's row lock,
the task's limits (409 `attachment_limit_reached`), and the file goes to the private
storage with its row. A failure after a file was stored removes it again.
"""

import contextlib
import datetime
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from concierge import audit, errors, services
from concierge.attachments import content, images, scan
from concierge.attachments.selectors import task_attachment_usage
from concierge.attachments.storage import attachment_storage
from concierge.attachments.uploads import OversizeFile
from concierge.errors import ApplicationError, Conflict, Forbidden, Invalid
from concierge.models import (
    Attachment,
    Message,
    NotificationKind,
    Task,
    TaskStatus,
    User,
    VaultDocument,
)
from concierge.notifications import addressed_to, notify

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


@dataclass
class Checked:
    """An upload found acceptable, ready to be stored."""

    name: str
    kind: content.FileKind
    data: File  # rewound; the received file, or the re-encoded image
    size: int
    sha256: str
    thumbnail: bytes = b""


def _too_large(size: int) -> ApplicationError:
    limit = settings.ATTACHMENT_MAX_BYTES
    return ApplicationError(
        errors.Code.FILE_TOO_LARGE,
        _("This file is %(size)s; files of at most %(limit)s are accepted.")
        % {"size": megabytes(size), "limit": megabytes(limit)},
        status=413,
    )


def megabytes(size: int) -> str:
    """A size as its reader writes it: "2.5 MB", "2,5 Mo"."""
    return _("%(megabytes)s MB") % {"megabytes": number_format(size / (1024 * 1024), 1)}


def _digest(stream: IO[bytes]) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return size, digest.hexdigest()


@contextlib.contextmanager
def _on_disk(upload: UploadedFile) -> Iterator[str]:
    """A path to the upload's bytes: its temporary file, or a copy made chunk by chunk."""
    if hasattr(upload, "temporary_file_path"):
        yield upload.temporary_file_path()
        return
    with tempfile.NamedTemporaryFile() as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy, CHUNK)
        copy.flush()
        upload.seek(0)
        yield copy.name


def attachment_check(upload: UploadedFile) -> Checked:
    """`upload` as it will be stored, or the error that refuses it (see the module)."""
    if isinstance(upload, OversizeFile) or (upload.size or 0) > settings.ATTACHMENT_MAX_BYTES:
        raise _too_large(upload.size or 0)
    if not upload.size:
        raise Invalid(errors.Code.INVALID, _("This file is empty."), fields={"file": [_("Empty.")]})
    with _on_disk(upload) as path:
        kind = content.identify(path, upload.name or "")
        if scan.configured():
            scan.scan(path)
        name = content.stored_name(upload.name or "", kind)
        if kind.is_image:
            clean = images.clean(path, kind)
            size, sha256 = _digest(clean.file)
            return Checked(name, kind, File(clean.file), size, sha256, clean.thumbnail)
    sha256 = getattr(upload, "sha256", "")
    if sha256:
        upload.seek(0)
        return Checked(name, kind, upload, upload.size, sha256)
    size, sha256 = _digest(upload)
    return Checked(name, kind, upload, size, sha256)


def _require_may_attach(task: Task, actor: User) -> None:
    """The task's client, its assignee or a manager; only while the task is open."""
    if actor.is_client and task.client_id != actor.pk:
        raise Forbidden(errors.Code.PERMISSION_DENIED, _("Only the task's client may do this."))
    if actor.is_assistant and task.assignee_id != actor.pk:
        raise Forbidden(errors.Code.NOT_ASSIGNEE, _("Only the task's assignee may do this."))
    if not (actor.is_client or actor.is_assistant or actor.is_manager):
        raise Forbidden(errors.Code.PERMISSION_DENIED, _("You may not add files to this task."))
    if not task.is_open:
        raise Conflict(errors.Code.TASK_CLOSED, _("Files cannot be added to a closed task."))


def may_attach(task: Task, actor: User) -> bool:
    """Whether `actor` may add files to `task` now (for pages that offer it)."""
    try:
        _require_may_attach(task, actor)
    except ApplicationError:
        return False
    return True


def _require_room(task: Task, checked: Sequence[Checked]) -> None:
    files, size = task_attachment_usage(task)
    if files + len(checked) > settings.ATTACHMENT_TASK_MAX_FILES:
        raise Conflict(
            errors.Code.ATTACHMENT_LIMIT_REACHED,
            _("A task holds at most %(count)s files.")
            % {"count": settings.ATTACHMENT_TASK_MAX_FILES},
        )
    total = settings.ATTACHMENT_TASK_MAX_BYTES
    if size + sum(c.size for c in checked) > total:
        raise Conflict(
            errors.Code.ATTACHMENT_LIMIT_REACHED,
            _("A task's files take at most %(total)s; this task has %(left)s left.")
            % {"total": megabytes(total), "left": megabytes(max(total - size, 0))},
        )


def _discard(names: Iterable[str]) -> None:
    storage = attachment_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # a file left behind is not worth failing for
            log.warning("could not delete stored file %s", name, exc_info=True)


@contextlib.contextmanager
def stored_or_removed() -> Iterator[list[str]]:
    """Collects the names stored inside; on an error, removes them and re-raises."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        _discard(stored)
        raise


def _store(
    *,
    task: Task,
    actor: User,
    checked: Sequence[Checked],
    stored: list[str],
    message: Message | None = None,
    deliverable: bool = False,
) -> list[Attachment]:
    now = timezone.now()
    made = []
    for item in checked:
        attachment = Attachment(
            task=task,
            message=message,
            uploaded_by=actor,
            deliverable=deliverable,
            name=item.name,
            size=item.size,
            content_type=item.kind.content_type,
            sha256=item.sha256,
            scanned_at=now if scan.configured() else None,
            created_at=now,
        )
        # The stored name is random (concierge/attachments/storage.py), with the extension
        # of what the content is.
        attachment.file.save(f"file{item.kind.extension}", item.data, save=False)
        stored.append(str(attachment.file.name))
        if item.thumbnail:
            attachment.thumbnail.save("preview.webp", ContentFile(item.thumbnail), save=False)
            stored.append(str(attachment.thumbnail.name))
            item.data.close()  # the re-encoded image's temporary file, stored now
        attachment.save()
        made.append(attachment)
    return made


def _tell_about_files(task: Task, actor: User, attachments: Sequence[Attachment]) -> None:
    """Files added without a message: the other side hears of them as of a message."""
    if actor.is_client:
        readers = [task.assignee_id] if task.assignee_id else []
    else:
        readers = [task.client_id]
    names = ", ".join(a.name for a in attachments)
    for user_id in readers:
        with addressed_to(user_id):
            notify(
                user_id=user_id,
                kind=NotificationKind.TASK_MESSAGE,
                data={"task": task.pk},
                subject=_("New file on %(title)s") % {"title": task.title},
                body=_("Added by %(name)s: %(files)s") % {"name": actor.full_name, "files": names},
            )


def _checked_all(files: Sequence[UploadedFile]) -> list[Checked]:
    if not files:
        raise Invalid(errors.Code.INVALID, _("Choose a file."), fields={"file": [_("Required.")]})
    return [attachment_check(upload) for upload in files]


@transaction.atomic
def attachments_add(
    *,
    task: Task,
    actor: User,
    files: Sequence[UploadedFile],
    message: str = "",
    internal: bool = False,
) -> list[Attachment]:
    """`files` added to `task` by `actor`, with `message` posted beside them (an internal
    note when `internal`: its files are staff-only too)."""
    _require_may_attach(task, actor)
    checked = _checked_all(files)
    task = services.locked(task)
    _require_may_attach(task, actor)  # still, now that it is locked
    _require_room(task, checked)
    posted = None
    # Files a client sends to a task waiting on them are their reply (the task moves on).
    replying = actor.is_client and task.status == TaskStatus.WAITING_ON_CLIENT
    if message or internal or replying:
        posted = services.message_create(
            task=task, author=actor, body=message or _("Files attached."), internal=internal
        )
    with stored_or_removed() as stored:
        made = _store(task=task, actor=actor, checked=checked, stored=stored, message=posted)
    if posted is None:
        _tell_about_files(task, actor, made)
    return made


@transaction.atomic
def task_create_with_files(*, client: User, files: Sequence[UploadedFile], **fields: Any) -> Task:
    """A client delegates a task with its files: both or neither (a refused file leaves
    no task behind)."""
    checked = [attachment_check(upload) for upload in files]
    task = services.task_create(client=client, **fields)
    if checked:
        _require_room(services.locked(task), checked)
        with stored_or_removed() as stored:
            _store(task=task, actor=client, checked=checked, stored=stored)
    return task


@transaction.atomic
def task_deliver_with_files(
    *, task: Task, actor: User, files: Sequence[UploadedFile], message: str = ""
) -> Task:
    """The assignee delivers with the deliverables attached: both or neither."""
    if files:
        _require_may_attach(task, actor)
    checked = [attachment_check(upload) for upload in files]
    if checked:
        _require_room(services.locked(task), checked)
    with stored_or_removed() as stored:
        _store(task=task, actor=actor, checked=checked, stored=stored, deliverable=True)
        return services.task_deliver(task=task, actor=actor, message=message)


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor: User) -> None:
    """Its uploader takes a file back while the task is open; the stored bytes go once
    the deletion has committed."""
    task = services.locked(attachment.task)
    if attachment.uploaded_by_id != actor.pk:
        raise Forbidden(errors.Code.NOT_UPLOADER, _("Only whoever added a file may delete it."))
    if not task.is_open:
        raise Conflict(errors.Code.TASK_CLOSED, _("Files of a closed task are kept."))
    audit.record(
        actor=actor,
        action=audit.Action.ATTACHMENT_REMOVED,
        target=attachment,
        changes=audit.removed(
            audit.snapshot(attachment, ("task_id", "message_id", "name", "size"))
        ),
        about=task.client,
    )
    attachment.delete()  # its stored files go once this commits (signals.py)


def attachments_forget(attachments: QuerySet[Attachment]) -> int:
    """Rows of `attachments` deleted (erasure, inside its transaction); their stored
    files once it commits (signals.py)."""
    deleted, _by_model = attachments.delete()
    return deleted


def stored_files_forget(names: Sequence[str]) -> None:
    """Stored files deleted once the current transaction commits (never if it rolls back:
    the rows that name them are still there)."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: _discard(names))


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}" if folder else directory)


def stored_files_sweep(*, older_than: datetime.timedelta, dry_run: bool = False) -> list[str]:
    """Stored files no row names, older than `older_than`, deleted (unless `dry_run`);
    returns their names. They are left by a process that died between storing a file and
    committing its row: every other path removes its own."""
    storage = attachment_storage()
    cutoff = timezone.now() - older_than
    orphans: list[str] = []
    for top in ("files", "thumbnails", "vault"):
        if not _has_files(storage, top):
            continue
        batch: list[str] = []
        for name in _walk(storage, top):
            batch.append(name)
            if len(batch) == 500:
                orphans += _unreferenced(storage, batch, cutoff)
                batch = []
        orphans += _unreferenced(storage, batch, cutoff)
    if not dry_run:
        _discard(orphans)
    return orphans


def _has_files(storage: Storage, folder: str) -> bool:
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return False
    return bool(directories or files)


def _unreferenced(storage: Storage, names: list[str], cutoff: datetime.datetime) -> list[str]:
    if not names:
        return []
    named = (
        set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
        | set(Attachment.objects.filter(thumbnail__in=names).values_list("thumbnail", flat=True))
        | set(VaultDocument.objects.filter(file__in=names).values_list("file", flat=True))
    )
    return [n for n in names if n not in named and storage.get_modified_time(n) < cutoff]
