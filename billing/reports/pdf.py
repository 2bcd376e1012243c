"""A report as a PDF (fpdf2, the invoices' fonts): its title and range, the table of rows
with their totals, and any notes under it. Written in the active language; plain values
in, bytes out."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF

from billing.pdf import FONT, FONTS
from billing.reports.ranges import DayRange

GREY = (90, 90, 90)


@dataclass(frozen=True)
class Column:
    title: str
    key: str
    width: float  # a share of the page's width
    align: str = "R"


@dataclass
class Sheet:
    title: str
    report_range: DayRange
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]
    totals: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)


class _Page(FPDF):
    def __init__(self, sheet: Sheet):
        super().__init__(orientation="L" if len(sheet.columns) > 7 else "P", format="A4")
        self.sheet = sheet
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(sheet.title)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 7)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.sheet.title} · {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)

    def header_row(self) -> None:
        self.set_font(FONT, "B", 8)
        self.set_fill_color(235, 238, 242)
        for column in self.sheet.columns:
            self.cell(column.width * self.epw, 6, column.title, align=column.align, fill=True)
        self.ln()
        self.set_font(FONT, "", 8)


def render(sheet: Sheet, cell: Callable[[Column, dict[str, Any]], str]) -> bytes:
    """`cell(column, row)` gives a cell's text (the caller formats minutes and money)."""
    pdf = _Page(sheet)
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.cell(0, 9, sheet.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    first = date_format(sheet.report_range.first_day, "DATE_FORMAT")
    last = date_format(sheet.report_range.last_day, "DATE_FORMAT")
    pdf.cell(
        0,
        6,
        _("From %(first)s to %(last)s, both included.") % {"first": first, "last": last}
        + f" ({sheet.report_range.zone})",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    pdf.header_row()
    for row in sheet.rows:
        if pdf.will_page_break(6):
            pdf.add_page()
            pdf.header_row()
        for column in sheet.columns:
            text = cell(column, row)
            pdf.cell(column.width * pdf.epw, 6, text, align=column.align, border="B")
        pdf.ln()
    if not sheet.rows:
        pdf.cell(0, 6, _("No time logged in this range."), new_x="LMARGIN", new_y="NEXT")
    if sheet.totals is not None:
        pdf.set_font(FONT, "B", 8)
        for column in sheet.columns:
            pdf.cell(column.width * pdf.epw, 7, cell(column, sheet.totals), align=column.align)
        pdf.ln()
        pdf.set_font(FONT, "", 8)
    for note in sheet.notes:
        pdf.ln(2)
        pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
