from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from billing import periods, selectors, services

if TYPE_CHECKING:
    from billing.models import Plan


class PlanChoiceForm(forms.Form):
    plan: "forms.ModelChoiceField[Plan]" = forms.ModelChoiceField(label=_("Plan"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["plan"])
        field.queryset = selectors.plans_visible_to(user).filter(active=True)
        language = get_language() or "en"
        field.label_from_instance = lambda plan: plan.name_in(language)  # type: ignore[assignment]  # Django's documented way to label one form's choices


class PackForm(forms.Form):
    minutes = forms.TypedChoiceField(label=_("Hour pack"), coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["minutes"])
        field.choices = [
            (
                o["minutes"],
                f"{o['minutes'] // 60} h — "
                f"{number_format(o['price'], 2, force_grouping=True)}\u00a0{o['currency']}",
            )
            for o in services.pack_offers()
        ]


class BillingDetailsForm(forms.Form):
    """Who the client's invoices are made out to (each invoice keeps a copy)."""

    name = forms.CharField(label=_("Name on invoices"), max_length=200)
    address = forms.CharField(
        label=_("Address"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    company = forms.CharField(label=_("Company (optional)"), max_length=200, required=False)
    vat_id = forms.CharField(label=_("VAT number (optional)"), max_length=20, required=False)


class CardForm(forms.Form):
    """What Stripe.js made of the card: a confirmed SetupIntent (3-D Secure done when the
    bank asked) or a PaymentMethod id."""

    payment_method = forms.RegexField(
        label=_("Card"),
        regex=r"^pm_[A-Za-z0-9_]+$",
        max_length=255,
        required=False,
        widget=forms.HiddenInput,
    )
    setup_intent = forms.RegexField(
        regex=r"^seti_[A-Za-z0-9_]+$", max_length=255, required=False, widget=forms.HiddenInput
    )

    def clean(self):
        data = cast(dict[str, Any], super().clean())  # Form.clean hands back cleaned_data
        if bool(data.get("payment_method")) == bool(data.get("setup_intent")):
            raise forms.ValidationError(_("The card could not be read; please enter it again."))
        return data


class ClosePeriodForm(forms.Form):
    period = forms.CharField(
        label=_("Month to close (YYYY-MM)"),
        required=False,
        help_text=_("Empty: every month that has ended."),
    )

    def clean_period(self):
        text = self.cleaned_data["period"]
        if not text:
            return None
        try:
            return periods.parse(text)
        except ValueError as exc:
            raise forms.ValidationError(_("Give a month such as 2026-10.")) from exc
