"""Writes of the vault: items a client shares, encrypted at rest, and their reveals.

A secret leaves the database only through `vault_item_reveal`, which records the reveal
(who, when, item, task, purpose, address) in the same transaction. Nothing here logs or
raises with a secret in it.
"""

import json

from django.db import transaction
from django.utils.translation import gettext as _

from concierge import audit, errors
from concierge.errors import Forbidden, Invalid, NotFound
from concierge.models import User, VaultItem, VaultReveal
from concierge.notifications import addressed_to, local_time, notify
from concierge.platform import crypto
from concierge.selectors import open_tasks_assigned_to, tasks_visible_to


def _seal(fields: dict[str, str]) -> str:
    return crypto.encrypt(json.dumps(fields, sort_keys=True))


def vault_item_secrets(item: VaultItem) -> dict[str, str]:
    """The item's secret fields in clear. Callers record why (reveal, owner's export)."""
    try:
        return json.loads(crypto.decrypt(item.secret))
    except crypto.DecryptionError as exc:
        raise errors.ApplicationError(
            errors.Code.SECRET_UNREADABLE,
            _(
                "This item cannot be decrypted with the service's keys; an operator must "
                "restore the key it was written with."
            ),
            status=500,
        ) from exc


def _require_owner(item: VaultItem, actor: User) -> None:
    if item.client_id != actor.pk:
        raise Forbidden(errors.Code.PERMISSION_DENIED, _("Only the item's client may change it."))


@transaction.atomic
def vault_item_create(
    *,
    client: User,
    title: str,
    kind: str,
    fields: dict[str, str],
    notes: str = "",
    notify_on_reveal: bool = True,
) -> VaultItem:
    if not client.is_client:
        raise Forbidden(errors.Code.PERMISSION_DENIED, _("Only clients keep items in the vault."))
    return VaultItem.objects.create(
        client=client,
        title=title,
        kind=kind,
        field_names=sorted(fields),
        secret=_seal(fields),
        notes=notes,
        notify_on_reveal=notify_on_reveal,
    )


@transaction.atomic
def vault_item_update(
    *, item: VaultItem, actor: User, fields: dict[str, str | None] | None = None, **changes
) -> VaultItem:
    """Change an item. `fields` merges: a name with a value sets it, with null removes it."""
    item = VaultItem.objects.select_for_update().get(pk=item.pk)
    _require_owner(item, actor)
    before = audit.snapshot(item, AUDITED_FIELDS)
    for name in ("title", "kind", "notes", "notify_on_reveal"):
        if name in changes:
            setattr(item, name, changes[name])
    if fields:
        secrets = vault_item_secrets(item)
        for name, value in fields.items():
            if value is None:
                secrets.pop(name, None)
            else:
                secrets[name] = value
        if not secrets:
            raise Invalid(
                errors.Code.INVALID,
                _("An item keeps at least one secret field."),
                fields={"fields": [_("An item keeps at least one secret field.")]},
            )
        item.field_names = sorted(secrets)
        item.secret = _seal(secrets)
    item.save()
    # What changed, by name: the secrets' values are never recorded, only which exist.
    if changes := audit.changes_of(before, audit.snapshot(item, AUDITED_FIELDS)):
        if "notes" in changes:
            changes["notes"] = ["…", "…"]
        audit.record(
            actor=actor,
            action=audit.Action.VAULT_ITEM_CHANGED,
            target=item,
            changes=changes,
            about=item.client,
        )
    return item


AUDITED_FIELDS = ("title", "kind", "notes", "notify_on_reveal", "field_names")


@transaction.atomic
def vault_item_delete(*, item: VaultItem, actor: User) -> None:
    """Destroy the item and its ciphertext; its reveals stay in the client's audit."""
    _require_owner(item, actor)
    audit.record(
        actor=actor,
        action=audit.Action.VAULT_ITEM_REMOVED,
        target=item,
        changes=audit.removed(audit.snapshot(item, ("title", "kind", "field_names"))),
        about=item.client,
    )
    VaultItem.objects.filter(pk=item.pk).delete()


def _reveal_task(item: VaultItem, actor: User, task_id: int | None):
    if actor.is_assistant:
        if task_id is None:
            raise Invalid(
                errors.Code.INVALID,
                _("Say which task you need this item for."),
                fields={"task": [_("This field is required.")]},
            )
        task = open_tasks_assigned_to(actor).filter(pk=task_id, client_id=item.client_id).first()
        if task is None:
            raise Invalid(
                errors.Code.REVEAL_TASK_INVALID,
                _("The task must be an open task of this client assigned to you."),
                fields={"task": [_("Must be an open task of this client assigned to you.")]},
            )
        return task
    if task_id is None:
        return None
    task = tasks_visible_to(actor).filter(pk=task_id, client_id=item.client_id).first()
    if task is None:
        raise Invalid(
            errors.Code.REVEAL_TASK_INVALID,
            _("The task must be one of your own."),
            fields={"task": [_("Must be one of your tasks.")]},
        )
    return task


@transaction.atomic
def vault_item_reveal(
    *,
    item: VaultItem,
    actor: User,
    purpose: str,
    task_id: int | None = None,
    ip_address: str | None = None,
) -> tuple[dict[str, str], VaultReveal]:
    """The item's secrets, for its client or an assistant assigned an open task of that
    client now, recorded with the task and purpose; the client is told when they chose."""
    if not (actor.pk == item.client_id or actor.is_assistant):
        raise NotFound(errors.Code.NOT_FOUND, _("No such vault item."))
    task = _reveal_task(item, actor, task_id)
    reveal = VaultReveal.objects.create(
        item_id=item.pk,
        client_id=item.client_id,
        item_title=item.title,
        revealed_by=actor,
        task=task,
        purpose=purpose,
        ip_address=ip_address,
    )
    secrets = vault_item_secrets(item)
    if actor.pk != item.client_id and item.notify_on_reveal:
        with addressed_to(item.client_id):
            words = {
                "name": actor.full_name,
                "item": item.title,
                "task": task.pk,
                "title": task.title,
                "when": local_time(reveal.revealed_at),
                "purpose": purpose,
            }
            notify(
                user_id=item.client_id,
                subject=_("%(name)s opened “%(item)s” from your vault") % words,
                body=_(
                    "%(name)s revealed “%(item)s” for task %(task)s (%(title)s) at %(when)s.\n"
                    "Purpose given: %(purpose)s\n\n"
                    "Every access is listed in your vault's access log."
                )
                % words,
            )
    return secrets, reveal
