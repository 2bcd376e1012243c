"""The Factur-X XML of an invoice or a credit note: UN/CEFACT Cross Industry Invoice at
the EN 16931 profile (Factur-X 1.0), what business clients' software reads from the PDF.

Built from a `Document` (billing/documents.py), the same reading the PDF prints, so the
two never disagree."""

import re
from decimal import Decimal

from lxml import etree

from billing.documents import Document, Party

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931 = "urn:cen.eu:en16931:2017"
# UNTDID 1001: commercial invoice, credit note.
TYPE_INVOICE, TYPE_CREDIT_NOTE = "380", "381"
# ISO/IEC 6523: the French SIRENE register.
SCHEME_SIREN = "0002"
POSTCODE_CITY = re.compile(r"^(?P<postcode>[0-9A-Z -]{3,10}?)\s+(?P<city>\S.*)$")


def _el(parent, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrib)
    if text is not None:
        node.text = text
    return node


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _date(parent, tag: str, value) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _address(parent, party: Party) -> None:
    lines = [line.strip() for line in party.address.splitlines() if line.strip()]
    postcode = city = ""
    if lines and (found := POSTCODE_CITY.match(lines[-1])):
        postcode, city = found["postcode"], found["city"]
        lines = lines[:-1]
    address = _el(parent, "ram:PostalTradeAddress")
    if postcode:
        _el(address, "ram:PostcodeCode", postcode)
    for tag, line in zip(("ram:LineOne", "ram:LineTwo", "ram:LineThree"), lines, strict=False):
        _el(address, tag, line)
    if city:
        _el(address, "ram:CityName", city)
    _el(address, "ram:CountryID", party.country_code or "FR")


def _party(parent, tag: str, party: Party) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party.company or party.name)
    if party.siren:
        organisation = _el(node, "ram:SpecifiedLegalOrganization")
        _el(organisation, "ram:ID", party.siren, schemeID=SCHEME_SIREN)
    _address(node, party)
    if party.vat_id:
        registration = _el(node, "ram:SpecifiedTaxRegistration")
        _el(registration, "ram:ID", party.vat_id, schemeID="VA")


def _category(rate: Decimal, exempt: bool) -> str:
    """UNCL 5305: E exempt, Z zero rated, S standard (any positive rate)."""
    if exempt:
        return "E"
    return "S" if rate > 0 else "Z"


def xml(document: Document) -> bytes:
    """The document as Factur-X EN 16931 XML, UTF-8."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)

    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", document.number)
    _el(header, "ram:TypeCode", TYPE_CREDIT_NOTE if document.is_credit_note else TYPE_INVOICE)
    _date(header, "ram:IssueDateTime", document.issued_on)
    for subject, text in document.notes:
        note = _el(header, "ram:IncludedNote")
        _el(note, "ram:Content", text)
        _el(note, "ram:SubjectCode", subject)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    exempt = bool(document.seller.vat_exemption_text)
    for index, line in enumerate(document.lines, start=1):
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        price = _el(agreement, "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", _amount(line.amount))
        delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
        _el(delivery, "ram:BilledQuantity", "1", unitCode="C62")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        line_tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(line_tax, "ram:TypeCode", "VAT")
        _el(line_tax, "ram:CategoryCode", _category(line.tax_rate, exempt))
        _el(line_tax, "ram:RateApplicablePercent", _amount(line.tax_rate))
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", _amount(line.amount))

    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", document.seller)
    _party(agreement, "ram:BuyerTradeParty", document.buyer)
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")

    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", document.currency)
    for vat in document.breakdown:
        header_tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(header_tax, "ram:CalculatedAmount", _amount(vat.tax_amount))
        _el(header_tax, "ram:TypeCode", "VAT")
        if exempt:
            _el(header_tax, "ram:ExemptionReason", document.seller.vat_exemption_text)
        _el(header_tax, "ram:BasisAmount", _amount(vat.taxable_amount))
        _el(header_tax, "ram:CategoryCode", _category(vat.tax_rate, exempt))
        _el(header_tax, "ram:RateApplicablePercent", _amount(vat.tax_rate))
    if document.period is not None:
        period = _el(settlement, "ram:BillingSpecifiedPeriod")
        _date(period, "ram:StartDateTime", document.period[0])
        _date(period, "ram:EndDateTime", document.period[1])
    if document.due_date is not None and not document.is_credit_note:
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        _date(terms, "ram:DueDateDateTime", document.due_date)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", _amount(document.total_excl_tax))
    _el(totals, "ram:TaxBasisTotalAmount", _amount(document.total_excl_tax))
    _el(totals, "ram:TaxTotalAmount", _amount(document.total_tax), currencyID=document.currency)
    _el(totals, "ram:GrandTotalAmount", _amount(document.total_incl_tax))
    _el(totals, "ram:DuePayableAmount", _amount(document.total_incl_tax))
    if document.refers_to:
        referenced = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(referenced, "ram:IssuerAssignedID", document.refers_to)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
