"""Delete stored files that no attachment or vault document names any more."""

import datetime

from django.core.management.base import BaseCommand

from concierge.attachments.services import stored_files_sweep


class Command(BaseCommand):
    help = (
        "Delete files in the attachments' storage (local or S3) that no row names and that "
        "are older than --hours: left by a process that died between storing a file and "
        "committing its row. --dry-run lists them only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, hours, dry_run, **options):
        names = stored_files_sweep(older_than=datetime.timedelta(hours=hours), dry_run=dry_run)
        for name in names:
            self.stdout.write(name)
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{len(names)} unreferenced file(s) {verb}")
