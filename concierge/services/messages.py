"""Messages on a task: the conversation between a client and the people doing the work."""

from django.db import transaction
from django.utils.translation import gettext as _

from concierge import policies
from concierge.models import (
    Message,
    NotificationKind,
    Task,
    User,
)
from concierge.notifications import addressed_to, notify
from concierge.services.locking import locked
from concierge.services.tasks import S, _transition


@transaction.atomic
def message_create(*, task: Task, author: User, body: str, internal: bool = False) -> Message:
    """The client, the assignee or a manager writes on a task; internal notes are staff-only."""
    policies.require_write_message(author, task, internal=internal)
    message = Message.objects.create(task=task, author=author, body=body, internal=internal)
    if author.is_client and task.status == S.WAITING_ON_CLIENT:
        task = locked(task)
        if task.status == S.WAITING_ON_CLIENT:  # still, now that it is locked
            _transition(task, action="client_reply", actor=author, note="The client replied.")
    if author.is_client:
        recipients = [task.assignee_id] if task.assignee_id else []
    elif internal:
        recipients = [task.assignee_id] if task.assignee_id not in (None, author.pk) else []
    else:
        recipients = [task.client_id]
    for user_id in recipients:
        with addressed_to(user_id):
            notify(
                user_id=user_id,
                kind=NotificationKind.TASK_MESSAGE,
                data={"task": task.pk},
                subject=_("New message on %(title)s") % {"title": task.title},
                body=body,
            )
    return message
