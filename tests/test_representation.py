"""The lists' lean representation (`BoundedModelSerializer.to_representation`, the invoice
usage serializer built once a page) answers byte for byte what DRF's own field-by-field
representation answers, for the same rows: datetimes in the reader's zone, Decimal
strings, nulls, ids of related objects, nested lists and JSON data alike."""

import datetime
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework import serializers

from assistants.models import TimeEntryStatus
from billing.api import serializers as billing_serializers
from billing.models import Invoice, InvoiceLine, InvoiceStatus, SellerVersion
from concierge.api import compiled
from concierge.api.fields import BoundedModelSerializer
from concierge.models import Notification, NotificationKind, Task, TaskStatus
from tests import factories

pytestmark = pytest.mark.django_db

DUE = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)  # Paris changes hour


@pytest.fixture
def rows(manager_user, client_user):
    """Rows with every kind of value the lists show, some of them empty."""
    assistant = factories.AssistantFactory(first_name="Zoé", last_name="Ñúñez")
    client_user.client_profile.primary_assistant = assistant
    client_user.client_profile.save()
    factories.ClientFactory()  # no assistants: null ids
    unassigned = factories.TaskFactory(client=client_user, promised_due_at=DUE)
    task = factories.TaskFactory(
        client=client_user,
        assignee=assistant,
        status=TaskStatus.IN_PROGRESS,
        title="Réserver « le train » \u2028",
        estimate_minutes=90,
        promised_due_at=DUE,
        scheduled_start=DUE,
        assigned_at=DUE,
        rating=None,
    )
    factories.task_event(
        task,
        "assign",
        actor=manager_user,
        from_status="new",
        to_status="assigned",
        data={"assistant": assistant.pk, "reason": "skills"},
    )
    factories.task_event(unassigned, "flag", data={"reason": "nobody free"})
    factories.TimeEntryFactory(task=task, assistant=assistant, note="Appel")
    factories.TimeEntryFactory(
        task=task, assistant=assistant, ended_at=None, status=TimeEntryStatus.RUNNING
    )
    seller = SellerVersion.objects.create(
        name="Conciergerie « Lune »", address="1 rue de la Paix\n75002 Paris", siren="123456789"
    )
    for number, usage in enumerate(
        ({}, {"used_minutes": 150, "rollover_in": 15, "rollover_out": 30}), start=1
    ):
        invoice = Invoice.objects.create(
            seller=seller if number == 2 else None,  # an issued one, and one from before
            buyer={"name": "Zoé", "vat_id": "FR1"} if number == 2 else {},
            client=client_user,
            number=f"T-{number}",
            period_start=datetime.date(2026, number, 1),
            period_end=datetime.date(2026, number, 28),
            status=InvoiceStatus.OPEN,
            total=Decimal("63.10"),
            usage=usage,
            finalised_at=DUE,
        )
        InvoiceLine.objects.create(
            invoice=invoice, kind="fee", description="Fee", amount=Decimal("49.00")
        )
        InvoiceLine.objects.create(
            invoice=invoice,
            position=1,
            kind="overage",
            description="Overage",
            quantity_minutes=30,
            unit_rate=Decimal("28.20"),
            amount=Decimal("14.10"),
        )
    for user in (manager_user, client_user):
        Notification.objects.create(
            user=user,
            kind=NotificationKind.values[0],
            subject="Mis à jour",
            data={"task": task.pk, "nested": {"a": [1, None]}},
        )
    return task


