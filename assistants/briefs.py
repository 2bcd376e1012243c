"""The client brief: who may read it, who may write it, and its changes in the audit log.

Read by the client, the managers and every assistant who serves the client now (primary,
backup, or assigned one of their tasks): the same people `clients_visible_to` lets see the
client. Written by the client and the managers. Anyone else is told it does not exist."""

from enum import StrEnum

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistants.models import ClientBrief
from concierge import audit, errors
from concierge.errors import NotFound
from concierge.models import User
from concierge.selectors import clients_visible_to


class Action(StrEnum):
    BRIEF_CHANGED = "client.brief_changed"


def _client(user: User, client_id: int) -> User:
    if user.is_authenticated and user.is_client and user.pk == client_id:
        return user
    profile = clients_visible_to(user).filter(user_id=client_id).first()
    if profile is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such client."))
    return profile.user


def brief_get(user: User, client_id: int) -> ClientBrief:
    """The client's brief as `user` may read it (an empty one if none was written)."""
    client = _client(user, client_id)
    return ClientBrief.objects.filter(client=client).first() or ClientBrief(client=client)


def can_write(user: User, client_id: int) -> bool:
    return user.is_manager or (user.is_client and user.pk == client_id)


@transaction.atomic
def brief_update(*, actor: User, client_id: int, **fields: str) -> ClientBrief:
    """Write the brief's texts (`instructions`, `preferences`, `contacts`); the change is
    recorded, about the client (an erasure redacts its text)."""
    client = _client(actor, client_id)
    if not can_write(actor, client.pk):
        raise errors.Forbidden(
            errors.Code.PERMISSION_DENIED, _("Only the client and the managers write the brief.")
        )
    brief, _created = ClientBrief.objects.select_for_update().get_or_create(client=client)
    before = audit.snapshot(brief, ClientBrief.TEXT_FIELDS)
    for name in ClientBrief.TEXT_FIELDS:
        if name in fields:
            setattr(brief, name, fields[name])
    changes = audit.changes_of(before, audit.snapshot(brief, ClientBrief.TEXT_FIELDS))
    if changes:
        brief.updated_at = timezone.now()
        brief.updated_by = actor
        brief.save()
        audit.record(
            actor=actor, action=Action.BRIEF_CHANGED, target=brief, changes=changes, about=client
        )
    return brief


def brief_history(client: User):
    """The brief's recorded changes, newest first (read by whoever reads the brief)."""
    return audit.records(target_type=ClientBrief._meta.label_lower, target_id=client.pk)


def export_brief(user: User) -> dict | None:
    brief = ClientBrief.objects.filter(client=user).first()
    if brief is None:
        return None
    return {name: getattr(brief, name) for name in ClientBrief.TEXT_FIELDS} | {
        "updated_at": brief.updated_at
    }


def erase_brief(user: User) -> None:
    ClientBrief.objects.filter(client=user).delete()
