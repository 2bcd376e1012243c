from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from assistants.selectors import assistants_visible_to
from concierge.models import User


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("Why do you dispute it?"), max_length=5000)


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("adjust", _("Adjust")), ("reject", _("Reject"))],
    )
    billable_minutes = forms.IntegerField(label=_("Minutes to bill"), min_value=0, required=False)

    def clean(self):
        data = cast(dict[str, Any], super().clean())  # Form.clean hands back cleaned_data
        if data.get("decision") == "adjust" and data.get("billable_minutes") is None:
            self.add_error("billable_minutes", _("Give the minutes to bill."))
        return data


class TimerStartForm(forms.Form):
    task = forms.IntegerField(min_value=1)


class TimerStopForm(forms.Form):
    note = forms.CharField(label=_("What was done (optional)"), max_length=5000, required=False)


def _ends_after_start(data, start, end, form):
    """Said in the reader's words (the services' refusal names the API's fields)."""
    if data.get(start) and data.get(end) and data[end] <= data[start]:
        form.add_error(end, _("Must be after the start."))
    return data


def _local_datetime(label):
    """A moment typed in the viewer's zone (the portal activates it)."""
    return forms.DateTimeField(
        label=label,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class TimeEntryForm(forms.Form):
    """A manual entry ("Log time"). The service decides; its refusals name the field they
    concern, as the API does, and land beside it (`attach_error`)."""

    started_at = _local_datetime(_("Started at"))
    ended_at = _local_datetime(_("Ended at"))
    note = forms.CharField(label=_("Note"), max_length=5000, required=False)
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)

    def clean(self):
        return _ends_after_start(super().clean(), "started_at", "ended_at", self)


class TimeOffForm(forms.Form):
    """An assistant's time off, its ends read in the manager's own zone."""

    assistant: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        label=_("Assistant"), queryset=None
    )
    starts_at = _local_datetime(_("Starts"))
    ends_at = _local_datetime(_("Ends"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def clean(self):
        return _ends_after_start(super().clean(), "starts_at", "ends_at", self)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["assistant"])
        field.queryset = User.objects.filter(
            assistant_profile__in=assistants_visible_to(user)
        ).order_by("first_name", "last_name", "pk")
        field.label_from_instance = lambda assistant: assistant.full_name  # type: ignore[assignment]  # Django's documented way to label one form's choices
