"""Invoice lines in the reader's words.

A line keeps its description as it was issued, in English: it is the record (the Factur-X
XML and Stripe carry it). Pages and PDFs show it in the reader's language, read back from
the shapes billing writes (`billing.rating`, the pack purchase); a description of another
shape is shown as stored.
"""

import re
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from billing.models import Plan

FEE = re.compile(r"^Monthly fee: (?P<plan>.+?)(?: \(prorated (?P<days>\d+)/(?P<of>\d+) days\))?$")
OVERAGE = re.compile(
    r"^Overage: (?P<minutes>\d+) min @ (?P<rate>\d+(?:\.\d+)?) (?P<currency>[A-Z]{3})/h$"
)
PACK = re.compile(r"^Hour pack: (?P<minutes>\d+) min, valid (?P<days>\d+) days$")


def line_text(description: str, plan: Plan | None = None) -> str:
    """`description` in the active language (call inside the reader's `override`). The
    invoice's `plan`, when given, names itself in that language too, when the line names
    it as it was called then (a plan renamed since is shown under its old name)."""
    if found := FEE.match(description):
        name = found["plan"]
        if plan is not None and name == plan.name:
            name = plan.name_in(get_language() or "en")
        if found["days"]:
            return _("Monthly fee: %(plan)s (prorated %(days)s/%(of)s days)") % {
                "plan": name,
                "days": found["days"],
                "of": found["of"],
            }
        return _("Monthly fee: %(plan)s") % {"plan": name}
    if found := OVERAGE.match(description):
        return _("Overage: %(minutes)s min @ %(rate)s %(currency)s/h") % {
            "minutes": found["minutes"],
            "rate": number_format(Decimal(found["rate"]), 2, use_l10n=True),
            "currency": found["currency"],
        }
    if found := PACK.match(description):
        return _("Hour pack: %(minutes)s min, valid %(days)s days") % {
            "minutes": found["minutes"],
            "days": found["days"],
        }
    return description
