"""Portal forms: they parse what the browser sent; the services decide."""

from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from concierge import categories, zones
from concierge.errors import ApplicationError
from concierge.models import TaskPriority, User
from concierge.text import validate_single_line


class SingleLineField(forms.CharField):
    """One line of text (a title, a name): a line break, a tab or any other control
    character is refused beside the field, as the API's `SingleLineCharField` does."""

    default_validators = [validate_single_line]


def attach_error(form: forms.Form, error: ApplicationError) -> None:
    """Put a service's refusal beside the fields it names (else at the form's top)."""
    placed = False
    for name, problems in (error.fields or {}).items():
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)
            placed = True
    if not placed:
        form.add_error(None, error.detail)


class SignUpForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    first_name = SingleLineField(label=_("First name"), max_length=150, required=False)
    last_name = SingleLineField(label=_("Last name"), max_length=150, required=False)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=zones.grouped_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].initial = settings.TIME_ZONE
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AccountForm(forms.Form):
    first_name = SingleLineField(label=_("First name"), max_length=150, required=False)
    last_name = SingleLineField(label=_("Last name"), max_length=150, required=False)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=zones.grouped_choices)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("As my browser says")), *settings.LANGUAGES],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A zone stored before the list narrowed: its listed equivalent is preselected
        # (US/Eastern → America/New_York); without one, it is offered as it is.
        stored = self.initial.get("timezone")
        field = cast(forms.ChoiceField, self.fields["timezone"])
        field.choices = zones.grouped_choices(current=stored)
        if stored and not zones.is_valid_zone(stored) and zones.canonical(stored):
            self.initial["timezone"] = zones.canonical(stored)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


REPEAT_RULES = {
    "": "",
    "daily": "FREQ=DAILY",
    "weekly": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY",
}


class TaskForm(forms.Form):
    title = SingleLineField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=[
            (TaskPriority.LOW, _("Low")),
            (TaskPriority.NORMAL, _("Normal")),
            (TaskPriority.URGENT, _("Urgent")),
        ],
        initial=TaskPriority.NORMAL,
    )
    requested_due_at = forms.DateTimeField(
        label=_("Due by"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    max_minutes = forms.IntegerField(
        label=_("Time cap (minutes)"), min_value=1, max_value=100_000, required=False
    )
    repeat = forms.ChoiceField(
        label=_("Repeats"),
        required=False,
        choices=[
            ("", _("Once")),
            ("daily", _("Every day")),
            ("weekly", _("Every week")),
            ("monthly", _("Every month")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The vocabulary managers keep, labels in the page's language.
        field = cast(forms.ChoiceField, self.fields["category"])
        field.choices = [("", _("Any / not sure")), *categories.choices()]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["recurrence"] = REPEAT_RULES[data.pop("repeat") or ""]
        return data


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("open", _("Open tasks")), ("closed", _("Closed tasks")), ("all", _("All"))],
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AcceptForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[
            ("", _("No rating")),
            (5, _("5: excellent")),
            (4, _("4: good")),
            (3, _("3: fair")),
            (2, _("2: poor")),
            (1, _("1: bad")),
        ],
    )
    comment = forms.CharField(label=_("Comment"), max_length=5000, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=5000, required=False)


class StaffMessageForm(forms.Form):
    message = forms.CharField(label=_("Message to the client"), max_length=20_000, required=False)


class AssignForm(forms.Form):
    assistant: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        label=_("Assistant"), queryset=None
    )

    def __init__(self, *args, assistants, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["assistant"])
        field.queryset = assistants
        field.label_from_instance = lambda user: user.full_name  # type: ignore[assignment]  # Django's documented way to label one form's choices
