"""The French catalogue is complete, compiled, and covers every string the code marks.

The extraction runs GNU xgettext the way `makemessages` does (templates through Django's
templatizer). CI installs gettext; elsewhere, without it, that one test skips and says so.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
APPS = ("concierge", "assistants", "billing", "calendar_sync")
KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|%\(\w+\)02d")


def catalogue():
    return polib.pofile(str(CATALOGUE))


def test_every_french_message_is_translated():
    po = catalogue()
    assert len(po) > 100
    untranslated = [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]
    assert untranslated == []


def test_translations_keep_their_placeholders():
    wrong = []
    for entry in catalogue():
        pairs = (
            [(entry.msgid, entry.msgstr)]
            if not entry.msgid_plural
            else [(entry.msgid_plural, s) for s in entry.msgstr_plural.values()]
        )
        for source, target in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
                wrong.append(source)
    assert wrong == []


def test_the_compiled_catalogue_is_up_to_date():
    compiled = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    assert {(e.msgid, e.msgstr) for e in compiled if not e.msgid_plural} == {
        (e.msgid, e.msgstr) for e in catalogue() if not e.msgid_plural and not e.obsolete
    }, "run `make messages` to compile the catalogue"
    with override("fr"):
        assert _("Sign out") == "Se déconnecter"


def _marked_strings(tmp_path):
    sources = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*")):
            if "migrations" in path.parts or not path.is_file():
                continue
            if path.suffix == ".py":
                sources.append(path)
            elif path.suffix in (".html", ".txt") and "templates" in path.parts:
                out = tmp_path / (str(path.relative_to(ROOT)).replace(os.sep, "__") + ".py")
                out.write_text(templatize(path.read_text(), origin=str(path)))
                sources.append(out)
    pot = tmp_path / "extracted.pot"
    subprocess.run(  # noqa: S603 - a fixed tool on our own files
        [
            shutil.which("xgettext"),
            "--language=Python",
            "--from-code=UTF-8",
            "--add-comments=Translators",
            *KEYWORDS,
            "--output",
            str(pot),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
    )
    return {e.msgid for e in polib.pofile(str(pot)) if e.msgid}


@pytest.mark.skipif(
    shutil.which("xgettext") is None and os.environ.get("CI", "").lower() != "true",
    reason="needs GNU gettext's xgettext to extract the marked strings (CI installs it)",
)
def test_every_marked_string_is_in_the_catalogue(tmp_path):
    known = {e.msgid for e in catalogue()}
    missing = sorted(_marked_strings(tmp_path) - known)
    assert missing == [], "run `make messages` and translate the new strings"
