from django import forms
from django.utils.translation import gettext_lazy as _


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("Why do you dispute it?"), max_length=5000)


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("adjust", _("Adjust")), ("reject", _("Reject"))],
    )
    billable_minutes = forms.IntegerField(label=_("Minutes to bill"), min_value=0, required=False)
