"""The lists' compiled read path (`concierge/api/compiled.py`): which read serializers it
reads straight from `values()`, which fields make a list fall back to its serializer (so
that list cannot grow unnoticed), and what a row does with what it was not given.
`tests/test_representation.py` proves the compiled lists answer DRF's bytes."""

import pytest
from rest_framework import serializers

from assistants import selectors as time_selectors
from assistants.api.time_serializers import TimeEntrySerializer
from billing import selectors as billing_selectors
from billing.api.serializers import InvoiceSerializer
from billing.models import Invoice, InvoiceLine
from concierge import selectors
from concierge.api import compiled
from concierge.api.fields import BoundedModelSerializer
from concierge.api.serializers import ClientSerializer
from concierge.api.task_serializers import TaskSerializer
from concierge.models import Task
from tests import factories

pytestmark = pytest.mark.django_db


def test_these_lists_compile_and_these_fields_fall_back(manager_user):
    lists = {
        TaskSerializer: selectors.task_list(manager_user),
        TimeEntrySerializer: time_selectors.time_entries_visible_to(manager_user),
        ClientSerializer: selectors.clients_visible_to(manager_user),
        InvoiceSerializer: billing_selectors.invoices_visible_to(manager_user).prefetch_related(
            "lines"
        ),
    }
    fallbacks = {
        serializer.__name__: compiled.compile_list(serializer, queryset).fallbacks
        for serializer, queryset in lists.items()
    }
    assert fallbacks == {
        "TaskSerializer": {},
        "TimeEntrySerializer": {},
        "ClientSerializer": {},
        "InvoiceSerializer": {},
    }


def test_a_list_is_compiled_once_per_serializer_and_queryset_shape(manager_user):
    tasks = selectors.task_list(manager_user)
    first = compiled.compile_list(TaskSerializer, tasks)
    assert compiled.compile_list(TaskSerializer, tasks.filter(status="new")) is first
    assert compiled.compile_list(TaskSerializer, selectors.task_list(manager_user, history=False))
    assert "history_events" in first.nested


class Titles(BoundedModelSerializer):
    shouted = serializers.SerializerMethodField()
    whispered = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "shouted", "whispered"]

    @compiled.reads("title")
    def get_shouted(self, task) -> str:
        return task.title.upper()

    @compiled.reads("status")
    def get_whispered(self, task) -> str:
        return task.description  # reads what no field declares


def test_a_method_reads_what_it_declares_and_nothing_else(client_user):
    factories.TaskFactory(client=client_user, title="Call Bob")
    tasks = Task.objects.all()
    compiled_list = compiled.compile_list(Titles, tasks)
    assert compiled_list.fallbacks == {}
    (row,) = compiled_list.rows(compiled_list.values(tasks), using="default")
    assert Titles().fields["shouted"].to_representation(row) == "CALL BOB"
    with pytest.raises(AttributeError, match="carry no 'description'"):
        Titles().to_representation(row)


def test_a_method_that_declares_nothing_makes_its_list_fall_back():
    class Undeclared(BoundedModelSerializer):
        shown = serializers.SerializerMethodField()

        class Meta:
            model = Task
            fields = ["id", "shown"]

        def get_shown(self, task) -> str:
            return task.title

    fallbacks = compiled.compile_list(Undeclared, Task.objects.all()).fallbacks
    assert fallbacks == {"shown": "get_shown does not declare what it reads"}


def test_a_row_runs_its_models_own_methods_and_properties(client_user):
    factories.TaskFactory(client=client_user, status="completed")
    tasks = Task.objects.all()
    compiled_list = compiled.compile_list(TaskSerializer, selectors.task_list(client_user))
    (row,) = compiled_list.rows(
        compiled_list.values(selectors.task_list(client_user)), using="default"
    )
    assert row.is_open is False and row.is_overdue() is False
    assert tasks.get().is_open is False


def test_nested_rows_carry_their_columns_only_so_other_reads_fall_back():
    class LineNumbers(BoundedModelSerializer):
        number = serializers.CharField(source="invoice.number", read_only=True)

        class Meta:
            model = InvoiceLine
            fields = ["description", "number"]

    class Seller(serializers.Serializer):
        name = serializers.CharField()
        shown = serializers.SerializerMethodField()

        def get_shown(self, seller) -> str:
            return seller.name

    class Invoices(BoundedModelSerializer):
        lines = LineNumbers(many=True)
        seller = Seller(allow_null=True)

        class Meta:
            model = Invoice
            fields = ["id", "lines", "seller"]

    invoices = Invoice.objects.prefetch_related("lines")
    assert compiled.compile_list(Invoices, invoices).fallbacks == {
        "lines": "its field 'number' is not a column",
        "seller": "its field 'shown' is not a column",
    }
    assert compiled.compile_list(Invoices, Invoice.objects.all()).fallbacks["lines"] == (
        "a nested list the queryset does not prefetch ('lines')"
    )
