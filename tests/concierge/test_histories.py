"""The histories of tasks, time entries, subscriptions and invoices are views of the audit
log: one record of who did what, read in each history's own shape."""

import datetime

import pytest
from django.db import connection

from assistants.models import EntryHistory, TimeEntryEvent
from billing import services as billing_services
from billing.models import InvoiceEvent, SubscriptionEvent, SubscriptionHistory
from concierge import audit, services
from concierge.models import AppendOnly, AuditLog, TaskEvent, TaskHistory, TaskStatus
from concierge.platform import history
from concierge.privacy import person_erase
from tests import factories

pytestmark = pytest.mark.django_db

LOG = "/api/v1/audit-log/"


def test_every_history_is_a_view_of_the_log():
    models = {model.__name__ for model in history.history_models()}
    assert models == {"TaskEvent", "TimeEntryEvent", "SubscriptionEvent", "InvoiceEvent"}
    with connection.cursor() as cursor:
        views = {
            info.name
            for info in connection.introspection.get_table_list(cursor)
            if info.type == "v"
        }
    assert {model._meta.db_table for model in history.history_models()} <= views
    # Every field of every history has its column in the log, on either database.
    for model in history.history_models():
        for vendor in ("sqlite", "postgresql"):
            assert "FROM concierge_auditlog" in history.view_sql(model, vendor)


def test_a_task_move_is_one_record_read_as_its_history(manager_user, assistant_user):
    task = factories.TaskFactory(assignee=assistant_user, status=TaskStatus.ASSIGNED)
    services.task_start(task=task, actor=assistant_user)
    services.task_cancel(task=task, actor=task.client, reason="Found a plumber myself")

    records = AuditLog.objects.filter(target_type="concierge.task", target_id=task.pk)
    assert [(r.action, r.changes, r.note, r.actor_id, r.about_id) for r in records] == [
        ("task.transition", {"status": ["in_progress", "cancelled"]}, "Found a plumber myself",
         task.client_id, task.client_id),
        ("task.transition", {"status": ["assigned", "in_progress"]}, "", assistant_user.pk,
         task.client_id),
    ]  # fmt: skip
    events = list(task.events.all())
    assert [(e.kind, e.from_status, e.to_status, e.note, e.actor_id) for e in events] == [
        ("transition", "assigned", "in_progress", "", assistant_user.pk),
        ("transition", "in_progress", "cancelled", "Found a plumber myself", task.client_id),
    ]
    assert {e.pk for e in events} == {r.pk for r in records}
    assert events[0].data == {"action": "start"}
    assert events[0].created_at == records.last().at


def test_the_histories_cannot_be_written_but_through_the_log(assistant_user):
    task = factories.TaskFactory(assignee=assistant_user, status=TaskStatus.ASSIGNED)
    services.task_start(task=task, actor=assistant_user)
    event = task.events.get()
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        TaskEvent(task=task, kind="transition").save()


def test_the_log_shows_the_moves_with_their_reasons(manager_api, manager_user, assistant_user):
    task = factories.TaskFactory(assignee=assistant_user, status=TaskStatus.ASSIGNED)
    other = factories.AssistantFactory()
    answer = manager_api.post(
        f"/api/v1/tasks/{task.pk}/assign/",
        {"assistant": other.pk, "reason": "Speaks Portuguese"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    rows = manager_api.get(LOG, {"target_type": "concierge.task", "target_id": task.pk}).json()
    (row,) = rows["results"]
    assert row["action"] == "task.assign"
    assert row["actor"] == manager_user.pk
    assert row["origin"] == "api"
    assert row["note"] == "Speaks Portuguese"
    assert row["changes"] == {
        "status": ["assigned", "assigned"],
        "assignee_id": [assistant_user.pk, other.pk],
    }
    assert row["data"]["assistant"] == other.pk
    # The task's own history says the same, in its shape.
    history_rows = manager_api.get(f"/api/v1/tasks/{task.pk}/").json()["assignment_history"]
    assert history_rows[-1]["assistant"] == other.pk
    assert history_rows[-1]["previous"] == assistant_user.pk
    assert history_rows[-1]["reason"] == "Speaks Portuguese"


def test_an_edit_records_what_changed_from_what(client_user):
    task = factories.TaskFactory(client=client_user, title="Book a table")
    services.task_update(task=task, actor=client_user, title="Book a table for six")
    record = AuditLog.objects.get(action=TaskHistory.UPDATE, target_id=task.pk)
    assert record.changes == {"title": ["Book a table", "Book a table for six"]}
    assert task.events.get(kind="update").data == {"fields": ["title"]}


def test_entry_and_billing_histories_read_the_log(assistant_user, client_user):
    task = factories.TaskFactory(assignee=assistant_user, client=client_user)
    entry = factories.TimeEntryFactory(task=task, assistant=assistant_user)
    factories.entry_event(entry, "created", actor=assistant_user, data={"started_at": "x"})
    (event,) = TimeEntryEvent.objects.filter(entry=entry)
    assert (event.kind, event.actor_id, event.data) == ("created", assistant_user.pk,
                                                        {"started_at": "x"})  # fmt: skip
    assert AuditLog.objects.get(pk=event.pk).action == EntryHistory.CREATED

    sub = factories.SubscriptionFactory(client=client_user, start_date=datetime.date(2026, 9, 1))
    billing_services.subscription_cancel(subscription=sub)
    (cancel,) = SubscriptionEvent.objects.filter(subscription=sub)
    assert (cancel.action, cancel.source, cancel.from_status, cancel.to_status) == (
        "cancel",
        "client",
        "active",
        "active",
    )
    assert cancel.note.startswith("ends on ")
    record = AuditLog.objects.get(pk=cancel.pk)
    assert (record.action, record.data) == (SubscriptionHistory.CANCEL, {"source": "client"})
    assert not InvoiceEvent.objects.exists()


def test_an_erasure_keeps_the_moves_not_the_words(manager_user, assistant_user, client_user):
    task = factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.ASSIGNED, title="Call mum"
    )
    services.task_start(task=task, actor=assistant_user)
    services.task_update(task=task, actor=client_user, title="Call my mother Ada")
    services.task_cancel(task=task, actor=client_user, reason="My mother Ada is unwell")
    person_erase(user=client_user)

    moves = [(e.kind, e.from_status, e.to_status, e.note) for e in task.events.all()]
    assert moves[:3] == [
        ("transition", "assigned", "in_progress", ""),
        ("update", "", "", ""),
        ("transition", "in_progress", "cancelled", ""),
    ]
    edit = AuditLog.objects.get(action=TaskHistory.UPDATE, target_id=task.pk)
    assert edit.changes == {"title": ["", ""]}
    assert not AuditLog.objects.filter(note__contains="Ada").exists()


def test_a_record_of_an_entry_outlives_the_entry(assistant_user):
    entry = factories.TimeEntryFactory(assistant=assistant_user, task__assignee=assistant_user)
    pk = entry.pk
    from assistants import services as time_services

    time_services.time_entry_delete(actor=assistant_user, entry=entry)
    kinds = list(TimeEntryEvent.objects.filter(entry_id=pk).values_list("kind", flat=True))
    assert kinds[-1] == "deleted"
    assert audit.records(target_type="assistants.timeentry", target_id=pk).exists()
