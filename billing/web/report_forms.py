"""The reports' pickers: a range of days and a grouping, or a client's month."""

import datetime
import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.reports import ranges
from concierge import bounds

GROUP_CHOICES = [
    ("client", _("Client")),
    ("assistant", _("Assistant")),
    ("category", _("Category")),
    ("task", _("Task")),
    ("week", _("Week")),
    ("month", _("Month")),
]
MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


def _day(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ReportForm(forms.Form):
    """A range of days read in the viewer's zone, as the API reads `from` and `to`."""

    # `from` is a Python keyword: declared through the class namespace.
    vars()["from"] = _day(_("From"))
    to = _day(_("To (included)"))
    group_by = forms.ChoiceField(label=_("Group by"), choices=GROUP_CHOICES, required=False)

    def __init__(self, *args, zone, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone, self.today = zone, today

    def clean(self):
        data = cast(dict[str, Any], super().clean())  # Form.clean hands back cleaned_data
        first, last = data.get("from"), data.get("to")
        if self.errors:
            return data
        if first is None and last is None:
            first = ranges.month_start(self.today)
        if first is None:
            first = ranges.month_start(cast(datetime.date, last))  # not both are None
        if last is None:
            last = ranges.next_month(first) - datetime.timedelta(days=1)
        try:
            data["range"] = ranges.DayRange(first, last, self.zone)
        except (ranges.BadRange, ranges.RangeTooLong) as exc:
            self.add_error("to", str(exc))
        data["group_by"] = data.get("group_by") or "client"
        return data


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "pattern": "[0-9]{4}-[0-9]{2}"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = MONTH.match(value)
        if not match:
            raise forms.ValidationError(_("Choose a month such as 2026-09."))
        day = datetime.date(int(match.group(1)), int(match.group(2)), 1)
        if not bounds.date_in_range(day):
            raise forms.ValidationError(
                _("Dates must be %(range)s.") % {"range": bounds.RANGE_SENTENCE}
            )
        return day


class MonthForm(forms.Form):
    """A client's month, read in their zone (the current one when none is chosen)."""

    month = MonthField(label=_("Month"), required=False)

    def __init__(self, *args, zone, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone, self.today = zone, today

    def clean(self):
        data = cast(dict[str, Any], super().clean())  # Form.clean hands back cleaned_data
        if self.errors:
            return data
        try:
            data["range"] = ranges.month_of(data.get("month") or self.today, self.zone)
        except (ranges.BadRange, ranges.RangeTooLong) as exc:
            self.add_error("month", str(exc))
        return data
