from django import forms
from django.utils.translation import gettext_lazy as _


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("Why do you dispute it?"), max_length=5000)
