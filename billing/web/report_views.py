"""Reports in the portal, for every role in its own scope: staff pick a range and a
grouping and see the trend, the time and money table and the service's quality; a client
sees their month — the tasks done, the time each took, what it cost and the allowance
left. The same selectors as the API; the CSV links are the API's."""

import datetime
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors
from billing.models import InvoiceKind, InvoiceStatus
from billing.reports import charts, ranges
from billing.reports import pdf as report_pdf
from billing.reports.quality import quality_report
from billing.reports.time import time_report, time_trend
from billing.web.report_forms import GROUP_CHOICES, MonthForm, ReportForm
from billing.web.views import month_of
from concierge.selectors import tasks_visible_to
from concierge.templatetags.portal import minutes
from concierge.web.access import signed_in

# Ranges up to this many days are drawn per week, longer ones per month.
WEEKLY_UP_TO_DAYS = 92
# The rows a page or a PDF shows of the table (a year of everyone's tasks is a hundred
# thousand); the CSV holds them all.
SHOWN_ROWS = 200


def _today(user):
    return timezone.now().astimezone(user.zone).date()


def _trend(user, report_range, filters, language):
    size = "week" if report_range.days <= WEEKLY_UP_TO_DAYS else "month"
    columns, labels = time_trend(
        user, report_range=report_range, size=size, filters=filters, language=language
    )
    return {"size": size, "chart": charts.trend(columns, labels, other_label=_("Other"))}


def _csv(name, report_range, **query):
    query = {"from": report_range.first_day, "to": report_range.last_day, **query}
    return f"{reverse(name)}?{urlencode({**query, 'format': 'csv'})}"


def _staff_choice(request):
    """The range and grouping a staff member asked for (this month by client when none),
    the bound form, and whether it was refused."""
    user = request.user
    default = ranges.month_of(_today(user), user.zone)
    form = ReportForm(
        request.GET or None,
        zone=user.zone,
        today=_today(user),
        initial={"from": default.first_day, "to": default.last_day, "group_by": "client"},
    )
    bad = bool(request.GET) and not form.is_valid()
    if form.is_bound and not bad:
        return form, bad, form.cleaned_data["range"], form.cleaned_data["group_by"]
    return form, bad, default, "client"


def _month_choice(request):
    """The month a client asked for (this one when none), the form, whether refused."""
    user = request.user
    form = MonthForm(
        request.GET or None,
        zone=user.zone,
        today=_today(user),
        initial={"month": ranges.month_label(_today(user))},
    )
    bad = bool(request.GET) and not form.is_valid()
    if form.is_bound and not bad:
        return form, bad, form.cleaned_data["range"]
    return form, bad, ranges.month_of(_today(user), user.zone)


def _pdf_link(request, report_range, **query):
    if request.user.is_client:
        query = {"month": ranges.month_label(report_range.first_day)}
    else:
        query = {"from": report_range.first_day, "to": report_range.last_day, **query}
    return f"{reverse('portal:reports-pdf')}?{urlencode(query)}"


@signed_in
def reports(request):
    user = request.user
    if user.is_client:
        return your_month(request)
    form, bad, report_range, group_by = _staff_choice(request)
    language = request.LANGUAGE_CODE
    report = time_report(user, report_range=report_range, group_by=group_by, language=language)
    quality = quality_report(
        user, report_range=report_range, group_by="assistant", language=language
    )
    context = {
        "form": form,
        "range": report_range,
        "group_by": group_by,
        "group_label": dict(GROUP_CHOICES)[group_by],
        "report": report,
        "rows": report["rows"][:SHOWN_ROWS],
        # Costs are in the invoices' currency.
        "currency": report["totals"].get("currency") or "",
        "quality": quality,
        **_trend(user, report_range, {}, language),
        "time_csv": _csv("report-time", report_range, group_by=group_by),
        "quality_csv": _csv("report-quality", report_range),
        "pdf": _pdf_link(request, report_range, group_by=group_by),
    }
    if report["totals"]["rows"] > SHOWN_ROWS:
        context["shown_note"] = _shown_note(report["totals"]["rows"])
    return render(request, "billing/web/reports/reports.html", context, status=400 if bad else 200)


def _invoices_of(user, report_range):
    return list(
        selectors.invoices_visible_to(user)
        .filter(
            kind=InvoiceKind.PERIOD,
            status__in=(InvoiceStatus.OPEN, InvoiceStatus.PAID),
            period_start=report_range.first_day,
        )
        .prefetch_related("lines")
    )


