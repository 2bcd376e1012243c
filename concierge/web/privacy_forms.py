from django import forms
from django.utils.translation import gettext_lazy as _


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("json", _("JSON: one file")),
            ("zip", _("Zip: the JSON, each invoice and your files")),
        ],
        initial="json",
        widget=forms.RadioSelect,
    )


class EraseForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label=_("I understand that this cannot be undone."),
        error_messages={"required": _("Tick this to confirm.")},
    )
