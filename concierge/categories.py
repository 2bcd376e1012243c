"""The category vocabulary (`Category`): what tasks and assistants' skills may name."""

from collections.abc import Iterable

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from concierge import errors
from concierge.errors import Invalid
from concierge.models import Category

# The vocabulary a new installation starts with (code, English, French); managers keep it
# in the admin from then on.
STARTING = [
    ("booking", "Bookings", "Réservations"),
    ("travel", "Travel", "Voyages"),
    ("agenda", "Agenda", "Agenda"),
    ("bills", "Bills and payments", "Factures et paiements"),
    ("admin", "Paperwork", "Démarches administratives"),
    ("research", "Research", "Recherches"),
    ("tradespeople", "Tradespeople", "Artisans"),
    ("errands", "Errands", "Courses"),
    ("events", "Events and outings", "Sorties et événements"),
]


def ensure_starting(*, using: str = "default") -> None:
    """The starting vocabulary, when there is no category at all (a fresh database, or
    one just flushed); run after every migrate, so it never touches a kept vocabulary."""
    manager = Category.objects.using(using)
    if not manager.exists():
        manager.bulk_create(
            Category(code=code, label=label, label_fr=label_fr, position=position)
            for position, (code, label, label_fr) in enumerate(STARTING)
        )


def active() -> list[Category]:
    return list(Category.objects.filter(active=True))


def choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of the active categories, labels in `language` (the active one)."""
    language = language or get_language() or "en"
    return [(category.code, category.label_in(language)) for category in active()]


def labels(codes: Iterable[str], language: str | None = None) -> dict[str, str]:
    """Each code's label in `language`, retired categories included; one query."""
    language = language or get_language() or "en"
    return {
        category.code: category.label_in(language)
        for category in Category.objects.filter(code__in=set(codes))
    }


def validated(code: str, *, field: str = "category") -> str:
    """`code` when it names an active category ("" stays ""); else 400 unknown_category."""
    code = code.strip()
    if code and not Category.objects.filter(code=code, active=True).exists():
        raise _unknown([code], field)
    return code


def validated_many(codes: Iterable[str], *, field: str = "skills") -> list[str]:
    """The codes, trimmed and without repeats, each naming an active category."""
    cleaned = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    known = set(
        Category.objects.filter(code__in=cleaned, active=True).values_list("code", flat=True)
    )
    unknown = [code for code in cleaned if code not in known]
    if unknown:
        raise _unknown(unknown, field)
    return cleaned


def _unknown(codes: list[str], field: str) -> Invalid:
    listed = ", ".join(codes)
    return Invalid(
        errors.Code.UNKNOWN_CATEGORY,
        _("Unknown category: %(codes)s. GET /api/v1/categories/ lists the categories.")
        % {"codes": listed},
        fields={field: [_("Unknown category: %(codes)s.") % {"codes": listed}]},
    )
