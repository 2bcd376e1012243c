"""Why a task went to whom, in the reader's language.

The service records its reasons for an assignment or a flag in English, on the task's
history (the intake in `concierge.services`, the assignment rule and the hand-overs in the
assistants app write them). Pages show them in the reader's language, read back from the
shapes those rules write; a reason of another shape (a manager's own words) is shown as
written.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CHOICES = {
    "primary assistant": gettext_lazy("primary assistant"),
    "backup assistant": gettext_lazy("backup assistant"),
    "least-loaded skilled assistant": gettext_lazy("least-loaded skilled assistant"),
    "no assistant is free right now": gettext_lazy("no assistant is free right now"),
}
CATEGORY = re.compile(r"^nobody free takes the category “(?P<category>.*)” right now$")
INACTIVE = re.compile(r"^(?P<name>.+) is no longer active$")
LEAVE = re.compile(
    r"^(?P<name>.+) is on time off from (?P<start>.+) to (?P<end>.+) \((?P<zone>[^)]+)\)$"
)
NOBODY = "; nobody free with the skill"
MOVED = re.compile(r"^(?P<cause>.+); moved to the (?P<choice>.+)$")


def _cause(text: str) -> str:
    if found := INACTIVE.match(text):
        return _("%(name)s is no longer active") % {"name": found["name"]}
    if found := LEAVE.match(text):
        return _("%(name)s is on time off from %(start)s to %(end)s (%(zone)s)") % {
            "name": found["name"],
            "start": found["start"],
            "end": found["end"],
            "zone": found["zone"],
        }
    return text


def reason_text(reason: str) -> str:
    """`reason` in the active language (call inside the reader's language)."""
    if reason in CHOICES:
        return str(CHOICES[reason])
    if found := CATEGORY.match(reason):
        return _("nobody free takes the category “%(category)s” right now") % {
            "category": found["category"]
        }
    if reason.endswith(NOBODY):
        return _("%(cause)s; nobody free with the skill") % {
            "cause": _cause(reason.removesuffix(NOBODY))
        }
    if found := MOVED.match(reason):
        choice = found["choice"]
        return _("%(cause)s; moved to the %(choice)s") % {
            "cause": _cause(found["cause"]),
            "choice": str(CHOICES.get(choice, choice)),
        }
    return reason
