from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from concierge.models import NotificationKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The kinds as the portal names them (the model's labels are the API's, in English).
KIND_LABELS: "dict[str, StrOrPromise]" = {
    NotificationKind.GENERAL: _("General"),
    NotificationKind.TASK_ASSIGNED: _("A task was assigned to you"),
    NotificationKind.TASK_REASSIGNED: _("A task changed hands"),
    NotificationKind.TASK_NEEDS_ASSIGNEE: _("A task needs a new assignee"),
    NotificationKind.TASK_WAITING: _("A task is waiting on you"),
    NotificationKind.TASK_DELIVERED: _("A task was delivered"),
    NotificationKind.TASK_REVISION: _("A revision was requested"),
    NotificationKind.TASK_CANCELLED: _("A task was cancelled"),
    NotificationKind.TASK_OVERDUE: _("A task is overdue"),
    NotificationKind.TASK_MESSAGE: _("A new message on a task"),
    NotificationKind.TASK_BUDGET: _("A task's time budget is nearly used"),
    NotificationKind.DISPUTE_OPENED: _("A time entry was disputed"),
    NotificationKind.DISPUTE_RESOLVED: _("A dispute was resolved"),
    NotificationKind.INVOICE_ISSUED: _("A new invoice"),
    NotificationKind.PAYMENT_FAILED: _("A payment failed"),
    NotificationKind.SPEND_CAP_REACHED: _("The spend cap is reached"),
    NotificationKind.HOURS_RUNNING_LOW: _("Included hours or a pack running low"),
    NotificationKind.CALENDAR_FAILING: _("A linked calendar stopped working"),
    NotificationKind.MONTH_SUMMARY: _("Your month in summary"),
}


class PreferencesForm(forms.Form):
    """One box per kind: whether it also comes by e-mail (it is always in the inbox)."""

    def __init__(self, *args, preferences: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in NotificationKind.values:
            self.fields[kind] = forms.BooleanField(
                label=KIND_LABELS.get(kind, kind), required=False, initial=preferences[kind]
            )
