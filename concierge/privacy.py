"""What the service holds about a person: exporting it, and erasing it.

Each app contributes through `concierge.hooks`: an export section (what it holds about
the person) and an erasure step (how it forgets them), registered in its
`AppConfig.ready()` from its own `privacy.py`. This module does the core domain's part
(the person, tasks, messages, the vault) and runs everyone's in one transaction.

What is kept after an erasure, and for how long, is set out in the README ("Private
data"): invoices, their lines and the time entries they bill stay (legal records), tied
to an anonymised account that shows no name, e-mail address or content.
"""

import datetime
from typing import cast

from django.contrib.admin.models import LogEntry
from django.contrib.auth import authenticate
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.utils.serializer_helpers import ReturnList

from concierge import audit, errors, hooks, selectors, vault_selectors, vault_services
from concierge.accounts.models import AccountSession, PendingEmail, RecoveryCode, TotpDevice
from concierge.errors import Conflict, Forbidden, Invalid
from concierge.models import (
    ClientProfile,
    IdempotencyRecord,
    Message,
    Notification,
    Task,
    TaskEvent,
    User,
    VaultItem,
    VaultReveal,
)
from concierge.notifications import addressed_to, notify

EXPORT_FORMAT = "concierge-export/1"
ERASED_TITLE = "Erased"
EXPORT_PURPOSE = "Export of your data"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@erased.invalid"


# Export -----------------------------------------------------------------------------------


def _tasks_about(user: User):
    """The tasks that are about the person: a client's own; an assistant's, now or before.
    A manager's work on others' tasks is about those clients, not them."""
    if user.is_client or user.is_assistant:
        return selectors.task_list(user)
    return Task.objects.none()


def _messages_about(user: User, tasks):
    visible = Message.objects.filter(task__in=tasks.values("pk"))
    if user.is_client:
        visible = visible.filter(internal=False)
    return Message.objects.filter(Q(pk__in=visible.values("pk")) | Q(author=user)).order_by(
        "created_at", "id"
    )


def _vault(user: User, ip_address: str | None) -> tuple[list, list]:
    """A client's items with their secrets (each one recorded as a reveal by its owner),
    and the reveals: a client's items', or those an assistant made."""
    from concierge.api.vault_serializers import VaultItemSerializer, VaultRevealSerializer

    items = []
    for item in VaultItem.objects.filter(client=user).order_by("id"):
        row = dict(VaultItemSerializer(item).data)
        row["field_names"] = row.pop("fields")
        row["fields"] = vault_services.vault_item_secrets(item)
        VaultReveal.objects.create(
            item_id=item.pk,
            client=user,
            item_title=item.title,
            revealed_by=user,
            purpose=EXPORT_PURPOSE,
            ip_address=ip_address,
        )
        items.append(row)
    if user.is_client:
        reveals = vault_selectors.vault_reveals_visible_to(user)
    else:
        reveals = VaultReveal.objects.select_related("revealed_by").filter(revealed_by=user)
    # many=True makes a ListSerializer: its data is a list (the stubs read a Serializer's).
    revealed = VaultRevealSerializer(reveals.order_by("revealed_at", "id"), many=True).data
    return items, cast(ReturnList, revealed)


@transaction.atomic
def person_export(*, user: User, ip_address: str | None = None) -> dict:
    """Everything the service holds about `user`, as plain JSON-able data, in the shapes
    the API uses. Exporting the vault is itself recorded in the vault's audit."""
    from concierge.api.serializers import UserSerializer
    from concierge.api.task_serializers import MessageSerializer, TaskSerializer

    now = timezone.now()
    tasks = _tasks_about(user)
    events = TaskEvent.objects.filter(Q(task__in=tasks.values("pk")) | Q(actor=user))
    vault_items, vault_reveals = _vault(user, ip_address)
    profile = ClientProfile.objects.filter(user=user).first()
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "user": {
            **UserSerializer(user).data,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "client_profile": (
            {
                "primary_assistant": profile.primary_assistant_id,
                "backup_assistant": profile.backup_assistant_id,
            }
            if profile
            else None
        ),
        "tasks": TaskSerializer(tasks.order_by("created_at", "id"), many=True).data,
        "task_events": [
            {
                "id": event.pk,
                "task": event.task_id,
                "actor": event.actor_id,
                "kind": event.kind,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "note": event.note,
                "created_at": event.created_at.isoformat(),
            }
            for event in events.order_by("created_at", "id")
        ],
        "messages": MessageSerializer(_messages_about(user, tasks), many=True).data,
        "vault_items": vault_items,
        "vault_reveals": vault_reveals,
    }
    for name, section in hooks.export_sections().items():
        data[name] = section(user)
    return data


