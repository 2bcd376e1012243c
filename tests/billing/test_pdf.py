"""Invoices as PDF/A-3 with their Factur-X XML: the XML valid against the official XSD
(the `factur-x` library checks it), the PDF's text read back (pypdf) in the buyer's
language, `GET invoices/{id}/pdf/` scoped to who may read the invoice, and the PDF
attached to the invoice e-mail."""

import io

import facturx
import pypdf
from django.core import mail
from lxml import etree

from billing import facturx as billing_facturx
from billing import notices
from billing.documents import invoice_document
from billing.models import BillingDetails
from tests.billing.test_legal import BUYER, close_september
from tests.factories import ClientFactory

NS = {
    "rsm": billing_facturx.RSM,
    "ram": billing_facturx.RAM,
    "udt": billing_facturx.UDT,
}


def text_of(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def embedded_xml(content: bytes) -> etree._Element:
    name, xml = facturx.get_facturx_xml_from_pdf(io.BytesIO(content))
    assert name == "factur-x.xml"
    return etree.fromstring(xml)


def test_the_xml_is_en16931_and_valid_against_the_official_schema(seller, client_user):
    BillingDetails.objects.create(client=client_user, **BUYER, vat_id="FR40123456824")
    invoice = close_september(client=client_user)
    xml = billing_facturx.xml(invoice_document(invoice))
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    root = etree.fromstring(xml)

    def one(path):
        (found,) = root.xpath(path, namespaces=NS)
        return found.text

    assert one("//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == (
        "urn:cen.eu:en16931:2017"
    )
    assert one("//rsm:ExchangedDocument/ram:ID") == invoice.number
    assert one("//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert one("//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == "123456782"
    assert one("//ram:SellerTradeParty//ram:CityName") == "Paris"
    assert one("//ram:BuyerTradeParty/ram:Name") == "Claire Martin"
    assert one("//ram:BuyerTradeParty//ram:PostcodeCode") == "33000"
    assert one("//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == "FR40123456824"
    total = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    assert [one(total + name) for name in ("TaxBasisTotalAmount", "GrandTotalAmount")] == [
        "91.00",
        "109.20",
    ]
    assert one(total + "TaxTotalAmount") == "18.20"
    assert root.xpath("//ram:LineTotalAmount/text()", namespaces=NS) == ["49.00", "42.00", "91.00"]
    assert one("//ram:DueDateDateTime/udt:DateTimeString") == "20261101"
    notes = root.xpath("//ram:IncludedNote/ram:SubjectCode/text()", namespaces=NS)
    assert notes == ["REG", "PMD", "PMT"]


def test_a_client_downloads_their_invoice_pdf(seller, client_api, client_user):
    BillingDetails.objects.create(client=client_user, **BUYER)
    invoice = close_september(client=client_user)
    response = client_api.get(f"/api/v1/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="invoice-{invoice.number}.pdf"'
    )
    content = response.content
    assert content.startswith(b"%PDF-1.7")
    # PDF/A-3: the XMP says so, an sRGB output intent, the XML attached as data.
    reader = pypdf.PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp.stream.get_data()
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    (spec,) = [a.get_object() for a in root["/AF"]]
    assert (spec["/F"], spec["/AFRelationship"]) == ("factur-x.xml", "/Data")
    assert facturx.xml_check_xsd(etree.tostring(embedded_xml(content))) is True
    text = text_of(content)
    for expected in (
        f"Invoice {invoice.number}",
        "Conciergerie Exemple SAS",
        "SIREN 123456782",
        "VAT number FR32123456782",
        "Claire Martin",
        "3 quai des Chartrons",
        "Monthly fee",
        "49.00 EUR",
        "42.00 EUR",
        "VAT 20 % on 91.00 EUR",
        "Total due incl. VAT 109.20 EUR",
        "Due date",
        "1 November 2026",
        "40 EUR for recovery costs",
    ):
        assert expected in text, expected


def test_the_pdf_is_in_the_buyers_language(seller, client_api, client_user):
    client_user.language = "fr"
    client_user.save(update_fields=["language"])
    invoice = close_september(client=client_user)
    text = text_of(client_api.get(f"/api/v1/invoices/{invoice.pk}/pdf/").content)
    for expected in (
        f"Facture {invoice.number}",
        "Échéance",
        "1 novembre 2026",
        "TVA 20 % sur 91,00 EUR",
        "Total TTC à payer 109,20 EUR",
        "Montant HT",
    ):
        assert expected in text, expected
    assert "Total due" not in text


def test_another_persons_invoice_pdf_is_not_found(
    seller, anon_api, other_client_api, assistant_api, manager_api, client_user
):
    invoice = close_september(client=client_user)
    url = f"/api/v1/invoices/{invoice.pk}/pdf/"
    assert anon_api.get(url).status_code == 401
    assert assistant_api.get(url).status_code == 403
    missing = other_client_api.get(url)
    assert (missing.status_code, missing["Content-Type"]) == (404, "application/json")
    assert missing.json()["code"] == "not_found"
    assert manager_api.get(url).status_code == 200
    assert other_client_api.get("/api/v1/invoices/999999/pdf/").status_code == 404


def test_the_invoice_email_carries_its_pdf(seller, client_user, django_capture_on_commit_callbacks):
    client_user.language = "fr"
    client_user.save(update_fields=["language"])
    invoice = close_september(client=client_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert notices.tell_invoice_issued(invoice.pk) is True
    (message,) = mail.outbox
    assert message.to == [client_user.email]
    assert invoice.number in message.subject
    assert "PDF" in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"invoice-{invoice.number}.pdf", "application/pdf")
    assert f"Facture {invoice.number}" in text_of(content)
    root = embedded_xml(content)
    assert root.xpath("//rsm:ExchangedDocument/ram:ID/text()", namespaces=NS) == [invoice.number]


def test_the_portal_invoice_page_states_vat_and_offers_the_pdf(seller, client_user):
    from django.test import Client

    BillingDetails.objects.create(client=client_user, **BUYER)
    invoice = close_september(client=client_user)
    web = Client()
    web.force_login(client_user)
    page = web.get(f"/app/invoices/{invoice.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for expected in (
        "Conciergerie Exemple SAS",
        "3 quai des Chartrons",
        "VAT 20 %",
        "Total due incl. VAT",
        "109.20",
        "Due date",
    ):
        assert expected in html, expected
    link = f'href="/api/v1/invoices/{invoice.pk}/pdf/"'
    assert link in html and "Download PDF" in html
    # The button's link works with the portal's session, and only for its reader.
    download = web.get(f"/api/v1/invoices/{invoice.pk}/pdf/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    other = Client()
    other.force_login(ClientFactory())
    assert other.get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 404
    assert other.get(f"/app/invoices/{invoice.pk}/").status_code == 404


def test_a_client_gives_their_billing_details_on_the_plan_page(seller, client_user):
    from django.test import Client

    web = Client()
    web.force_login(client_user)
    page = web.get("/app/plan/").content.decode()
    assert "Give the name and address your invoices are made out to" in page
    assert 'action="/app/plan/billing-details/"' in page
    missing = web.post("/app/plan/billing-details/", {"name": "Claire"}, follow=True)
    assert "Give the name and the address for your invoices." in missing.content.decode()
    assert not BillingDetails.objects.filter(client=client_user).exists()
    saved = web.post("/app/plan/billing-details/", {**BUYER, "company": "Martin SARL"}, follow=True)
    assert "Your billing details are saved." in saved.content.decode()
    details = BillingDetails.objects.get(client=client_user)
    assert (details.name, details.company) == ("Claire Martin", "Martin SARL")
    assert "Your invoices are made out to:" in web.get("/app/plan/").content.decode()
    # The next invoice is made out to them.
    invoice = close_september(client=client_user)
    assert invoice.buyer["company"] == "Martin SARL"
    # Only clients: a manager's post is refused.
    from tests.factories import ManagerFactory

    manager = Client()
    manager.force_login(ManagerFactory())
    assert manager.post("/app/plan/billing-details/", BUYER).status_code in (403, 404)
