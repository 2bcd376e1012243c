"""An operator erases a person: how an assistant's or a manager's data is erased (a
client may also erase themself through `POST /api/v1/me/erase/`)."""

from django.core.management.base import BaseCommand, CommandError

from concierge import privacy
from concierge.errors import ApplicationError
from concierge.models import User


class Command(BaseCommand):
    help = (
        "Erase a person's data: revoke their tokens, feeds and calendar links, anonymise "
        "the account. Time entries that invoices bill, and the invoices, are kept. An "
        "assistant must first be relieved of open tasks and running timers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", type=int, required=True, help="the person's user id")
        parser.add_argument(
            "--confirm-email",
            required=True,
            help="the person's e-mail address, to guard against erasing the wrong id",
        )

    def handle(self, *args, user, confirm_email, **options):
        person = User.objects.filter(pk=user).first()
        if person is None:
            raise CommandError(f"No user {user}.")
        if person.email.lower() != confirm_email.strip().lower():
            raise CommandError(f"User {user} does not have the e-mail address {confirm_email}.")
        try:
            person = privacy.person_erase(user=person)
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc
        self.stdout.write(f"Erased user {person.pk} ({person.role}) at {person.erased_at}.")
