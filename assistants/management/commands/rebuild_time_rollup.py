import time

from django.core.management.base import BaseCommand

from assistants.services.rollups import time_rollup_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the whole time rollup (each UTC day's time summed per assistant, client "
        "and category) from the time entries, in one transaction. The services keep it "
        "right as they write; this repairs it after any write that bypassed them."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        cells = time_rollup_rebuild()
        self.stdout.write(f"time rollup: {cells} cells in {time.perf_counter() - started:.1f} s")
