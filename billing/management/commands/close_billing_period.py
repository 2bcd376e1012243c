from django.core.management.base import BaseCommand, CommandError

from billing import periods
from billing.services import billing_period_close
from concierge.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Close ended billing periods in order and make their invoices. With --period "
        "YYYY-MM, close up to that period; without, every ended unclosed period."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM")

    def handle(self, *args, period=None, **options):
        target = None
        if period:
            try:
                target = periods.parse(period)
            except ValueError:
                raise CommandError("--period must be YYYY-MM") from None
        try:
            result = billing_period_close(period=target)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from None
        closed = ", ".join(f"{p:%Y-%m}" for p in result.periods) or "none"
        self.stdout.write(f"invoices: {result.invoices}; periods: {closed}")
