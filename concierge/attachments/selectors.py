"""Reads of attachments. Who may read a file is who may read its task (the task selector
decides: a former assignee loses the files with the task), and a file on an internal
note is staff-only like the note."""

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from concierge import errors, selectors
from concierge.errors import NotFound
from concierge.models import Attachment, Task, User


def attachments_visible_to(user: User) -> QuerySet[Attachment]:
    if not user.is_authenticated:
        return Attachment.objects.none()
    attachments = Attachment.objects.filter(
        task__in=selectors.tasks_visible_to(user).values("pk")
    ).select_related("uploaded_by")
    if user.is_client:
        attachments = attachments.exclude(message__internal=True)
    return attachments


def attachment_list(user: User, task: Task) -> QuerySet[Attachment]:
    """The files on `task` that `user` may read, oldest first."""
    return attachments_visible_to(user).filter(task=task).order_by("created_at", "id")


def attachment_get(user: User, attachment_id: int) -> Attachment:
    """One file the user may read, or 404."""
    attachment = attachments_visible_to(user).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such file."))
    return attachment


def task_attachment_usage(task: Task) -> tuple[int, int]:
    """(files, bytes) already on `task`, whoever may see them: what its limits count."""
    usage = Attachment.objects.filter(task=task).aggregate(
        files=Count("pk"), size=Coalesce(Sum("size"), 0)
    )
    return usage["files"], usage["size"]