@pytest.fixture
def drf_representation(monkeypatch):
    """Switches to DRF's own representation of model instances (no compiled read path)
    and a usage serializer built per row."""

    def switch():
        # Every field falls back: each list goes through its serializer.
        every_field = SimpleNamespace(fallbacks={"*": "the reference representation"})
        monkeypatch.setattr(compiled, "compile_list", lambda *args: every_field)
        monkeypatch.setattr(
            BoundedModelSerializer, "to_representation", serializers.Serializer.to_representation
        )
        per_row = property(lambda self: billing_serializers.InvoiceUsageSerializer())
        monkeypatch.setattr(billing_serializers.InvoiceSerializer, "usage_serializer", per_row)

    return switch


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "UTC"])
def test_lists_answer_what_drf_answers(
    zone, rows, drf_representation, manager_api, manager_user, client_api, client_user
):
    manager_user.timezone = client_user.timezone = zone
    manager_user.save()
    client_user.save()
    entry = rows.time_entries.first()
    invoice = Invoice.objects.filter(usage__used_minutes=150).get()
    reads = [
        (manager_api, "/api/v1/tasks/"),
        (manager_api, f"/api/v1/tasks/{rows.pk}/"),
        (manager_api, "/api/v1/time-entries/"),
        (manager_api, f"/api/v1/time-entries/{entry.pk}/"),
        (manager_api, "/api/v1/invoices/"),
        (manager_api, f"/api/v1/invoices/{invoice.pk}/"),
        (manager_api, "/api/v1/clients/"),
        (manager_api, "/api/v1/notifications/"),
        (client_api, "/api/v1/notifications/"),
        (manager_api, "/api/v1/workloads/"),
    ]
    lean = [api.get(path) for api, path in reads]
    drf_representation()
    for (api, path), answer in zip(reads, lean, strict=True):
        reference = api.get(path)
        assert answer.status_code == reference.status_code == 200, path
        assert answer.content == reference.content, path
    assert b'"used_minutes":150' in lean[4].content and b'"usage":null' in lean[4].content
    assert b'"63.10"' in lean[4].content and "Zoé Ñúñez".encode() in lean[0].content
    assert b'"seller":null' in lean[4].content and "« Lune »".encode() in lean[4].content


def test_the_usage_serializer_is_built_once_a_page(rows):
    page = billing_serializers.InvoiceSerializer(Invoice.objects.all(), many=True)
    assert [row["usage"] is None for row in page.data] == [False, True]
    child = page.child
    assert child.usage_serializer is child.usage_serializer


def test_fields_with_their_own_reading_go_through_the_field(rows):
    class Titled(serializers.CharField):
        def get_attribute(self, instance):
            return f"[{instance.title}]"

    class TaskTitles(BoundedModelSerializer):
        shown = Titled(read_only=True)
        client_email = serializers.EmailField(source="client.email", read_only=True)
        assignee_email = serializers.EmailField(
            source="assignee.email", read_only=True, allow_null=True
        )

        class Meta:
            model = rows.__class__
            fields = ["id", "shown", "client", "assignee", "client_email", "assignee_email"]

    unassigned = rows.__class__.objects.filter(assignee__isnull=True).get()
    row = TaskTitles(unassigned).data
    assert row["shown"] == f"[{unassigned.title}]"
    assert row["assignee"] is None and row["assignee_email"] is None
    assert row["client"] == unassigned.client_id
    assert row["client_email"] == unassigned.client.email


@pytest.mark.parametrize(
    "due",
    [
        datetime.datetime(2026, 3, 29, 0, 30),  # naive: made aware in the zone, as DRF does
        datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC),
        "2026-03-29",  # a string is answered as it is
    ],
)
def test_datetimes_out_of_the_common_case_are_answered_as_drf_does(due):
    class Stamps(BoundedModelSerializer):
        day = serializers.DateTimeField(source="promised_due_at", format="%Y-%m-%d %H:%M")

        class Meta:
            model = Task
            fields = ["promised_due_at", "day"]
            read_only_fields = fields

    task = Task(promised_due_at=due)
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        lean = Stamps().to_representation(task)
        drf = serializers.Serializer.to_representation(Stamps(), task)
    assert lean == drf


def test_a_datetime_out_of_range_in_the_zone_fails_as_drf_does():
    task = Task(promised_due_at=datetime.datetime(1, 1, 1, 0, 30, tzinfo=datetime.UTC))
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        with pytest.raises(serializers.ValidationError) as lean:
            TaskDates().to_representation(task)
        with pytest.raises(serializers.ValidationError) as drf:
            serializers.Serializer.to_representation(TaskDates(), task)
    assert lean.value.detail == drf.value.detail


class TaskDates(BoundedModelSerializer):
    class Meta:
        model = Task
        fields = ["promised_due_at"]
        read_only_fields = fields
