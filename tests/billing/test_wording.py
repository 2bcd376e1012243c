"""Invoice lines are stored as issued, in English, and shown in the reader's language."""

import pytest
from django.utils import translation

from billing.wording import line_text

LINES = [
    ("Monthly fee: Essential", "Abonnement mensuel : Essential"),
    (
        "Monthly fee: Essential (prorated 17/30 days)",
        "Abonnement mensuel : Essential (au prorata, 17 jours sur 30)",
    ),
    ("Overage: 15 min @ 28.00 EUR/h", "Dépassement : 15 min à 28,00 EUR/h"),
    ("Hour pack: 600 min, valid 365 days", "Pack d’heures : 600 min, valable 365 jours"),  # noqa: RUF001
    ("Something a manager wrote", "Something a manager wrote"),
]


@pytest.mark.parametrize(("stored", "french"), LINES)
def test_a_line_reads_in_french_for_a_french_reader(stored, french):
    with translation.override("fr"):
        assert line_text(stored) == french


@pytest.mark.parametrize(("stored", "french"), LINES)
def test_a_line_reads_as_issued_in_english(stored, french):
    with translation.override("en"):
        assert line_text(stored) == stored


@pytest.mark.django_db
def test_the_invoice_page_and_pdf_speak_the_readers_language(month, client):
    """The demo month's invoice, opened by its client in French."""
    import io

    from pypdf import PdfReader

    from billing.pdf import invoice_pdf

    invoice = month.invoice
    stored = [line.description for line in invoice.lines.all()]
    assert any(text.startswith("Monthly fee: ") for text in stored), stored
    reader = invoice.client
    reader.language = "fr"
    reader.save(update_fields=["language"])
    client.force_login(reader)
    page = client.get(f"/app/invoices/{invoice.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Abonnement mensuel : " in page
    assert "Monthly fee: " not in page
    pdf, _ = invoice_pdf(invoice)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Abonnement mensuel" in text and "Monthly fee" not in text
