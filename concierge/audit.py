"""One record of who did what: `record(actor=, action=, target=, changes=)`, called by a
service inside the transaction of its write, so the write and its record commit together
or not at all.

Each app names its actions in one `StrEnum` (`Action` in the app's `audit.py`: this module
for the core's own). Where a write came from — the API, the portal, the admin, a background
job, a payment webhook, or a command — is not the service's business: the request's
middleware, the job runner and the webhook job set it for everything recorded meanwhile
(`origin`), and a command or the shell records `command`.

Changes are `{field: [old, new]}`, values as JSON: `changes_of(before, after)` compares two
snapshots (`snapshot(obj, fields)`) and keeps what differs.
"""

import contextlib
import contextvars
import datetime
import decimal
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from concierge.models import AuditLog, AuditOrigin, User

_origin: contextvars.ContextVar[str] = contextvars.ContextVar(
    "audit_origin", default=AuditOrigin.COMMAND
)


class Action(StrEnum):
    """The core's recorded actions."""

    CLIENT_ASSISTANTS_CHANGED = "client.assistants_changed"
    VAULT_ITEM_CHANGED = "vault_item.changed"
    VAULT_ITEM_REMOVED = "vault_item.removed"
    ATTACHMENT_REMOVED = "attachment.removed"


def current_origin() -> str:
    return _origin.get()


@contextlib.contextmanager
def origin(value: str) -> Iterator[None]:
    """Everything recorded inside comes from `value` (an `AuditOrigin`)."""
    token = _origin.set(AuditOrigin(value))
    try:
        yield
    finally:
        _origin.reset(token)


def origin_of_path(path: str) -> str:
    if path.startswith("/api/"):
        return AuditOrigin.API
    if path.startswith("/admin/"):
        return AuditOrigin.ADMIN
    return AuditOrigin.PORTAL


class OriginMiddleware:
    """Names the origin of what a request records: the API, the admin or the portal."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with origin(origin_of_path(request.path_info)):
            return self.get_response(request)


_in_jobs: list[contextvars.Token[str]] = []


def job_started(sender: object, **kwargs: Any) -> None:
    """django-q2's `pre_execute`: what a job records comes from a job — in a worker, or
    run inline inside a request (`sync`)."""
    _in_jobs.append(_origin.set(AuditOrigin.JOB))


def job_finished(sender: object, **kwargs: Any) -> None:
    """django-q2's `post_execute_in_worker` (sent whether the job succeeded or failed):
    the origin in force before the job again."""
    if _in_jobs:
        _origin.reset(_in_jobs.pop())


def _json(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The fields' values as JSON (a foreign key as its id: name it `assistant_id`)."""
    return {name: _json(getattr(obj, name)) for name in fields}


def changes_of(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def created(values: dict[str, Any]) -> dict[str, list]:
    """The changes of an object made: every field from nothing."""
    return {name: [None, value] for name, value in values.items()}


def removed(values: dict[str, Any]) -> dict[str, list]:
    """The changes of an object deleted: every field to nothing."""
    return {name: [value, None] for name, value in values.items()}


def record(
    *,
    actor: User | None,
    action: StrEnum,
    target: models.Model,
    changes: dict[str, list] | None = None,
    about: User | None = None,
) -> AuditLog:
    """Record one write (call it inside the write's transaction). `actor` None: the
    service itself decided (a job's rule, not a person). `about`: the person the target
    describes, whose details an erasure removes from the changes."""
    person = actor if actor is not None and actor.pk else None
    return AuditLog.objects.create(
        actor=person,
        actor_name=person.full_name if person is not None else "",
        about=about,
        action=str(action),
        target_type=target._meta.label_lower,
        target_id=target.pk,
        changes=changes or {},
        origin=current_origin(),
    )


def _without_text(changes: dict[str, list]) -> dict[str, list]:
    return {
        name: ["" if isinstance(value, str) else value for value in values]
        for name, values in changes.items()
    }


def redact_person(*, user_id: int) -> None:
    """Erasure: the records keep what was done and when, no longer the erased person's
    name as an actor, nor any text of the changes about them (names, reasons)."""
    AuditLog.objects.filter(actor_id=user_id).update(actor_name="")
    for pk, changes in AuditLog.objects.filter(about_id=user_id).values_list("pk", "changes"):
        AuditLog.objects.filter(pk=pk).update(changes=_without_text(changes))


def records(
    *,
    actor: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    action: str | None = None,
    since: datetime.datetime | None = None,
) -> models.QuerySet[AuditLog]:
    """The log, newest first, filtered (managers read it all: the caller checks the role)."""
    rows = AuditLog.objects.all()
    for name, value in (
        ("actor_id", actor),
        ("target_type", target_type),
        ("target_id", target_id),
        ("action", action),
        ("at__gte", since),
    ):
        if value is not None:
            rows = rows.filter(**{name: value})
    return rows.order_by("-at", "-id")
