"""One-line text: what may be typed into a field that ends up in an e-mail subject or header.

A title, a name or a label is one line. A carriage return or line feed in one breaks every
e-mail whose subject carries it (Django refuses it, `BadHeaderError`, rather than let it
add a header — `"Boiler\\r\\nBcc: x@example.com"`), so such text is refused where it comes
in (`validate_single_line`: the API's `SingleLineCharField`, the portal's `SingleLineField`)
and, for rows stored before that, made one line where it goes out (`header_safe`).

Refused: every control character — C0 (U+0000 to U+001F: CR, LF, and TAB too), DEL, C1
(U+0080 to U+009F, NEL among them) — and the Unicode line and paragraph separators
(U+2028, U+2029). TAB is refused as well: it is a control character with no agreed width
in a subject, a list or a calendar summary, and a title pasted from a spreadsheet that
carries one is better told than silently changed. Leading and trailing whitespace,
newlines and tabs included, is still trimmed first, as the fields always did.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from concierge import errors

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_RUNS = re.compile(r"\s*[\x00-\x1f\x7f-\x9f\u2028\u2029][\s\x00-\x1f\x7f-\x9f]*")


def has_control_characters(text: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(text))


def validate_single_line(value: object) -> None:
    """A Django validator (forms and DRF both run it): one line, no control characters."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(
            _("Use one line of text: no line breaks, tabs or other control characters."),
            code=errors.Code.CONTROL_CHARACTERS,
        )


def header_safe(text: str) -> str:
    """`text` as one header line: each run of control characters (and the spaces around
    it) becomes a single space; the ends are trimmed."""
    return _CONTROL_RUNS.sub(" ", text).strip()
