"""Credit notes: a client disputes an entry already invoiced (inside its window); when
the manager's decision bills less, a credit note in its own gapless sequence credits the
invoice's lines and VAT that come out lower; read through the API and as a Factur-X PDF
(type 381); settled by a manager locally, refunded once with Stripe."""

import datetime
import io
from decimal import Decimal

import facturx
import pypdf
import pytest
from django.db import IntegrityError, transaction

from assistants.models import TimeEntry
from billing.models import CreditNote, CreditNoteStatus, Invoice, InvoicedEntry
from tests.billing.helpers import at, log
from tests.billing.test_legal import SEP
from tests.factories import SubscriptionFactory
from tests.stripe_peer import localstripe  # noqa: F401

D = Decimal


@pytest.fixture
def billed(seller):
    """September invoiced: 200 min (210 billed at g = 15) and 30 min (30): 240 min,
    120 included, 120 overage @ 28 = 56.00, fee 49.00; 105.00 + 20 % VAT = 126.00."""
    from billing import services

    subscription = SubscriptionFactory(start_date=SEP)
    long = log(subscription.client, at(2026, 9, 3), 200)
    short = log(subscription.client, at(2026, 9, 4), 30)
    services.billing_period_close(now=at(2026, 10, 2))
    invoice = Invoice.objects.get(subscription=subscription)
    assert (invoice.total_excl_tax, invoice.total) == (D("105.00"), D("126.00"))
    return {"client": subscription.client, "invoice": invoice, "long": long, "short": short}


def dispute(api, entry):
    return api.post(f"/api/v1/time-entries/{entry.pk}/dispute/", {"reason": "Too long"})


def resolve(api, entry, decision, minutes=None):
    body = {"decision": decision}
    if minutes is not None:
        body["billable_minutes"] = minutes
    return api.post(f"/api/v1/time-entries/{entry.pk}/resolve/", body, format="json")


def test_a_rejected_invoiced_entry_is_credited_with_its_vat(billed, api_for, manager_api):
    client_api = api_for(billed["client"])
    disputed = dispute(client_api, billed["long"])
    assert disputed.status_code == 200, disputed.content
    assert resolve(manager_api, billed["long"], "reject").status_code == 200
    (note,) = CreditNote.objects.all()
    # Without the 210 min: 30 used, all included; the 120 overage minutes (56.00) go.
    assert note.number == "AV-2026-000001" and note.invoice == billed["invoice"]
    assert [
        (x.quantity_minutes, x.unit_rate, x.amount, x.tax_rate, x.tax_amount)
        for x in note.lines.all()
    ] == [(120, D("28.00"), D("56.00"), D("20.00"), D("11.20"))]
    assert (note.total_excl_tax, note.total_tax, note.total_incl_tax) == (
        D("56.00"),
        D("11.20"),
        D("67.20"),
    )
    assert note.credited_minutes == 210 and note.status == CreditNoteStatus.OPEN
    body = client_api.get(f"/api/v1/invoices/{billed['invoice'].pk}/").json()
    assert body["credit_notes"] == [
        {
            "id": note.pk,
            "number": "AV-2026-000001",
            "status": "open",
            "total_incl_tax": "67.20",
            "issued_at": body["credit_notes"][0]["issued_at"],
        }
    ]
    # The invoice itself is unchanged: a legal record.
    assert Invoice.objects.get(pk=billed["invoice"].pk).total == D("126.00")


def test_an_adjustment_credits_the_overage_it_removes(billed, api_for, manager_api):
    dispute(api_for(billed["client"]), billed["short"])
    # 30 → 15 min: 225 used, the overage shrinks from 120 to 105 min.
    resolve(manager_api, billed["short"], "adjust", 15)
    (note,) = CreditNote.objects.all()
    assert note.total_excl_tax == D("7.00")  # 15 min @ 28.00
    assert InvoicedEntry.objects.get(entry=billed["short"]).credited_minutes == 15
    # Accepting the other entry's dispute credits nothing more.
    dispute(api_for(billed["client"]), billed["long"])
    resolve(manager_api, billed["long"], "accept")
    assert CreditNote.objects.count() == 1


