"""Reads of the vault and its audit. Each takes the acting user first.

Who sees a vault item's metadata (title, kind, field names, notes): its client, and an
assistant assigned an open task of that client now. Former assignees, other assistants
and managers see none; managers read the audit instead.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from concierge import errors
from concierge.errors import NotFound
from concierge.models import User, VaultItem, VaultReveal
from concierge.selectors import open_tasks_assigned_to


def vault_items_visible_to(user: User) -> QuerySet[VaultItem]:
    items = VaultItem.objects.all()
    if not user.is_authenticated:
        return items.none()
    if user.is_client:
        return items.filter(client=user)
    if user.is_assistant:
        serving = open_tasks_assigned_to(user).filter(client=OuterRef("client"))
        return items.filter(Exists(serving))
    return items.none()


def vault_item_get(user: User, item_id: int) -> VaultItem:
    item = vault_items_visible_to(user).select_related("client").filter(pk=item_id).first()
    if item is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such vault item."))
    return item


def vault_reveals_visible_to(user: User) -> QuerySet[VaultReveal]:
    """The audit: a client every reveal of their items (deleted ones included); managers
    every reveal; nobody else any."""
    reveals = VaultReveal.objects.select_related("revealed_by")
    if not user.is_authenticated:
        return reveals.none()
    if user.is_manager:
        return reveals
    if user.is_client:
        return reveals.filter(client=user)
    return reveals.none()


def vault_item_reveals(user: User, item_id: int) -> QuerySet[VaultReveal]:
    """The reveals of one existing item: its client's, or any for a manager; else 404."""
    items = VaultItem.objects.all() if user.is_manager else vault_items_visible_to(user)
    if not user.is_authenticated or not items.filter(pk=item_id, client__isnull=False).exists():
        raise NotFound(errors.Code.NOT_FOUND, _("No such vault item."))
    return vault_reveals_visible_to(user).filter(item_id=item_id)