def your_month(request):
    """The client's month, the invoice explained."""
    user = request.user
    form, bad, report_range = _month_choice(request)
    language = request.LANGUAGE_CODE
    report = time_report(user, report_range=report_range, group_by="task", language=language)
    done = (
        tasks_visible_to(user)
        .filter(completed_at__gte=report_range.start, completed_at__lt=report_range.end)
        .order_by("completed_at", "pk")
    )
    current = month_of(user)
    is_current = current is not None and current["usage"].period_start == report_range.first_day
    previous = ranges.month_start(report_range.first_day - datetime.timedelta(days=1))
    following = ranges.next_month(report_range.first_day)
    context = {
        "form": form,
        "range": report_range,
        "report": report,
        "done": list(done),
        "invoices": _invoices_of(user, report_range),
        "month": current if is_current else None,
        "month_label": ranges.month_label(report_range.first_day),
        "previous_month": ranges.month_label(previous),
        "next_month": ranges.month_label(following) if following <= _today(user) else None,
        **_trend(user, report_range, {}, language),
        "time_csv": _csv("report-time", report_range, group_by="task"),
        "pdf": _pdf_link(request, report_range),
    }
    return render(
        request, "billing/web/reports/your_month.html", context, status=400 if bad else 200
    )


def _shown_note(count):
    return _(
        "The %(shown)s rows with the most time of %(count)s; the CSV download holds them all."
    ) % {"shown": SHOWN_ROWS, "count": count}


def _money(amount, currency):
    return "—" if amount is None else f"{amount:.2f} {currency or ''}".strip()


def _cell(column, row):
    value = row.get(column.key)
    if column.key == "label":
        return str(value if value is not None else _("Total"))
    if column.key.endswith("_minutes"):
        return str(minutes(value or 0))
    if column.key.endswith("_amount"):
        return _money(value, row.get("currency") or row.get("cost_currency"))
    return "" if value is None else str(value)


def _time_columns(report, first_title):
    columns = [
        report_pdf.Column(first_title, "label", 0.28, "L"),
        report_pdf.Column(_("Logged"), "logged_minutes", 0.1),
        report_pdf.Column(_("Billable"), "billable_minutes", 0.1),
        report_pdf.Column(_("Billed"), "billed_minutes", 0.1),
        report_pdf.Column(_("Not billable"), "non_billable_minutes", 0.1),
        report_pdf.Column(_("Disputed"), "disputed_minutes", 0.1),
    ]
    if report["money"]:
        columns.append(report_pdf.Column(_("Invoiced"), "invoiced_amount", 0.12))
    if report["costs"]:
        columns += [
            report_pdf.Column(_("Cost"), "cost_amount", 0.1),
            report_pdf.Column(_("Margin"), "margin_amount", 0.1),
        ]
    scale = 1 / sum(column.width for column in columns)
    return [report_pdf.Column(c.title, c.key, c.width * scale, c.align) for c in columns]


@signed_in
def reports_pdf(request):
    """The time and money table as a PDF: staff for their range and grouping, a client
    for their month (with its invoice's lines under it)."""
    user = request.user
    language = request.LANGUAGE_CODE
    notes = []
    if user.is_client:
        _form, bad, report_range = _month_choice(request)
        group_by = "task"
        title = _("Your month: %(month_label)s") % {
            "month_label": ranges.month_label(report_range.first_day)
        }
        first_title = _("Task")
        for invoice in _invoices_of(user, report_range):
            notes.append(
                _("Invoice %(number)s: %(total)s %(currency)s.")
                % {"number": invoice.number, "total": invoice.total, "currency": invoice.currency}
            )
            notes += [
                f"{line.description}: {_money(line.amount, invoice.currency)}"
                for line in invoice.lines.all()
            ]
    else:
        _form, bad, report_range, group_by = _staff_choice(request)
        title, first_title = _("Time and money"), str(dict(GROUP_CHOICES)[group_by])
    if bad:
        raise Http404(_("No such report."))
    report = time_report(user, report_range=report_range, group_by=group_by, language=language)
    currency = report["totals"].get("currency") or ""
    rows = [{**row, "cost_currency": currency} for row in report["rows"][:SHOWN_ROWS]]
    if report["totals"]["rows"] > SHOWN_ROWS:
        notes.insert(0, _shown_note(report["totals"]["rows"]))
    totals = {**report["totals"], "label": None, "cost_currency": currency}
    sheet = report_pdf.Sheet(
        title=title,
        report_range=report_range,
        columns=_time_columns(report, first_title),
        rows=rows,
        totals=totals,
        notes=notes,
    )
    response = HttpResponse(report_pdf.render(sheet, _cell), content_type="application/pdf")
    name = f"report-{report_range.first_day}-{report_range.last_day}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
