"""`manage.py create_manager --email E`: a manager who may use the admin with the managers
group's permissions, without being a superuser. The password comes from
`--password`, the CREATE_MANAGER_PASSWORD environment variable, or a prompt."""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from concierge import services
from concierge.errors import ApplicationError


class Command(BaseCommand):
    help = "Create a manager (admin access through the managers group, not a superuser)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", help="default: $CREATE_MANAGER_PASSWORD or a prompt")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--timezone", default="UTC")

    def handle(self, *args, email, password, first_name, last_name, timezone, **options):
        password = password or os.environ.get("CREATE_MANAGER_PASSWORD")
        if not password:
            if not options.get("interactive", True) or not os.isatty(0):
                raise CommandError("Give --password or set CREATE_MANAGER_PASSWORD.")
            password = getpass.getpass("Password: ")
        try:
            user = services.manager_create(
                email=email,
                password=password,
                first_name=first_name,
                last_name=last_name,
                timezone=timezone,
            )
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(f"Manager {user.email} created (id {user.pk}).")
