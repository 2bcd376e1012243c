"""Demo data for a newcomer, and the logins to try. Each app owns its part (its `demo.py`,
with a `seed(demo)`); they are loaded in the app registry's order, which lists a lower app
before the apps above it (`INSTALLED_APPS`), so the core comes first and billing's lived-in
month finds its assistants. Idempotent: running it again changes nothing and prints the
same logins."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from concierge.demo import PASSWORD, Demo


class Command(BaseCommand):
    help = "Load idempotent demo data and print the logins to try."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="where the server will answer, for the example printed (make run passes it)",
        )

    @transaction.atomic
    def handle(self, *args, url, **options):
        demo = Demo()
        for config in apps.get_app_configs():
            if module_has_submodule(config.module, "demo"):
                import_module(f"{config.name}.demo").seed(demo)

        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Every login uses the password {PASSWORD!r}:")
        )
        for user in demo.people:
            self.stdout.write(f"  {user.role:<9} {user.email}")
        self.stdout.write(
            f"The portal: {url} — sign in as {demo.showcase.email} (a client with a month under "
            "way), ana@demo.test (assistant) or manager@demo.test."
        )
        # Tokens are stored hashed: one is shown once, to whoever signs in for it.
        api = url.rstrip("/") + "/api/v1"
        self.stdout.write(
            f"The API: curl -d email=manager@demo.test -d password={PASSWORD} {api}/auth/token/"
            f" gives a token; then curl -H 'Authorization: Token <token>' {api}/me/"
        )
