"""Demo data of the core: a manager and five clients in different zones, every login with
one password. `seed_demo` calls each app's `demo.seed` in dependency order (this one
first) with one shared `Demo`; the apps above add their own (assistants, plans, a
lived-in month). Idempotent: running it again changes nothing."""

from dataclasses import dataclass, field

from concierge.models import ClientProfile, Role, User

PASSWORD = "demo-password-2026"  # noqa: S105 - printed for newcomers, demo data only

MANAGER = ("manager@demo.test", "Maya", "Manager", "Europe/Paris")
CLIENTS = [
    ("claire@demo.test", "Claire", "Martin", "Europe/Paris"),
    ("david@demo.test", "David", "Smith", "Europe/London"),
    ("emma@demo.test", "Emma", "Schulz", "Europe/Berlin"),
    ("farid@demo.test", "Farid", "Haddad", "Europe/Paris"),
    ("grace@demo.test", "Grace", "Kim", "America/Toronto"),
]


@dataclass
class Demo:
    """What the apps' demo data share while `seed_demo` loads it."""

    manager: User | None = None
    assistants: list[User] = field(default_factory=list)
    clients: list[User] = field(default_factory=list)

    @property
    def people(self) -> list[User]:
        """Every login, managers first, then assistants, then clients."""
        managers = [self.manager] if self.manager is not None else []
        return [*managers, *self.assistants, *self.clients]

    @property
    def showcase(self) -> User:
        """The client whose portal is worth a first look."""
        return self.clients[0]


def person(email, first_name, last_name, zone, role) -> User:
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


def seed(demo: Demo) -> None:
    demo.manager = person(*MANAGER, Role.MANAGER)
    for email, first, last, zone in CLIENTS:
        client = person(email, first, last, zone, Role.CLIENT)
        ClientProfile.objects.get_or_create(user=client)
        demo.clients.append(client)
