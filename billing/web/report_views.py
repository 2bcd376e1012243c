"""Reports in the portal, for every role in its own scope: staff pick a range and a
grouping and see the trend, the time and money table and the service's quality; a client
sees their month — the tasks done, the time each took, what it cost and the allowance
left. The same selectors as the API; the CSV links are the API's."""

import datetime
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors
from billing.models import InvoiceKind, InvoiceStatus
from billing.reports import charts, ranges
from billing.reports.quality import quality_report
from billing.reports.time import time_report, time_trend
from billing.web.report_forms import GROUP_CHOICES, MonthForm, ReportForm
from billing.web.views import month_of
from concierge.selectors import tasks_visible_to
from concierge.web.access import signed_in

# Ranges up to this many days are drawn per week, longer ones per month.
WEEKLY_UP_TO_DAYS = 92


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


@signed_in
def reports(request):
    user = request.user
    if user.is_client:
        return your_month(request)
    default = ranges.month_of(_today(user), user.zone)
    form = ReportForm(
        request.GET or None,
        zone=user.zone,
        today=_today(user),
        initial={"from": default.first_day, "to": default.last_day, "group_by": "client"},
    )
    bad = bool(request.GET) and not form.is_valid()
    if form.is_bound and not bad:
        report_range, group_by = form.cleaned_data["range"], form.cleaned_data["group_by"]
    else:
        report_range, group_by = default, "client"
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
        # Costs are in the invoices' currency.
        "currency": report["totals"].get("currency") or "",
        "quality": quality,
        **_trend(user, report_range, {}, language),
        "time_csv": _csv("report-time", report_range, group_by=group_by),
        "quality_csv": _csv("report-quality", report_range),
    }
    return render(request, "billing/web/reports/reports.html", context, status=400 if bad else 200)


def your_month(request):
    """The client's month, the invoice explained."""
    user = request.user
    form = MonthForm(
        request.GET or None,
        zone=user.zone,
        today=_today(user),
        initial={"month": ranges.month_label(_today(user))},
    )
    bad = bool(request.GET) and not form.is_valid()
    if form.is_bound and not bad:
        report_range = form.cleaned_data["range"]
    else:
        report_range = ranges.month_of(_today(user), user.zone)
    language = request.LANGUAGE_CODE
    report = time_report(user, report_range=report_range, group_by="task", language=language)
    done = (
        tasks_visible_to(user)
        .filter(completed_at__gte=report_range.start, completed_at__lt=report_range.end)
        .order_by("completed_at", "pk")
    )
    invoices = list(
        selectors.invoices_visible_to(user)
        .filter(
            kind=InvoiceKind.PERIOD,
            status__in=(InvoiceStatus.OPEN, InvoiceStatus.PAID),
            period_start=report_range.first_day,
        )
        .prefetch_related("lines")
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
        "invoices": invoices,
        "month": current if is_current else None,
        "month_label": ranges.month_label(report_range.first_day),
        "previous_month": ranges.month_label(previous),
        "next_month": ranges.month_label(following) if following <= _today(user) else None,
        **_trend(user, report_range, {}, language),
        "time_csv": _csv("report-time", report_range, group_by="task"),
    }
    return render(
        request, "billing/web/reports/your_month.html", context, status=400 if bad else 200
    )
