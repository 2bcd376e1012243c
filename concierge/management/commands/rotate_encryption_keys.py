"""Re-encrypt every stored secret under the newest key of FIELD_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from concierge.attachments import vault_document_services
from concierge.platform import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value (vault items and documents, CalDAV passwords) "
        "under the newest "
        "key of FIELD_ENCRYPTION_KEYS. Run it after putting a new key first; once it has "
        "finished, older keys may be removed from the setting."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        for column, count in crypto.rotate_all(batch_size=batch_size).items():
            self.stdout.write(f"{column}: {count} re-encrypted")
        count = vault_document_services.vault_documents_rotate()
        self.stdout.write(f"vault document files: {count} re-encrypted")