def test_only_inside_the_window_and_an_accepted_dispute_credits_nothing(
    billed, api_for, manager_api
):
    TimeEntry.objects.filter(pk=billed["short"].pk).update(
        reviewable_from=datetime.datetime(2026, 9, 4, tzinfo=datetime.UTC)
    )
    late = dispute(api_for(billed["client"]), billed["short"])
    assert (late.status_code, late.json()["code"]) == (409, "dispute_window_closed")
    dispute(api_for(billed["client"]), billed["long"])
    resolve(manager_api, billed["long"], "accept")
    assert not CreditNote.objects.exists()


def test_credit_notes_are_read_by_their_client_and_managers(
    billed, api_for, manager_api, other_client_api, assistant_api, anon_api
):
    client_api = api_for(billed["client"])
    dispute(client_api, billed["long"])
    resolve(manager_api, billed["long"], "reject")
    note = CreditNote.objects.get()
    url = f"/api/v1/credit-notes/{note.pk}/"
    assert anon_api.get(url).status_code == 401
    assert assistant_api.get("/api/v1/credit-notes/").status_code == 403
    assert other_client_api.get(url).status_code == 404
    assert other_client_api.get(f"{url}pdf/").status_code == 404
    assert other_client_api.get("/api/v1/credit-notes/").json()["count"] == 0
    listed = client_api.get("/api/v1/credit-notes/").json()
    assert [row["number"] for row in listed["results"]] == ["AV-2026-000001"]
    body = client_api.get(url).json()
    assert (body["invoice_number"], body["total_incl_tax"]) == (billed["invoice"].number, "67.20")
    assert body["lines"][0]["tax_amount"] == "11.20"
    assert manager_api.get(url).status_code == 200
    # The PDF: a Factur-X credit note (381) naming its invoice.
    response = client_api.get(f"{url}pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    name, xml = facturx.get_facturx_xml_from_pdf(io.BytesIO(response.content))
    assert name == "factur-x.xml" and facturx.xml_check_xsd(xml) is True
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    assert f"<ram:IssuerAssignedID>{billed['invoice'].number}<".encode() in xml
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Credit note AV-2026-000001" in text
    assert f"Credits invoice {billed['invoice'].number}" in text
    assert "Total credited incl. VAT 67.20 EUR" in text


def test_a_manager_marks_a_credit_note_settled_once(billed, api_for, manager_api):
    client_api = api_for(billed["client"])
    dispute(client_api, billed["long"])
    resolve(manager_api, billed["long"], "reject")
    note = CreditNote.objects.get()
    url = f"/api/v1/credit-notes/{note.pk}/mark-settled/"
    assert client_api.post(url).status_code == 403
    first = manager_api.post(url)
    assert first.status_code == 200 and first.json()["status"] == "settled"
    again = manager_api.post(url)
    assert again.json()["settled_at"] == first.json()["settled_at"]


def test_credit_note_numbers_are_gapless_and_unique(billed, api_for, manager_api):
    client_api = api_for(billed["client"])
    for entry in (billed["long"], billed["short"]):
        dispute(client_api, entry)
    resolve(manager_api, billed["short"], "adjust", 0)
    resolve(manager_api, billed["long"], "reject")
    assert list(CreditNote.objects.order_by("sequence").values_list("number", flat=True)) == [
        "AV-2026-000001",
        "AV-2026-000002",
    ]
    # Together they credit every overage minute: 56.00, never more.
    assert sum(n.total_excl_tax for n in CreditNote.objects.all()) == D("56.00")
    first = CreditNote.objects.get(sequence=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditNote.objects.filter(sequence=2).update(sequence=first.sequence)


def test_with_stripe_a_paid_invoice_is_refunded_once(
    billed,
    localstripe,  # noqa: F811
    api_for,
    manager_api,
    django_capture_on_commit_callbacks,
):
    """Against localstripe: the invoice mirrored and paid, the credit note refunds its
    amount on that charge once, however often the job runs."""
    import stripe

    from billing import stripe as billing_stripe
    from billing.stripe_jobs import mirror_invoice, settle_credit_note

    client = billed["client"]
    billing_stripe.payment_method_attach(user=client, payment_method="pm_card_visa")
    stripe_id = mirror_invoice(billed["invoice"].pk)
    remote = stripe.Invoice.retrieve(stripe_id)
    assert (remote.status, remote.total) == ("paid", 12600)
    dispute(api_for(client), billed["long"])
    with django_capture_on_commit_callbacks(execute=True):
        assert resolve(manager_api, billed["long"], "reject").status_code == 200
    note = CreditNote.objects.get()
    assert note.status == CreditNoteStatus.SETTLED and note.stripe_refund_id
    assert settle_credit_note(note.pk) == note.stripe_refund_id  # a repeat refunds nothing
    charge = remote.charge if isinstance(remote.charge, str) else remote.charge.id
    refunds = stripe.Refund.list(charge=charge).data
    assert [(r.id, r.amount) for r in refunds] == [(note.stripe_refund_id, 6720)]


def _table_after(heading: str) -> list[list[str]]:
    """The rows of the first markdown table after `heading` in docs/billing-rules.md."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "billing-rules.md").read_text()
    rows, seen = [], False
    for line in text[text.index(heading) :].splitlines():
        if line.startswith("|"):
            seen = True
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not set(cells[0]) <= {"-"}:
                rows.append(cells)
        elif seen:
            break
    return rows[1:]  # without the header


def test_the_documented_worked_example_with_vat_and_a_credit_note(seller, api_for, manager_api):
    """docs/billing-rules.md's worked example, to the cent: the three invoices with VAT,
    then the credit note of November's rejected 90-minute entry."""
    from billing import services
    from tests.billing.helpers import worked_example_entries

    subscription = SubscriptionFactory(start_date=datetime.date(2026, 9, 16))
    entries = worked_example_entries(subscription.client)
    services.billing_period_close(now=at(2026, 12, 2))
    invoices = Invoice.objects.order_by("period_start")
    documented = _table_after("| period | total excl. VAT |")
    assert [
        [f"{i.period_start:%Y-%m}", str(i.total_excl_tax), str(i.total_tax), str(i.total)]
        for i in invoices
    ] == documented

    ninety = entries["nov"][1]
    assert ninety.duration_seconds == 90 * 60
    client_api = api_for(subscription.client)
    assert dispute(client_api, ninety).status_code == 200
    assert resolve(manager_api, ninety, "reject").status_code == 200
    note = CreditNote.objects.get()
    assert (note.number, note.invoice.number) == ("AV-2026-000001", "2026-000003")
    computed = [
        [f"@{x.unit_rate}", str(x.quantity_minutes), str(x.amount), str(x.tax_amount)]
        for x in note.lines.all()
    ]
    computed.append(
        [
            f"total incl. VAT {note.total_incl_tax}",
            str(note.credited_minutes),
            str(note.total_excl_tax),
            str(note.total_tax),
        ]
    )
    assert computed == _table_after("| credit line |")


def test_the_client_is_told_of_a_credit_note_with_its_pdf(
    billed, api_for, manager_api, django_capture_on_commit_callbacks
):
    from django.core import mail

    from billing import notices

    client = billed["client"]
    client.language = "fr"
    client.save(update_fields=["language"])
    dispute(api_for(client), billed["long"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resolve(manager_api, billed["long"], "reject")
    note = CreditNote.objects.get()
    (message,) = [m for m in mail.outbox if note.number in m.subject]
    assert message.to == [client.email]
    assert message.subject == f"Avoir {note.number} : 67.20 EUR"
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"credit-note-{note.number}.pdf", "application/pdf")
    assert f"Avoir {note.number}" in pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert notices.tell_credit_note_issued(note.pk) is False  # once
    # The invoice's own notice is not mistaken for this one.
    assert notices.tell_invoice_issued(billed["invoice"].pk) is True
