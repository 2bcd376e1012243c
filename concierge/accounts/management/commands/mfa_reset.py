"""An operator removes the second factor of someone who lost both their authenticator
and their recovery codes (after checking who they are another way): they sign in with
their password and, if their role needs one, set up a new factor at once."""

from django.core.management.base import BaseCommand, CommandError

from concierge.accounts.services import mfa_reset
from concierge.models import User


class Command(BaseCommand):
    help = "Remove a person's second factor and recovery codes (they set up a new one)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        mfa_reset(user=user)
        self.stdout.write(f"The second factor of {user.email} is removed.")
