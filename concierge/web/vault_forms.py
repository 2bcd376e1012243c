"""The vault's portal forms: an item's details and its secret fields as name and value
rows, and the purpose of a reveal. They parse; `concierge.vault_services` decides."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from concierge.api.vault_serializers import FIELD_NAME, MAX_FIELD_VALUE, MAX_FIELDS
from concierge.models import VaultItemKind
from concierge.web.forms import SingleLineField

NEW_ROWS = 4
KINDS = [
    (VaultItemKind.LOGIN, _("Login")),
    (VaultItemKind.CARD, _("Card")),
    (VaultItemKind.DOCUMENT, _("Document")),
    (VaultItemKind.NOTE, _("Secure note")),
]


def _secret_input():
    # Typed, never shown back: a value is sent once and never rendered in a form again.
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})


class VaultItemForm(forms.Form):
    """Add an item (`item` None) or change one. New fields come as name and value rows;
    an existing field keeps its value unless given a new one, or is removed."""

    title = SingleLineField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS)
    notes = forms.CharField(
        label=_("Notes (not secret)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What it is for, e.g. the card for travel bookings."),
    )
    notify_on_reveal = forms.BooleanField(
        label=_("Tell me each time someone else opens it"), required=False, initial=True
    )

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        self.existing = list(item.field_names) if item else []
        for index, name in enumerate(self.existing):
            self.fields[f"secret_value_{index}"] = forms.CharField(
                label=_("New value of “%(name)s”") % {"name": name},
                max_length=MAX_FIELD_VALUE,
                required=False,
                strip=False,
                widget=_secret_input(),
                help_text=_("Empty: the value is kept."),
            )
            self.fields[f"remove_{index}"] = forms.BooleanField(
                label=_("Remove “%(name)s”") % {"name": name}, required=False
            )
        for row in range(NEW_ROWS):
            self.fields[f"new_name_{row}"] = SingleLineField(
                label=_("Field name %(row)d") % {"row": row + 1},
                max_length=64,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("e.g. password")}),
            )
            self.fields[f"secret_new_{row}"] = forms.CharField(
                label=_("Value %(row)d") % {"row": row + 1},
                max_length=MAX_FIELD_VALUE,
                required=False,
                strip=False,
                widget=_secret_input(),
            )

    def details(self):
        return [self[name] for name in ("title", "kind", "notes", "notify_on_reveal")]

    def existing_rows(self):
        return [
            (name, self[f"secret_value_{i}"], self[f"remove_{i}"])
            for i, name in enumerate(self.existing)
        ]

    def new_rows(self):
        return [(self[f"new_name_{r}"], self[f"secret_new_{r}"]) for r in range(NEW_ROWS)]

    def clean(self):
        data = cast(dict[str, Any], super().clean())  # Form.clean hands back cleaned_data
        fields: dict[str, str | None] = {}
        for index, name in enumerate(self.existing):
            if data.get(f"remove_{index}"):
                fields[name] = None
            elif data.get(f"secret_value_{index}"):
                fields[name] = data[f"secret_value_{index}"]
        for row in range(NEW_ROWS):
            name = (data.get(f"new_name_{row}") or "").strip()
            value = data.get(f"secret_new_{row}") or ""
            if not name:
                if value:
                    self.add_error(f"new_name_{row}", _("Name this field."))
                continue
            if not FIELD_NAME.match(name):
                self.add_error(
                    f"new_name_{row}",
                    _("Use 1 to 64 letters, digits, spaces, “_”, “.” or “-”."),
                )
            elif name in fields and not (name in self.existing and fields[name] is None):
                self.add_error(f"new_name_{row}", _("This field is named twice."))
            else:
                fields[name] = value
        removed = {name for name, value in fields.items() if value is None}
        remaining = (set(self.existing) - removed) | (set(fields) - removed)
        if not self.errors:
            if not remaining:
                self.add_error(None, _("Give the item at least one secret field."))
            elif len(remaining) > MAX_FIELDS:
                self.add_error(
                    None, _("An item has at most %(count)d fields.") % {"count": MAX_FIELDS}
                )
        data["fields"] = fields
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "notes": data["notes"],
            "notify_on_reveal": data["notify_on_reveal"],
            "fields": data["fields"],
        }


class RevealForm(forms.Form):
    """Why the secrets are needed, and (for an assistant) for which of their tasks."""

    purpose = SingleLineField(
        label=_("Purpose"),
        max_length=500,
        help_text=_("Said in the client's access log, e.g. “to book the flight”."),
    )
    task = forms.TypedChoiceField(label=_("Task"), coerce=int, required=False, choices=())

    def __init__(self, *args, tasks=(), **kwargs):
        super().__init__(*args, **kwargs)
        tasks = list(tasks)
        if tasks:
            field = cast(forms.TypedChoiceField, self.fields["task"])
            field.required = True
            field.choices = [(t.pk, t.title) for t in tasks]
        else:
            del self.fields["task"]


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)
