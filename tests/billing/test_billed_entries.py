"""What an invoice charged, as each time entry it bills records it: set by the close
(`time_entries_bill`) and by credit notes (`time_entry_credit`), equal to billing's own
record (`InvoicedEntry`) whatever happens to the entry afterwards, and what locks it."""

import datetime
import importlib

from django.apps import apps
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from assistants import services as time_services
from assistants.models import TimeEntry
from billing import services
from billing.models import BillingEventSource, Invoice, InvoicedEntry, InvoiceStatus
from tests.billing.helpers import at, log
from tests.billing.test_credit_notes import billed, dispute, resolve  # noqa: F401
from tests.checks import assert_error

CLOSED_AT = at(2026, 10, 2)
REPORT = "/api/v1/reports/time/"
SEPTEMBER = {"from": "2026-09-01", "to": "2026-09-30"}


def facts(entry):
    entry = TimeEntry.objects.get(pk=entry.pk)
    return entry.billed_at, entry.billed_minutes, entry.credited_minutes


def assert_agrees_with_billing():
    """Every entry says what billing's record says of it, and only those are locked."""
    for row in InvoicedEntry.objects.select_related("entry"):
        assert (row.entry.billed_minutes, row.entry.credited_minutes) == (
            row.billed_minutes,
            row.credited_minutes,
        )
    locked = set(TimeEntry.objects.locked().values_list("pk", flat=True))
    assert locked == set(InvoicedEntry.objects.values_list("entry_id", flat=True))


def test_the_close_tells_each_entry_it_bills(billed):  # noqa: F811
    assert facts(billed["long"]) == (CLOSED_AT, 210, 0)
    assert facts(billed["short"]) == (CLOSED_AT, 30, 0)
    # Logged in October, not closed yet: not billed, not locked.
    later = log(billed["client"], at(2026, 10, 5), 45)
    assert facts(later) == (None, None, 0)
    assert_agrees_with_billing()


def test_an_edit_before_the_close_is_what_is_billed(manager_user):
    from tests.factories import SubscriptionFactory

    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 1))
    entry = log(subscription.client, at(2026, 9, 3), 200)
    time_services.time_entry_update(
        actor=manager_user, entry=entry, ended_at=entry.started_at + datetime.timedelta(minutes=100)
    )
    services.billing_period_close(now=CLOSED_AT)
    assert facts(entry) == (CLOSED_AT, 105, 0)  # 100 min at g = 15
    assert_agrees_with_billing()


def test_a_billed_entry_is_locked(billed, manager_api):  # noqa: F811
    url = f"/api/v1/time-entries/{billed['short'].pk}/"
    assert_error(manager_api.patch(url, {"note": "later"}, format="json"), 409, "entry_locked")
    assert_error(manager_api.delete(url), 409, "entry_locked")
    assert facts(billed["short"]) == (CLOSED_AT, 30, 0)


def test_a_decision_that_bills_less_is_credited_on_the_entry(billed, api_for, manager_api):  # noqa: F811
    client_api = api_for(billed["client"])
    dispute(client_api, billed["short"])
    # Disputed, the entry is still billed (and counted as disputed in the report).
    assert facts(billed["short"]) == (CLOSED_AT, 30, 0)
    resolve(manager_api, billed["short"], "adjust", 15)
    assert facts(billed["short"]) == (CLOSED_AT, 30, 15)
    dispute(client_api, billed["long"])
    resolve(manager_api, billed["long"], "reject")
    assert facts(billed["long"]) == (CLOSED_AT, 210, 210)
    assert_agrees_with_billing()
    # The report bills what the invoices still charge: 240 - 15 - 210.
    totals = manager_api.get(REPORT, SEPTEMBER).json()["totals"]
    assert totals["billed_minutes"] == 15
    record = InvoicedEntry.objects.aggregate(
        billed=Sum("billed_minutes"), credited=Sum("credited_minutes")
    )
    assert totals["billed_minutes"] == record["billed"] - record["credited"]


def test_voiding_an_invoice_leaves_its_entries_billed(billed, manager_api):  # noqa: F811
    invoice = Invoice.objects.get(pk=billed["invoice"].pk)
    assert services.invoice_transition(
        invoice=invoice, action="void", source=BillingEventSource.MANAGER
    )
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.VOID
    # A void invoice gives nothing back to edit: its entries stay as billed, and locked.
    assert facts(billed["long"]) == (CLOSED_AT, 210, 0)
    url = f"/api/v1/time-entries/{billed['long'].pk}/"
    assert_error(manager_api.patch(url, {"note": "later"}, format="json"), 409, "entry_locked")
    assert_agrees_with_billing()


def test_the_migration_fills_the_entries_from_billings_record(billed):  # noqa: F811
    migration = importlib.import_module("billing.migrations.0014_entries_carry_what_was_billed")
    InvoicedEntry.objects.filter(entry=billed["short"]).update(credited_minutes=15)
    TimeEntry.objects.update(billed_at=None, billed_minutes=None, credited_minutes=0)
    migration.copy_billed(apps, connection)
    created = Invoice.objects.get(pk=billed["invoice"].pk).created_at
    assert facts(billed["long"]) == (created, 210, 0)
    assert facts(billed["short"]) == (created, 30, 15)
    assert_agrees_with_billing()


def test_the_time_report_sums_entries_without_billings_record(billed, manager_api):  # noqa: F811
    for group_by in ("client", "assistant", "month"):
        with CaptureQueriesContext(connection) as queries:
            response = manager_api.get(REPORT, {**SEPTEMBER, "group_by": group_by})
        assert response.status_code == 200
        sums = [q["sql"] for q in queries if "assistants_timeentry" in q["sql"]]
        assert len(sums) == 1, group_by
        assert "billing_invoicedentry" not in sums[0], group_by
