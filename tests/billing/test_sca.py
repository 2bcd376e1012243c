"""An off-session charge that needs the card holder's authentication (SCA): Stripe's
`invoice.payment_action_required` puts the invoice in `requires_action`, tells the client
once, and the invoice's page links to where they authenticate; the payment then settles
it. localstripe sends no such event, so the payload below is shaped as Stripe's own
(recorded from its documentation's example of the event), trimmed to the fields read."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from billing.models import Invoice, InvoiceStatus
from billing.webhooks import apply_invoice_event
from concierge.models import Notification
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db

HOSTED = "https://invoice.stripe.com/i/acct_1Abc/test_YWNjdF8xQWJj"


def recorded(invoice):
    return {
        "id": invoice.stripe_invoice_id,
        "object": "invoice",
        "status": "open",
        "amount_due": 6300,
        "currency": "eur",
        "hosted_invoice_url": HOSTED,
        "payment_intent": "pi_3Abc",
        "metadata": {"invoice_id": str(invoice.pk), "number": invoice.number},
    }


@pytest.fixture
def open_invoice():
    subscription = SubscriptionFactory()
    return Invoice.objects.create(
        client=subscription.client,
        subscription=subscription,
        number="2026-000041",
        period_start=datetime.date(2026, 9, 16),
        period_end=datetime.date(2026, 9, 30),
        status=InvoiceStatus.OPEN,
        total=Decimal("63.00"),
        total_excl_tax=Decimal("52.50"),
        total_tax=Decimal("10.50"),
        total_incl_tax=Decimal("63.00"),
        stripe_invoice_id="in_sca",
    )


def test_an_authentication_request_waits_for_the_client(open_invoice, api_for):
    for _ in range(3):  # Stripe repeats events
        apply_invoice_event(
            event_type="invoice.payment_action_required",
            obj=recorded(open_invoice),
            stripe_event_id="evt_action_1",
        )
    open_invoice.refresh_from_db()
    assert open_invoice.status == InvoiceStatus.REQUIRES_ACTION
    assert open_invoice.payment_action_url == HOSTED
    told = Notification.objects.filter(user=open_invoice.client, data__action_required=True)
    assert told.count() == 1 and "2026-000041" in told.get().subject
    body = api_for(open_invoice.client).get(f"/api/v1/invoices/{open_invoice.pk}/").json()
    assert body["status"] == "requires_action"
    assert [h["action"] for h in body["history"]] == ["action_required"]
    web = Client()
    web.force_login(open_invoice.client)
    page = web.get(f"/app/invoices/{open_invoice.pk}/").content.decode()
    assert f'href="{HOSTED}"' in page and "Authenticate the payment" in page

    apply_invoice_event(
        event_type="invoice.paid", obj=recorded(open_invoice), stripe_event_id="evt_paid_1"
    )
    open_invoice.refresh_from_db()
    assert open_invoice.status == InvoiceStatus.PAID
    assert (
        "Authenticate the payment"
        not in web.get(f"/app/invoices/{open_invoice.pk}/").content.decode()
    )


def test_only_an_https_page_is_linked_and_a_paid_invoice_stays_paid(open_invoice):
    payload = {**recorded(open_invoice), "hosted_invoice_url": "javascript:alert(1)"}
    apply_invoice_event(event_type="invoice.payment_action_required", obj=payload)
    open_invoice.refresh_from_db()
    assert open_invoice.status == InvoiceStatus.REQUIRES_ACTION
    assert open_invoice.payment_action_url == ""
    apply_invoice_event(event_type="invoice.paid", obj=payload)
    apply_invoice_event(event_type="invoice.payment_action_required", obj=payload)
    open_invoice.refresh_from_db()
    assert open_invoice.status == InvoiceStatus.PAID


def test_another_persons_page_shows_no_link(open_invoice, other_client_user):
    apply_invoice_event(event_type="invoice.payment_action_required", obj=recorded(open_invoice))
    web = Client()
    web.force_login(other_client_user)
    assert web.get(f"/app/invoices/{open_invoice.pk}/").status_code == 404
