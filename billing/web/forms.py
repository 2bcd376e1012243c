from django import forms
from django.utils.translation import gettext_lazy as _

from billing import selectors, services


class PlanChoiceForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = selectors.plans_visible_to(user).filter(active=True)


class PackForm(forms.Form):
    minutes = forms.TypedChoiceField(label=_("Hour pack"), coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minutes"].choices = [
            (o["minutes"], f"{o['minutes'] // 60} h — {o['price']} {o['currency']}")
            for o in services.pack_offers()
        ]


class CardForm(forms.Form):
    payment_method = forms.RegexField(
        label=_("Card"), regex=r"^pm_[A-Za-z0-9_]+$", max_length=255, widget=forms.HiddenInput
    )
