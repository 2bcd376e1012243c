"""The admin never bypasses the services: finalised invoices, time entries (invoiced or
not), the invoice number sequence, a task's status (and its client and category once it
exists) and the audit tables can be viewed there, not added, changed or deleted."""

import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from assistants.models import TimeEntryEvent
from billing import services
from billing.models import Invoice, InvoiceNumberSequence
from calendar_sync.models import CalDavAccount, SecretReveal
from concierge.models import Task, TaskEvent, TaskStatus
from tests import factories
from tests.billing.helpers import at, log
from tests.factories import ClientFactory, SubscriptionFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(admin_user):
    sub = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    entry = log(sub.client, at(2026, 9, 3), 600)
    services.billing_period_close(period=datetime.date(2026, 9, 1), now=at(2026, 10, 2))
    entry.refresh_from_db()
    task = entry.task
    factories.task_event(task, "create", to_status=task.status)
    factories.entry_event(entry, "created")
    account = CalDavAccount.objects.create(
        user=ClientFactory(),
        url="https://dav.example.test/",
        username="u",
        password_encrypted="x",
        calendar="c",
    )
    return {
        "invoice": Invoice.objects.get(subscription=sub),
        "time entry": entry,
        "sequence": InvoiceNumberSequence.objects.get(),
        "task event": TaskEvent.objects.get(task=task),
        "time entry event": TimeEntryEvent.objects.get(entry=entry),
        "secret reveal": SecretReveal.objects.create(account=account, purpose="push"),
    }


def _url(obj, view):
    meta = obj._meta
    args = [] if view == "add" else [obj.pk]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.mark.parametrize(
    "name",
    ["invoice", "time entry", "sequence", "task event", "time entry event", "secret reveal"],
)
def test_records_are_read_only_in_the_admin(admin_client, records, name):
    obj = records[name]
    before = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    assert admin_client.get(_url(obj, "change")).status_code == 200  # shown
    assert admin_client.get(_url(obj, "add")).status_code == 403
    assert admin_client.post(_url(obj, "change"), {}).status_code == 403
    assert admin_client.post(_url(obj, "delete"), {"post": "yes"}).status_code == 403
    changelist = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_changelist")
    bulk = admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302, 403)
    obj.refresh_from_db()
    assert {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields} == before


def test_a_task_status_moves_only_through_its_transitions(admin_user):
    task = TaskFactory(status=TaskStatus.IN_PROGRESS)
    model_admin = admin.site._registry[Task]
    request = RequestFactory().get("/")
    request.user = admin_user
    form = model_admin.get_form(request, task)
    assert "status" not in form.base_fields
    assert "status" in model_admin.get_readonly_fields(request, task)
    assert not model_admin.has_delete_permission(request, task)


def test_a_tasks_client_and_category_change_only_through_the_services(admin_user):
    """The time rollup sums a task's time by its client and category: the task services
    keep it right when they change, the admin does not change them."""
    task = TaskFactory(status=TaskStatus.IN_PROGRESS)
    model_admin = admin.site._registry[Task]
    request = RequestFactory().get("/")
    request.user = admin_user
    form = model_admin.get_form(request, task)
    assert "client" not in form.base_fields and "category" not in form.base_fields
    # A new task is still given both.
    new = model_admin.get_form(request, None)
    assert "client" in new.base_fields and "category" in new.base_fields
