from django import forms
from django.utils.translation import gettext_lazy as _

from concierge.web.forms import SingleLineField


class FeedForm(forms.Form):
    name = SingleLineField(label=_("Feed name"), max_length=100, required=False)


class IcsForm(forms.Form):
    url = forms.URLField(label=_("Calendar address (ICS)"), max_length=2000, assume_scheme="https")
    name = SingleLineField(label=_("Name"), max_length=100, required=False)


class CalDavForm(forms.Form):
    url = forms.URLField(label=_("CalDAV server address"), max_length=2000, assume_scheme="https")
    username = SingleLineField(label=_("User name"), max_length=200)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=500)
    calendar = SingleLineField(label=_("Calendar name"), max_length=200)


class CalDavChangeForm(CalDavForm):
    """The linked account's settings; an empty password keeps the stored one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_caldav_%s")
        super().__init__(*args, **kwargs)
        password = self.fields["password"]
        password.required = False
        password.label = _("Password (empty: unchanged)")
        password.widget.attrs["autocomplete"] = "new-password"
