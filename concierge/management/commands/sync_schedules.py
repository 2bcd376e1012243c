from django.core.management.base import BaseCommand

from concierge.schedules import sync_schedules


class Command(BaseCommand):
    help = "Create or update every app's recurring django-q2 schedules (idempotent)."

    def handle(self, *args, **options):
        names = sync_schedules()
        self.stdout.write(f"{len(names)} schedules in place: {', '.join(names) or '-'}")
