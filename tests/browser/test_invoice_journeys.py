"""Invoices as documents in a real browser: a client opens an invoice, reads its seller,
VAT and due date, downloads its PDF, then the credit note a dispute decision gave."""

import datetime
import io

import pypdf
import pytest
from playwright.sync_api import expect

from assistants import services as time_services
from billing import seller as billing_seller
from billing import services
from billing.models import CreditNote, Invoice
from tests import factories
from tests.billing.helpers import at, log
from tests.browser.test_client_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def pdf_text(download) -> str:
    with open(download.path(), "rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF")
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_a_client_downloads_an_invoice_and_its_credit_note(visit):
    billing_seller.seller_update(
        actor=None,
        name="Conciergerie Exemple SAS",
        address="12 rue de la Paix\n75002 Paris",
        siren="123456782",
        vat_id="FR32123456782",
    )
    client = factories.ClientFactory(first_name="Nora", last_name="Petit")
    subscription = factories.SubscriptionFactory(
        client=client, start_date=datetime.date(2026, 9, 1)
    )
    long = log(client, at(2026, 9, 3), 200)
    log(client, at(2026, 9, 4), 30)
    services.billing_period_close(now=at(2026, 10, 2))
    invoice = Invoice.objects.get(subscription=subscription)
    time_services.time_entry_dispute(actor=client, entry=long, reason="Too long")
    time_services.time_entry_resolve(
        actor=factories.ManagerFactory(), entry=long, decision="reject"
    )
    note = CreditNote.objects.get()

    page = sign_in(visit, client.email)
    page.get_by_role("link", name="Invoices").first.click()
    page.get_by_role("link", name=invoice.number).click()
    expect(page.get_by_role("heading", name=f"Invoice {invoice.number}")).to_be_visible()
    expect(page.get_by_text("Conciergerie Exemple SAS").first).to_be_visible()
    expect(page.get_by_text("Total due incl. VAT")).to_be_visible()
    visit.page_check("invoice-detail")

    with page.expect_download() as caught:
        page.get_by_role("button", name="Download PDF").click()
    download = caught.value
    assert download.suggested_filename == f"invoice-{invoice.number}.pdf"
    text = pdf_text(download)
    assert f"Invoice {invoice.number}" in text and "Total due incl. VAT 126.00 EUR" in text

    with page.expect_download() as caught:
        page.get_by_role("link", name=f"Download credit note {note.number}").click()
    text = pdf_text(caught.value)
    assert f"Credit note {note.number}" in text
    assert f"Credits invoice {invoice.number}" in text
    visit.assert_clean()
