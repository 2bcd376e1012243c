"""The client's month in summary, told once the month's invoice is issued: the tasks done,
the time logged and billed, what the invoice comes to and where to read it explained.

A notification of its own kind (MONTH_SUMMARY): always in the inbox, by e-mail unless the
client turned that kind off. Written in the client's language, their month read in their
zone. Each month is told once, whoever runs the job and however often.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing import periods
from billing.models import Invoice, InvoiceKind, InvoiceStatus
from billing.reports import ranges
from billing.reports.time import time_report
from concierge.models import Notification, NotificationKind, User
from concierge.notifications import addressed_to, notify
from concierge.selectors import tasks_visible_to
from concierge.templatetags.portal import minutes as _minutes

ISSUED = (InvoiceStatus.OPEN, InvoiceStatus.PAID)


def _label(period: datetime.date) -> str:
    return ranges.month_label(period)


def _told(client_id: int, period: datetime.date) -> QuerySet[Notification]:
    return Notification.objects.filter(
        user_id=client_id, kind=NotificationKind.MONTH_SUMMARY, data__month=_label(period)
    )


def clients_due_a_summary(period: datetime.date) -> list[int]:
    """The clients with an issued invoice for `period` (a month's first day) who have not
    been told that month's summary yet. One query."""
    told = Notification.objects.filter(
        user_id=OuterRef("client_id"),
        kind=NotificationKind.MONTH_SUMMARY,
        data__month=_label(period),
    )
    invoices = Invoice.objects.filter(
        kind=InvoiceKind.PERIOD, status__in=ISSUED, period_start=period
    ).exclude(Exists(told))
    return sorted(set(invoices.values_list("client_id", flat=True)))


@transaction.atomic
def month_summary_tell(*, client_id: int, period: datetime.date) -> bool:
    """Tell the client their month `period` (its first day), once; False when already
    told, or when the client is gone."""
    client = User.objects.select_for_update().filter(pk=client_id, is_active=True).first()
    if client is None or not client.is_client or _told(client_id, period).exists():
        return False
    with addressed_to(client) as reader:
        month = ranges.month_of(period, reader.zone)
        report = time_report(reader, report_range=month, group_by="task")
        totals = report["totals"]
        done = tasks_visible_to(reader).filter(
            completed_at__gte=month.start, completed_at__lt=month.end
        )
        invoices = list(
            Invoice.objects.filter(
                client=reader, kind=InvoiceKind.PERIOD, status__in=ISSUED, period_start=period
            ).order_by("pk")
        )
        words = {
            "month": _label(period),
            "done": done.count(),
            "logged": _minutes(totals["logged_minutes"]),
            "billed": _minutes(totals["billed_minutes"]),
            "link": f"{settings.PORTAL_URL}{reverse('portal:reports')}?month={_label(period)}",
        }
        lines = [
            ngettext(
                "In %(month)s we completed %(done)d task for you.",
                "In %(month)s we completed %(done)d tasks for you.",
                words["done"],
            )
            % words,
            _("Time logged on your tasks: %(logged)s; billed: %(billed)s.") % words,
        ]
        for row in report["rows"][:10]:
            lines.append(
                _("- %(task)s: %(time)s")
                % {"task": row["label"], "time": _minutes(row["logged_minutes"])}
            )
        for invoice in invoices:
            lines.append(
                _("Invoice %(number)s: %(total)s %(currency)s.")
                % {"number": invoice.number, "total": invoice.total, "currency": invoice.currency}
            )
        lines.append(_("Your month, explained: %(link)s") % words)
        lines.append(_("You can turn this e-mail off in your account's notification preferences."))
        notify(
            user_id=client_id,
            kind=NotificationKind.MONTH_SUMMARY,
            data={"month": words["month"]},
            subject=_("Your month in summary: %(month)s") % words,
            body="\n".join(lines),
        )
    return True


def last_month(now: datetime.datetime) -> datetime.date:
    """The last ended month of the service's billing calendar."""
    return periods.last_ended_period(now)
