import time

from django.core.management.base import BaseCommand

from assistants.services.rollups import time_rollup_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the whole time rollups (each UTC day's time summed per assistant, client "
        "and category; each task's per assistant) from the time entries, in one "
        "transaction. The services keep them right as they write; this repairs them after "
        "any write that bypassed them."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        cells, task_cells = time_rollup_rebuild()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"time rollup: {cells} cells, {task_cells} task cells in {elapsed:.1f} s")
