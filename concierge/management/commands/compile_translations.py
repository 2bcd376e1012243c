"""`manage.py compile_translations`: compile the portal's .po catalogues to .mo in pure
Python (polib), so no GNU gettext is needed. The compiled files are committed; the test
suite fails when one is out of date with its catalogue."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


def catalogues():
    for root in settings.LOCALE_PATHS:
        yield from sorted(Path(root).glob("*/LC_MESSAGES/*.po"))


class Command(BaseCommand):
    help = "Compile every .po catalogue under LOCALE_PATHS to its .mo (pure Python)."

    def handle(self, *args, **options):
        import polib  # a development dependency: compiled catalogues are committed

        for po_path in catalogues():
            catalogue = polib.pofile(str(po_path))
            catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"{po_path.with_suffix('.mo')}: {len(catalogue)} messages")
