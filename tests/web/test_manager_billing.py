"""Managers' clients and billing pages: every client with their assistants and plan, the
monthly close, invoices by status and marking one paid in local mode."""

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import Invoice, InvoiceStatus
from tests import factories
from tests.web.checks import assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_payments(settings):
    settings.STRIPE_ENABLED = False


def test_the_pages_are_for_managers_only(month, web_for):
    client, assistant = month.subscription.client, month.disputed.assistant
    invoice = month.invoice
    for path in ("/app/clients/", "/app/billing/"):
        assert_sends_to_sign_in(Client().get(path), path)
        for user in (client, assistant):
            assert web_for(user).get(path).status_code == 403
    for path in ("/app/billing/close/", f"/app/invoices/{invoice.pk}/mark-paid/"):
        assert_sends_to_sign_in(Client().post(path), path)
        for user in (client, assistant):
            assert web_for(user).post(path).status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_clients_with_their_assistants_and_plan(month, manager_web):
    client = month.subscription.client
    assistant = month.disputed.assistant
    backup = factories.AssistantFactory(first_name="Bea", last_name="Backup")
    client.client_profile.backup_assistant = backup
    client.client_profile.save()
    planless = factories.ClientFactory(first_name="Paul", last_name="Planless")
    body = assert_page(
        manager_web.get("/app/clients/"),
        client.full_name,
        assistant.full_name,
        "Bea Backup",
        month.subscription.plan.name,
        "Paul Planless",
        "No plan",
    )
    assert f"/app/team/{backup.pk}/" in body
    assert planless.email in body


def test_clients_pin_their_queries(month, manager_web, django_assert_num_queries):
    with django_assert_num_queries(6):
        assert_page(manager_web.get("/app/clients/"))
    for _ in range(5):
        factories.SubscriptionFactory()
    with django_assert_num_queries(6):
        assert_page(manager_web.get("/app/clients/"))


def test_the_billing_page_says_where_the_close_stands(month, manager_web):
    body = assert_page(
        manager_web.get("/app/billing/"), "Monthly close", "Close the period", "Invoices by status"
    )
    assert "/app/invoices/?status=open" in body


def test_closing_a_period_goes_through_the_service(month, manager_web, manager_user):
    before = Invoice.objects.count()
    answer = manager_web.post("/app/billing/close/", {"period": ""}, follow=True)
    assert_page(answer, "Nothing left to close")  # last month is already invoiced
    assert Invoice.objects.count() == before
    newcomer = factories.SubscriptionFactory(start_date=month.invoice.period_start)
    answer = manager_web.post("/app/billing/close/", {"period": ""}, follow=True)
    assert_page(answer, "1 invoice issued")
    assert Invoice.objects.filter(client=newcomer.client).count() == 1
    next_year = timezone.now().year + 1
    refused = manager_web.post("/app/billing/close/", {"period": f"{next_year}-01"})
    assert_page(refused, "That period has not ended yet.", status=400)
    bad = manager_web.post("/app/billing/close/", {"period": "January"})
    assert_page(bad, "Give a month such as 2026-10.", status=400)


def test_invoices_by_status(month, manager_web):
    invoice = month.invoice
    assert_page(manager_web.get("/app/invoices/?status=open"), invoice.number)
    body = assert_page(manager_web.get("/app/invoices/?status=paid"))
    assert invoice.number not in body


def test_a_manager_marks_an_invoice_paid_in_local_mode(month, manager_web, local_payments):
    invoice = month.invoice
    assert_page(manager_web.get("/app/invoices/"), "Mark paid")
    answer = manager_web.post(f"/app/invoices/{invoice.pk}/mark-paid/", follow=True)
    assert_page(answer, f"Invoice {invoice.number} is marked paid.")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.events.filter(source="manager").exists()
    assert manager_web.post("/app/invoices/999999/mark-paid/").status_code == 404


def test_with_stripe_payments_are_not_marked_by_hand(month, manager_web, settings):
    settings.STRIPE_ENABLED = True
    invoice = month.invoice
    assert "Mark paid" not in manager_web.get("/app/invoices/").content.decode()
    answer = manager_web.post(f"/app/invoices/{invoice.pk}/mark-paid/", follow=True)
    assert_page(answer, "collected through Stripe")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_a_client_sees_no_status_filter_nor_payment_button(month, client_web, local_payments):
    body = assert_page(client_web.get("/app/invoices/"))
    assert "Mark paid" not in body and 'aria-label="Invoice status"' not in body
