"""An invoice (or a credit note) read as the document it is: who issues it, to whom, its
lines and VAT, its totals and legal mentions. The PDF (billing/pdf.py) prints it and the
Factur-X XML (billing/facturx.py) states it, both from this one reading."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from billing import periods, tax
from billing.models import CreditNote, Invoice, Plan, SellerVersion

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Party:
    name: str
    address: str = ""
    country_code: str = "FR"
    company: str = ""
    vat_id: str = ""
    siren: str = ""
    legal_form: str = ""
    share_capital: str = ""
    email: str = ""
    vat_exemption_text: str = ""
    late_payment_text: str = ""
    recovery_indemnity_text: str = ""
    payment_terms_days: int | None = None


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity_minutes: int | None
    unit_rate: Decimal | None
    amount: Decimal  # excluding VAT
    tax_rate: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class Document:
    number: str
    is_credit_note: bool
    issued_on: datetime.date
    currency: str
    seller: Party
    buyer: Party
    lines: list[DocumentLine]
    breakdown: list[tax.Breakdown]
    total_excl_tax: Decimal
    total_tax: Decimal
    total_incl_tax: Decimal
    period: tuple[datetime.date, datetime.date] | None = None
    due_date: datetime.date | None = None
    refers_to: str = ""  # a credit note's invoice number
    status: str = ""
    # EN 16931 notes (BT-21 subject code, BT-22 text): the seller's legal mentions.
    notes: list[tuple[str, str]] = field(default_factory=list)
    # The plan billed: the PDF names it in the reader's language (the XML keeps the line).
    plan: Plan | None = None


def seller_party(seller: SellerVersion | None) -> Party:
    if seller is None:  # an invoice issued before the seller was recorded
        return Party(name="")
    return Party(
        name=seller.name,
        address=seller.address,
        country_code=seller.country_code,
        vat_id=seller.vat_id,
        siren=seller.siren,
        legal_form=seller.legal_form,
        share_capital=seller.share_capital,
        email=seller.email,
        vat_exemption_text=seller.vat_exemption_text,
        late_payment_text=seller.late_payment_text,
        recovery_indemnity_text=seller.recovery_indemnity_text,
        payment_terms_days=seller.payment_terms_days,
    )


def buyer_party(buyer: dict) -> Party:
    return Party(
        name=buyer.get("name", ""),
        address=buyer.get("address", ""),
        country_code=buyer.get("country_code") or "FR",
        company=buyer.get("company", ""),
        vat_id=buyer.get("vat_id", ""),
    )


def legal_notes(seller: Party) -> list[tuple[str, str]]:
    """The seller's mentions as EN 16931 notes: REG (legal form and capital), PMD (late
    payment penalties), PMT (the recovery indemnity)."""
    notes = []
    registration = ", ".join(
        part
        for part in (
            seller.legal_form,
            seller.share_capital and f"capital {seller.share_capital}",
            seller.siren and f"SIREN {seller.siren}",
        )
        if part
    )
    if registration:
        notes.append(("REG", registration))
    if seller.late_payment_text:
        notes.append(("PMD", seller.late_payment_text))
    if seller.recovery_indemnity_text:
        notes.append(("PMT", seller.recovery_indemnity_text))
    return notes


def invoice_document(invoice: Invoice) -> Document:
    """An invoice as a document (its lines read once; prefetched lines are used)."""
    seller = seller_party(invoice.seller)
    lines = [
        DocumentLine(
            description=line.description,
            quantity_minutes=line.quantity_minutes,
            unit_rate=line.unit_rate,
            amount=line.amount,
            tax_rate=line.tax_rate if line.tax_rate is not None else ZERO,
            tax_amount=line.tax_amount,
        )
        for line in invoice.lines.all()
    ]
    breakdown = tax.breakdown_of([(x.tax_rate, x.amount, x.tax_amount) for x in lines])
    issued = invoice.finalised_at or invoice.created_at
    return Document(
        number=invoice.number or "",
        is_credit_note=False,
        issued_on=issued.astimezone(periods.zone()).date(),
        currency=invoice.currency,
        seller=seller,
        buyer=buyer_party(invoice.buyer or {}),
        lines=lines,
        breakdown=breakdown,
        total_excl_tax=invoice.total_excl_tax,
        total_tax=invoice.total_tax,
        total_incl_tax=invoice.total_incl_tax,
        period=(invoice.period_start, invoice.period_end),
        due_date=invoice.due_date,
        status=invoice.status,
        notes=legal_notes(seller),
        plan=invoice.plan,
    )


def credit_note_document(note: CreditNote) -> Document:
    """A credit note as a document: the lines and VAT it takes off its invoice."""
    seller = seller_party(note.seller)
    lines = [
        DocumentLine(
            description=line.description,
            quantity_minutes=line.quantity_minutes,
            unit_rate=line.unit_rate,
            amount=line.amount,
            tax_rate=line.tax_rate,
            tax_amount=line.tax_amount,
        )
        for line in note.lines.all()
    ]
    return Document(
        number=note.number,
        is_credit_note=True,
        issued_on=note.issued_at.astimezone(periods.zone()).date(),
        currency=note.currency,
        seller=seller,
        buyer=buyer_party(note.buyer or {}),
        lines=lines,
        breakdown=tax.breakdown_of([(x.tax_rate, x.amount, x.tax_amount) for x in lines]),
        total_excl_tax=note.total_excl_tax,
        total_tax=note.total_tax,
        total_incl_tax=note.total_incl_tax,
        period=(note.invoice.period_start, note.invoice.period_end),
        refers_to=note.invoice.number or "",
        status=note.status,
        notes=legal_notes(seller),
        plan=note.invoice.plan,
    )
