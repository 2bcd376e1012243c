"""Invoices and credit notes as PDF/A-3 with their Factur-X XML embedded (`factur-x.xml`).

fpdf2 draws the page (pure Python, installed from a wheel: no system library such as
Pango or Cairo), with DejaVu Sans embedded from billing/fonts/ (PDF/A embeds every font)
and an sRGB output intent made by Pillow's LittleCMS; the `factur-x` library then
attaches the XML (checked against the Factur-X XSD) and writes the PDF/A-3 XMP metadata.
Text is in the active language: call inside `translation.override` (`render` does, in
the buyer's language)."""

import datetime
from decimal import Decimal
from pathlib import Path

import facturx
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import OutputIntentSubType
from fpdf.output import PDFICCProfile
from PIL import ImageCms

from billing import facturx as billing_facturx
from billing.documents import Document, Party, credit_note_document, invoice_document
from billing.wording import line_text

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
GREY = (90, 90, 90)


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def money(value: Decimal, currency: str) -> str:
    return f"{number_format(value, 2, force_grouping=True)} {currency}"


def _date(value: datetime.date) -> str:
    return date_format(value, "j F Y")


def _rate(value: Decimal) -> str:
    return f"{number_format(value.normalize(), use_l10n=True)} %"


class _Page(FPDF):
    def __init__(self, document: Document):
        super().__init__(format="A4", enforce_compliance="PDFA_3B")
        self.document = document
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        profile = _srgb_profile()
        self.add_output_intent(
            OutputIntentSubType.PDFA,
            output_condition_identifier="sRGB",
            output_condition="sRGB IEC61966-2.1",
            registry_name="http://www.color.org",
            dest_output_profile=PDFICCProfile(contents=profile, n=3, alternate="DeviceRGB"),
            info="sRGB IEC61966-2.1",
        )
        self.set_auto_page_break(auto=True, margin=25)
        self.set_margins(18, 18, 18)
        self.set_title(f"{self._kind()} {document.number}")
        self.set_author(document.seller.name or "-")
        self.set_creator("concierge")
        self.set_lang(translation.get_language() or "en")

    def _kind(self) -> str:
        return _("Credit note") if self.document.is_credit_note else _("Invoice")

    def footer(self):
        seller = self.document.seller
        self.set_y(-18)
        self.set_font(FONT, "", 7)
        self.set_text_color(*GREY)
        parts = [
            seller.name,
            seller.legal_form,
            seller.share_capital and _("capital %(capital)s") % {"capital": seller.share_capital},
            seller.siren and f"SIREN {seller.siren}",
            seller.vat_id and _("VAT number %(vat_id)s") % {"vat_id": seller.vat_id},
        ]
        self.multi_cell(0, 3.5, " · ".join(p for p in parts if p), align="C")
        self.cell(0, 3.5, f"{self.page_no()}/{{nb}}", align="C")

    def party(self, title: str, party: Party, x: float, y: float, width: float) -> float:
        self.set_xy(x, y)
        self.set_font(FONT, "B", 8)
        self.set_text_color(*GREY)
        self.cell(width, 5, title.upper(), new_x="LEFT", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, "B", 10)
        self.multi_cell(width, 5, party.company or party.name or "-", new_x="LEFT", new_y="NEXT")
        self.set_font(FONT, "", 9)
        if party.company and party.name:
            self.multi_cell(width, 4.5, party.name, new_x="LEFT", new_y="NEXT")
        if party.address:
            self.multi_cell(width, 4.5, party.address, new_x="LEFT", new_y="NEXT")
        if party.vat_id:
            self.multi_cell(
                width,
                4.5,
                _("VAT number %(vat_id)s") % {"vat_id": party.vat_id},
                new_x="LEFT",
                new_y="NEXT",
            )
        if party.siren:
            self.multi_cell(width, 4.5, f"SIREN {party.siren}", new_x="LEFT", new_y="NEXT")
        return self.get_y()


