"""Histories as views of the audit log.

A task's, a time entry's, a subscription's and an invoice's history are what the audit log
records about that object under the actions of its history enum. Each is read through a
model of its own (`TaskEvent`, `TimeEntryEvent`, …) whose table is an SQL view over
`concierge_auditlog`: the histories keep their shape (`task.events`, `from_status`, `kind`),
prefetching and filtering as before, and there is one record of who did what. Nothing
writes to these models: services write the audit log (`concierge.audit.record`).

A view's columns follow from its model's fields, by name:

    id, actor, note, data    the audit row's own
    created_at               `at`
    the `target` field       `target_id` (a foreign key to the object described)
    kind / action            the audit action without its prefix (`task.assign` → `assign`)
    from_status, to_status   `changes["status"]`, old and new ("" when absent)
    source                   `data["source"]` (who moved a subscription or an invoice)
    stripe_event_id          `external_event`

The views are created after `migrate` where missing (`ensure_views`, a post_migrate
receiver), so a database built from the migrations or from the models (the test suite)
has them; a migration that changes a view's columns drops the view, and the next migrate
creates it again.
"""

from enum import StrEnum
from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.db import connections, models

from concierge.platform.models import AppendOnly


class HistoryView(models.Model):
    """A read-only model over the audit log's rows about one kind of object."""

    # The model label of the described object, as the audit log names it.
    target_type: ClassVar[str]
    # The audit actions of this history; their common prefix is cut from `kind`/`action`.
    actions: ClassVar[type[StrEnum]]
    prefix: ClassVar[str]
    # The name of the foreign key to the described object.
    target: ClassVar[str]

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        help_text="Null: the service itself.",
    )
    created_at = models.DateTimeField()

    class Meta:
        abstract = True
        managed = False

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise AppendOnly("A history is written through the audit log (concierge.audit.record).")

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnly("A history is never deleted.")


def _json_text(vendor: str, column: str, path: tuple[str | int, ...]) -> str:
    if vendor == "postgresql":
        *head, last = path
        steps = "".join(f" -> {_pg_key(step)}" for step in head)
        return f"COALESCE({column}{steps} ->> {_pg_key(last)}, '')"
    json_path = "$" + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)
    return f"COALESCE(json_extract({column}, '{json_path}'), '')"


def _pg_key(step: str | int) -> str:
    return str(step) if isinstance(step, int) else f"'{step}'"


def _expression(model: type[HistoryView], field: models.Field, vendor: str) -> str:
    name = field.name
    if name == model.target:
        return "target_id"
    if name in ("kind", "action"):
        return f"substr(action, {len(model.prefix) + 1})"
    if name == "from_status":
        return _json_text(vendor, "changes", ("status", 0))
    if name == "to_status":
        return _json_text(vendor, "changes", ("status", 1))
    if name == "source":
        return _json_text(vendor, "data", ("source",))
    own = {
        "id": "id",
        "actor": "actor_id",
        "note": "note",
        "data": "data",
        "created_at": "at",
        "stripe_event_id": "external_event",
    }
    if name not in own:
        raise TypeError(f"{model.__name__}.{name} has no column in the audit log")
    return own[name]


def view_sql(model: type[HistoryView], vendor: str) -> str:
    table = model._meta.db_table
    columns = ",\n  ".join(
        f"{_expression(model, field, vendor)} AS {field.column}"
        for field in model._meta.concrete_fields
    )
    actions = ", ".join(f"'{action.value}'" for action in model.actions)
    return (
        f"CREATE VIEW {table} AS SELECT\n  {columns}\n"
        f"FROM concierge_auditlog\n"
        f"WHERE target_type = '{model.target_type}' AND action IN ({actions})"
    )


def history_models() -> list[type[HistoryView]]:
    return [model for model in apps.get_models() if issubclass(model, HistoryView)]


def ensure_views(using: str = "default") -> None:
    """Create the history views the database lacks."""
    connection = connections[using]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor, include_views=True))
        for model in history_models():
            if model._meta.db_table not in existing:
                cursor.execute(view_sql(model, connection.vendor))
