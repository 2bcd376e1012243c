"""One record of who did what: `record(actor=, action=, target=, changes=)`, called by a
service inside the transaction of its write, so the write and its record commit together
or not at all.

Each app names its actions in one `StrEnum` (`Action` in the app's `audit.py`: this module
for the core's own). Where a write came from — the API, the portal, the admin, a background
job, a payment webhook, or a command — is not the service's business: the request's
middleware, the job runner and the webhook job set it for everything recorded meanwhile
(`origin`), and a command or the shell records `command`.

The histories of tasks, time entries, subscriptions and invoices are these records too:
their actions are the history enums beside their models (`TaskHistory`, …), and their
models are views of this log (`concierge.platform.history`).

Changes are `{field: [old, new]}`, values as JSON: `changes_of(before, after)` compares two
snapshots (`snapshot(obj, fields)`) and keeps what differs.
"""

import contextlib
import contextvars
import datetime
import decimal
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import Any, ParamSpec

from django.db import models
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone as django_timezone

from concierge.models import AuditLog, AuditOrigin, User

P = ParamSpec("P")

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


def entry(
    *,
    actor: User | None,
    action: StrEnum,
    target: models.Model,
    changes: dict[str, list] | None = None,
    about: User | int | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    external_event: str = "",
    at: datetime.datetime | None = None,
) -> AuditLog:
    """One record, not yet written (`record` writes one, `write` many at once).
    `actor` None: the service itself decided (a job's rule, not a person). `about`: the
    person the target describes (or their id), whose details an erasure removes.
    `note`: the actor's reason; `data`: facts that change no field; `external_event`: the
    payment provider's event that caused it; `at`: when, if not now."""
    person = actor if actor is not None and actor.pk else None
    return AuditLog(
        at=at or django_timezone.now(),
        actor=person,
        actor_name=person.full_name if person is not None else "",
        about_id=about.pk if isinstance(about, User) else about,
        action=str(action),
        target_type=target._meta.label_lower,
        target_id=target.pk,
        changes=changes or {},
        note=note,
        data=data or {},
        external_event=external_event,
        origin=current_origin(),
    )


def _written(build: Callable[P, AuditLog]) -> Callable[P, AuditLog]:
    def write(*args: P.args, **kwargs: P.kwargs) -> AuditLog:
        row = build(*args, **kwargs)
        row.save()
        return row

    write.__doc__ = "Record one write, inside the write's transaction (see `entry`)."
    return write


record = _written(entry)


def write(rows: Iterable[AuditLog]) -> None:
    """Write records made by `entry`, in batches (a period's close writes thousands)."""
    AuditLog.objects.bulk_create(rows, batch_size=1000)


def status_change(old: str, new: str) -> dict[str, list]:
    """The changes of a move between statuses (the histories' from and to; an
    assignment that keeps the status records it still)."""
    return {"status": [old or None, new or None]}


# Changes that say what was done, not anything about the person: an erasure keeps them.
FACTS = frozenset({"status"})


def _without_text(changes: dict[str, list]) -> dict[str, list]:
    return {
        name: values
        if name in FACTS
        else ["" if isinstance(value, str) else value for value in values]
        for name, values in changes.items()
    }


def redact_person(*, user_id: int) -> None:
    """Erasure: the records keep what was done and when, no longer the erased person's
    name as an actor, nor any text about them (the changes' texts but their statuses, the
    reasons given)."""
    AuditLog.objects.filter(actor_id=user_id).update(actor_name="")
    about = AuditLog.objects.filter(about_id=user_id)
    about.exclude(note="").update(note="")
    for pk, changes in about.exclude(changes={}).values_list("pk", "changes"):
        if (redacted := _without_text(changes)) != changes:
            AuditLog.objects.filter(pk=pk).update(changes=redacted)


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
