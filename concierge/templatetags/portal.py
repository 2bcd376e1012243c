"""Template filters of the portal: times in the viewer's zone with the zone named,
durations, money with its currency."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from concierge import policies
from concierge.reasons import reason_text
from concierge.web import once

register = template.Library()


@register.filter
def may(user, rule):
    """`{% if user|may:"read_audit_log" %}`: the policy the page's view and the service ask,
    so a button is offered exactly to those who may press it."""
    return policies.may(user, rule)


@register.filter
def when(value, fmt="DATETIME_FORMAT"):
    """`<time>` in the active (viewer's) zone, e.g. "23 Nov 2026, 14:05 CET"."""
    if not value:
        return "—"
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{} {}</time>',
        value.isoformat(),
        date_filter(local, fmt),
        local.tzname(),
    )


@register.filter
def minutes(value):
    """Minutes as "2 h 05 min" (or "45 min")."""
    if value is None or value == "":
        return "—"
    value = int(value)
    hours, rest = divmod(abs(value), 60)
    sign = "-" if value < 0 else ""
    if hours:
        return _("%(sign)s%(hours)d h %(minutes)02d min") % {
            "sign": sign,
            "hours": hours,
            "minutes": rest,
        }
    return _("%(sign)s%(minutes)d min") % {"sign": sign, "minutes": rest}


@register.filter
def seconds_as_minutes(value):
    return minutes(int(value or 0) // 60)


@register.filter
def percent(ratio):
    """A ratio as a whole percentage, "85%" (— when there is none)."""
    if ratio is None or ratio == "":
        return "—"
    return _("%(percent)s%%") % {"percent": floatformat(ratio * 100, 0)}


@register.simple_tag
def money(amount, currency):
    return format_html("{}\u00a0{}", floatformat(amount, "2g"), currency)


# Words the domain stores as codes, as the portal says them (in the viewer's language).
LABELS = {
    # task statuses and priorities
    "new": gettext_lazy("New"),
    "assigned": gettext_lazy("Assigned"),
    "in_progress": gettext_lazy("In progress"),
    "waiting_on_client": gettext_lazy("Waiting on you"),
    "delivered": gettext_lazy("Delivered"),
    "completed": gettext_lazy("Completed"),
    "cancelled": gettext_lazy("Cancelled"),
    "low": gettext_lazy("Low"),
    "normal": gettext_lazy("Normal"),
    "urgent": gettext_lazy("Urgent"),
    # time entry statuses
    "running": gettext_lazy("Running"),
    "stopped": gettext_lazy("Logged"),
    "needs_review": gettext_lazy("Needs review"),
    "disputed": gettext_lazy("Disputed"),
    "rejected": gettext_lazy("Rejected"),
    # invoices, their lines and subscriptions
    "draft": gettext_lazy("Draft"),
    "open": gettext_lazy("Open"),
    "paid": gettext_lazy("Paid"),
    "void": gettext_lazy("Void"),
    "fee": gettext_lazy("Fee"),
    "overage": gettext_lazy("Overage"),
    "pack": gettext_lazy("Hour pack"),
    "adjustment": gettext_lazy("Adjustment"),
    "period": gettext_lazy("Monthly"),
    "active": gettext_lazy("Active"),
    "past_due": gettext_lazy("Past due"),
    "paused": gettext_lazy("Paused"),
    # task history
    "create": gettext_lazy("Created"),
    "assign": gettext_lazy("Assigned to an assistant"),
    "update": gettext_lazy("Details changed"),
    "transition": gettext_lazy("Status changed"),
    "overdue": gettext_lazy("Past its promised time"),
    # the client brief's parts
    "instructions": gettext_lazy("Standing instructions"),
    "preferences": gettext_lazy("Preferences"),
    "contacts": gettext_lazy("Contacts"),
    # vault item kinds
    "login": gettext_lazy("Login"),
    "card": gettext_lazy("Card"),
    "document": gettext_lazy("Document"),
    "note": gettext_lazy("Secure note"),
}


@register.filter
def label(code):
    return LABELS.get(code, code)


@register.filter
def disputable(entry, now=None):
    return entry.is_disputable(now)


@register.simple_tag
def once_key():
    """The hidden field that makes a form's POST happen once (`concierge.web.once`)."""
    return format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, once.new_key())


@register.filter
def status_for(code, reader):
    """A task's status as its reader says it: waiting on the client is "Waiting on you"
    to the client, "Waiting on the client" to the staff."""
    if code == "waiting_on_client" and not getattr(reader, "is_client", False):
        return _("Waiting on the client")
    return label(code)


@register.filter
def reason(value):
    """The service's reason for an assignment or a flag, in the reader's language
    (`concierge.reasons`); other words as written."""
    return reason_text(str(value)) if value else value


@register.filter
def event_note(event):
    """A history entry's note: the service's reasons (assignments, flags) in the reader's
    language, what a person wrote as written."""
    if event.kind in ("assign", "flag"):
        return reason_text(event.note)
    return event.note
