"""The time zones people live in: the one list the API, the models and the portal offer.

`zoneinfo.available_timezones()` holds ~600 names, most of them not places: legacy
aliases kept for old software (`US/Eastern`, `W-SU`, `Asia/Calcutta`), fixed offsets with
inverted signs (`Etc/GMT+5` is five hours *behind* UTC), and files that are not zones at
all (`Factory`, `localtime`, `posixrules`). A person picks where they live, so the list is:

- the names of tzdata's `zone.tab` — the canonical `Area/Location` name of each zone of
  each country (a superset of `zone1970.tab`, which folds countries together since 1970:
  Oslo into Berlin, say — nobody in Oslo looks for Berlin), read from the `tzdata`
  package pinned in pyproject.toml, else from the system's tz database;
- restricted to the geographic areas below (`Arctic/Longyearbyen` is left out: Svalbard
  keeps Norway's time, `Europe/Oslo`), and to names this interpreter can load;
- plus `UTC`, the default, which people who keep no local time choose.

A person whose stored zone was accepted before (an alias, `Etc/GMT+5`) keeps it: it still
loads (`User.zone`), a save that leaves it alone does not judge it again, and `canonical()`
names the listed zone with the same rules where there is one (`US/Eastern` →
`America/New_York`), which the portal offers them in its place.
"""

import functools
import zoneinfo
from importlib import resources
from pathlib import Path

from django.utils.translation import gettext_lazy as _

UTC = "UTC"

# Area → its label in the pickers (an <optgroup> each), in the order shown.
AREAS = {
    "Africa": _("Africa"),
    "America": _("Americas"),
    "Antarctica": _("Antarctica"),
    "Asia": _("Asia"),
    "Atlantic": _("Atlantic Ocean"),
    "Australia": _("Australia"),
    "Europe": _("Europe"),
    "Indian": _("Indian Ocean"),
    "Pacific": _("Pacific Ocean"),
}

# The zones whose rules are UTC's (offset zero, no daylight saving): offered as "UTC".
_UTC_LIKE = {"Etc/UTC", "Etc/GMT", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Etc/GMT0"}


def _tz_file(name: str) -> str:
    """A file of the tz database: the `tzdata` package's copy, else the system's."""
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    for root in zoneinfo.TZPATH:
        path = Path(root) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return ""


def _zone_tab_names(text: str) -> set[str]:
    """The zone names (third column) of a `zone.tab`."""
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            columns = line.split("\t")
            if len(columns) >= 3:
                names.add(columns[2].strip())
    return names


def _links(text: str) -> dict[str, str]:
    """alias → target, from the `L target alias` lines of `tzdata.zi`."""
    links = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    return links


@functools.cache
def zones() -> tuple[str, ...]:
    loadable = zoneinfo.available_timezones()
    listed = {
        name
        for name in _zone_tab_names(_tz_file("zone.tab"))
        if name.split("/", 1)[0] in AREAS and name in loadable
    }
    return (UTC, *sorted(listed))


@functools.cache
def _zone_set() -> frozenset[str]:
    return frozenset(zones())


def is_valid_zone(name: object) -> bool:
    """Whether `name` is one of the zones people may choose."""
    return isinstance(name, str) and name in _zone_set()


def is_loadable(name: object) -> bool:
    """Whether `name` is a zone this interpreter can read (what a stored value must be)."""
    return isinstance(name, str) and name in zoneinfo.available_timezones()


@functools.cache
def canonical(name: str) -> str | None:
    """The listed zone with the same rules as `name` (itself if listed), else None."""
    if is_valid_zone(name):
        return name
    links = _links(_tz_file("tzdata.zi"))
    target, seen = name, set()
    while target in links and target not in seen:
        seen.add(target)
        target = links[target]
    if target in _UTC_LIKE:
        return UTC
    return target if is_valid_zone(target) else None


def _label(name: str) -> str:
    """`America/Argentina/Buenos_Aires` → `Argentina / Buenos Aires` (under "Americas")."""
    return name.split("/", 1)[1].replace("_", " ").replace("/", " / ")


def grouped_choices(current: str | None = None) -> list:
    """Choices for a picker: UTC first, then one group per area (an <optgroup> each).

    `current`, a person's stored zone that is no longer listed and has no listed
    equivalent, is offered first as it is, so saving their other details keeps it."""
    choices: list = []
    if current and not is_valid_zone(current) and canonical(current) is None:
        choices.append((current, current))
    choices.append((UTC, UTC))
    for area, label in AREAS.items():
        members = [(name, _label(name)) for name in zones() if name.startswith(area + "/")]
        choices.append((label, members))
    return choices
