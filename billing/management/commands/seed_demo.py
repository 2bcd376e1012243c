"""Demo data for a newcomer: a manager, three assistants in different zones, five clients,
two plans, the first client's lived-in month and a second client's busy week
(billing/demo.py) so the portal's first screens are not empty. Idempotent: running it
again changes nothing and prints the same logins.

It lives in billing, the highest app it draws on (users, assistants' profiles, plans),
because a lower app never imports a higher one."""

from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from assistants.models import AssistantProfile
from billing.demo import busy_week, lived_in_month
from billing.models import Plan, PlanKind, Subscription
from concierge.models import ClientProfile, Role, User
from concierge.services import token_issue

PASSWORD = "demo-password-2026"  # noqa: S105 - printed for newcomers, demo data only

MANAGER = ("manager@demo.test", "Maya", "Manager", "Europe/Paris")
ASSISTANTS = [
    ("ana@demo.test", "Ana", "Costa", "Europe/Lisbon", ["booking", "travel", "admin"]),
    ("ben@demo.test", "Ben", "Okafor", "America/New_York", ["research", "bills", "admin"]),
    ("chen@demo.test", "Chen", "Li", "Asia/Manila", ["agenda", "tradespeople", "booking"]),
]
CLIENTS = [
    ("claire@demo.test", "Claire", "Martin", "Europe/Paris"),
    ("david@demo.test", "David", "Smith", "Europe/London"),
    ("emma@demo.test", "Emma", "Schulz", "Europe/Berlin"),
    ("farid@demo.test", "Farid", "Haddad", "Europe/Paris"),
    ("grace@demo.test", "Grace", "Kim", "America/Toronto"),
]
PLANS = [
    {
        "code": "essential",
        "name": "Essential (2 h / month)",
        "kind": PlanKind.MONTHLY,
        "monthly_fee": Decimal("49.00"),
        "included_minutes": 120,
        "rollover_cap_minutes": 60,
        "rounding_increment_minutes": 15,
        "overage_tiers": [
            {"up_to_minutes": 480, "hourly_rate": "28.00"},
            {"up_to_minutes": None, "hourly_rate": "24.00"},
        ],
    },
    {
        "code": "hourly",
        "name": "Pay as you go",
        "kind": PlanKind.HOURLY,
        "monthly_fee": Decimal("0.00"),
        "included_minutes": 0,
        "rollover_cap_minutes": 0,
        "rounding_increment_minutes": 6,
        "overage_tiers": [{"up_to_minutes": None, "hourly_rate": "32.00"}],
    },
]


def _user(email, first_name, last_name, zone, role):
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "timezone": zone,
            "role": role,
            "is_staff": role == Role.MANAGER,
            "is_superuser": role == Role.MANAGER,
        },
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


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
        people = [_user(*MANAGER, Role.MANAGER)]
        assistants = []
        for email, first, last, zone, skills in ASSISTANTS:
            user = _user(email, first, last, zone, Role.ASSISTANT)
            AssistantProfile.objects.get_or_create(user=user, defaults={"skills": skills})
            assistants.append(user)
        people += assistants
        for index, (email, first, last, zone) in enumerate(CLIENTS):
            user = _user(email, first, last, zone, Role.CLIENT)
            ClientProfile.objects.get_or_create(
                user=user,
                defaults={
                    "primary_assistant": assistants[index % 3],
                    "backup_assistant": assistants[(index + 1) % 3],
                },
            )
            people.append(user)
        for plan in PLANS:
            Plan.objects.get_or_create(code=plan["code"], defaults=plan)
        demo_client = User.objects.get(email=CLIENTS[0][0])
        if not Subscription.objects.filter(client=demo_client).exists():
            lived_in_month(
                client=demo_client,
                assistant=assistants[0],
                manager=people[0],
                plan=Plan.objects.get(code="essential"),
            )

        second_client = User.objects.get(email=CLIENTS[1][0])
        if not Subscription.objects.filter(client=second_client).exists():
            busy_week(
                client=second_client,
                plan=Plan.objects.get(code="hourly"),
                late=assistants[1],
                steady=assistants[2],
                manager=people[0],
            )

        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Every login uses the password {PASSWORD!r}:")
        )
        for user in people:
            token = token_issue(user=user)
            self.stdout.write(f"  {user.role:<9} {user.email:<20} token {token.key}")
        self.stdout.write(
            f"The portal: {url} — sign in as {demo_client.email} (a client with a month under "
            "way), ana@demo.test (assistant) or manager@demo.test."
        )
        self.stdout.write(
            f"The API: curl -H 'Authorization: Token <token>' {url.rstrip('/')}/api/v1/me/"
        )
