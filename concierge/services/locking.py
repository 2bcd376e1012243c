"""Reading a row again under its lock: the first step of every service that changes a
row others may change at the same time."""

from collections.abc import Iterable
from typing import TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)


def locked(instance: M, *, related: Iterable[str] = ()) -> M:
    """`instance` read again under a row lock (`SELECT … FOR UPDATE` of its own row only),
    with the `related` rows it reads joined. Call inside the service's transaction."""
    manager = type(instance)._default_manager
    return manager.select_for_update(of=("self",)).select_related(*related).get(pk=instance.pk)