# Erasure ----------------------------------------------------------------------------------


def check_password(*, user: User, password: str) -> None:
    if authenticate(username=user.email, password=password) is None:
        raise Invalid(
            errors.Code.WRONG_PASSWORD,
            _("The password is wrong."),
            fields={"password": [_("The password is wrong.")]},
        )


@transaction.atomic
def client_erase_self(*, user: User, password: str) -> User:
    """A client erases their own data, confirming with their password."""
    if not user.is_client:
        raise Forbidden(
            errors.Code.PERMISSION_DENIED,
            _("Staff accounts are erased by an operator (manage.py erase_person)."),
        )
    check_password(user=user, password=password)
    return person_erase(user=user)


@transaction.atomic
def person_erase(*, user: User, now: datetime.datetime | None = None) -> User:
    """Forget a person: destroy the vault, revoke every token and feed, remove calendar
    links, redact what they wrote and what was written about them, and anonymise the
    account. Invoices, their lines and billed time entries stay, showing no personal
    detail. Each app's own step runs first (registered in `concierge.hooks`)."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.erased_at is not None:
        raise Conflict(errors.Code.ALREADY_ERASED, _("This person's data was already erased."))
    personal = [v for v in (user.email, user.first_name, user.last_name) if v]
    hooks.run_erasure_steps(user)

    # The vault goes; its audit keeps who looked and when, without what or why.
    VaultItem.objects.filter(client=user).delete()
    VaultReveal.objects.filter(client=user).update(item_title=ERASED_TITLE, purpose="")
    VaultReveal.objects.filter(revealed_by=user).update(ip_address=None)

    tasks = list(Task.objects.select_for_update().filter(client=user).order_by("pk"))
    task_ids = [task.pk for task in tasks]
    Message.objects.filter(task_id__in=task_ids).delete()
    # (the reasons given in their tasks' histories go with `audit.redact_person` below)
    for task in tasks:
        _erase_task(task)
    # What the service told them goes; what it told others about their tasks keeps its
    # date and kind only (the notices sent by this erasure carry no content).
    Notification.objects.filter(user=user).delete()
    Notification.objects.filter(data__task__in=task_ids, created_at__lt=now).update(
        subject=ERASED_TITLE, body=""
    )

    # Every token and browser session ends; the second factor goes with the account.
    AccountSession.objects.filter(user=user).delete()
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    PendingEmail.objects.filter(user=user).delete()
    # Replayable answers hold what was said: the person's own, and others' about their
    # tasks (an assistant's time entry with its note).
    IdempotencyRecord.objects.filter(Q(user=user) | Q(body__task__in=task_ids)).delete()
    ClientProfile.objects.filter(primary_assistant=user).update(primary_assistant=None)
    ClientProfile.objects.filter(backup_assistant=user).update(backup_assistant=None)
    _erase_admin_log(user, personal, task_ids)
    audit.redact_person(user_id=user.pk)

    user.email = erased_email(user.pk)
    user.first_name = ""
    user.last_name = ""
    user.timezone = "UTC"
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.erased_at = now
    user.set_unusable_password()  # also ends every session (their hash no longer matches)
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return user


def _erase_task(task: Task) -> None:
    """Keep the task's shape (invoices point at it), drop its content; stop it if open,
    telling its assistant (without the content)."""
    from concierge.services.tasks import _transition, allowed_transition

    was_open = allowed_transition("cancel", task.status) is not None
    if was_open:
        task = _transition(task, action="cancel", actor=None, note="Erased on request.")
    task.title = ERASED_TITLE
    task.description = ""
    regrouped = bool(task.category)
    task.category = ""  # what the errand was about says something of the person too
    task.rating_comment = ""
    task.recurrence = ""
    task.save()  # a save, not an update: assistants' calendars hear of it
    if regrouped:
        hooks.task_regrouped(task=task)  # its time is counted under no category now
    if was_open and task.assignee_id:
        with addressed_to(task.assignee_id):
            notify(
                user_id=task.assignee_id,
                subject=_("Cancelled: task %(task)s") % {"task": task.pk},
                body=_(
                    "Task %(task)s is cancelled: its client closed their account and their "
                    "data was erased. Stop any timer still running on it."
                )
                % {"task": task.pk},
            )


def _erase_admin_log(user: User, personal: list[str], task_ids: list[int]) -> None:
    """The admin's history names objects by their text: redact the person's."""
    named = Q(pk__in=[])
    for value in personal:
        named |= Q(object_repr__icontains=value) | Q(change_message__icontains=value)
    LogEntry.objects.filter(named).update(object_repr=ERASED_TITLE, change_message="")
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Task), object_id__in=map(str, task_ids)
    ).update(object_repr=ERASED_TITLE, change_message="")