def _draw(document: Document) -> bytes:
    pdf = _Page(document)
    pdf.add_page()
    width = pdf.epw
    top = pdf.get_y()
    left_end = pdf.party(_("Seller"), document.seller, pdf.l_margin, top, width / 2 - 5)
    right_end = pdf.party(
        _("Billed to"), document.buyer, pdf.l_margin + width / 2 + 5, top, width / 2 - 5
    )
    pdf.set_xy(pdf.l_margin, max(left_end, right_end) + 8)

    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, f"{pdf._kind()} {document.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    facts = [(_("Issued on"), _date(document.issued_on))]
    if document.refers_to:
        facts.append((_("Credits invoice"), document.refers_to))
    if document.period and not document.is_credit_note:
        facts.append(
            (
                _("Period"),
                _("%(start)s to %(end)s")
                % {"start": _date(document.period[0]), "end": _date(document.period[1])},
            )
        )
    if document.due_date and not document.is_credit_note:
        facts.append((_("Due date"), _date(document.due_date)))
    for label, value in facts:
        pdf.cell(35, 5, label)
        pdf.cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)

    columns = (
        (_("Description"), width - 95, "L"),
        (_("Quantity"), 22, "R"),
        (_("Rate"), 25, "R"),
        (_("VAT"), 18, "R"),
        (_("Amount excl. VAT"), 30, "R"),
    )
    pdf.set_font(FONT, "B", 8)
    pdf.set_fill_color(235, 235, 235)
    for title, w, align in columns:
        pdf.cell(w, 7, title, align=align, fill=True)
    pdf.ln()
    pdf.set_font(FONT, "", 8.5)
    for line in document.lines:
        cells = (
            line_text(line.description, document.plan),
            _("%(minutes)s min") % {"minutes": line.quantity_minutes}
            if line.quantity_minutes
            else "",
            _("%(rate)s /h") % {"rate": money(line.unit_rate, document.currency)}
            if line.unit_rate is not None
            else "",
            _rate(line.tax_rate),
            money(line.amount, document.currency),
        )
        for text, (_title, w, align) in zip(cells, columns, strict=True):
            pdf.cell(w, 6, text, align=align, border="B")
        pdf.ln()
    pdf.ln(4)

    pdf.set_font(FONT, "", 8)
    label_w, value_w = 50, 30
    x = pdf.l_margin + width - label_w - value_w
    for vat in document.breakdown:
        pdf.set_x(x)
        pdf.cell(
            label_w,
            5,
            _("VAT %(rate)s on %(base)s")
            % {"rate": _rate(vat.tax_rate), "base": money(vat.taxable_amount, document.currency)},
            align="R",
        )
        pdf.cell(value_w, 5, money(vat.tax_amount, document.currency), align="R")
        pdf.ln()
    pdf.set_font(FONT, "", 9)
    for label, amount, bold in (
        (_("Total excl. VAT"), document.total_excl_tax, False),
        (_("Total VAT"), document.total_tax, False),
        (
            _("Total credited incl. VAT") if document.is_credit_note else _("Total due incl. VAT"),
            document.total_incl_tax,
            True,
        ),
    ):
        pdf.set_x(x)
        pdf.set_font(FONT, "B" if bold else "", 10 if bold else 9)
        pdf.cell(label_w, 6, label, align="R")
        pdf.cell(value_w, 6, money(amount, document.currency), align="R")
        pdf.ln()
    pdf.ln(6)

    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*GREY)
    mentions = []
    if document.seller.vat_exemption_text:
        mentions.append(document.seller.vat_exemption_text)
    if document.due_date and not document.is_credit_note:
        mentions.append(
            _("Payment due by %(date)s; no discount for early payment.")
            % {"date": _date(document.due_date)}
        )
    if document.status == "paid" and not document.is_credit_note:
        mentions.append(_("Paid."))
    mentions += [
        document.seller.late_payment_text,
        document.seller.recovery_indemnity_text,
    ]
    for mention in mentions:
        if mention:
            pdf.multi_cell(0, 4, mention, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def render(document: Document, *, language: str) -> bytes:
    """The document as a Factur-X PDF/A-3 in `language`, the XML embedded."""
    with translation.override(language):
        drawn = _draw(document)
        title = f"{_('Credit note') if document.is_credit_note else _('Invoice')} "
        title += document.number
    return facturx.generate_from_binary(
        drawn,
        billing_facturx.xml(document),
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata={
            "author": document.seller.name or "-",
            "keywords": "Factur-X",
            "title": title,
            "subject": title,
        },
        lang=language,
    )


def buyer_language(user) -> str:
    """The language the buyer reads (their portal language; the service's otherwise)."""
    language = getattr(user, "language", "") or ""
    return language if language and check_for_language(language) else settings.LANGUAGE_CODE


def invoice_pdf(invoice) -> tuple[bytes, str]:
    """An invoice's Factur-X PDF, in its buyer's language, and its file name."""
    document = invoice_document(invoice)
    return render(document, language=buyer_language(invoice.client)), filename(document)


def credit_note_pdf(note) -> tuple[bytes, str]:
    """A credit note's Factur-X PDF (type 381), in its buyer's language, and its name."""
    document = credit_note_document(note)
    return render(document, language=buyer_language(note.client)), filename(document)


def filename(document: Document) -> str:
    kind = "credit-note" if document.is_credit_note else "invoice"
    return f"{kind}-{document.number or 'draft'}.pdf"
