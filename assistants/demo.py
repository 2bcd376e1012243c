"""Demo data of the assistants: three assistants in different zones with their skills,
each client's primary and backup among them (see concierge/demo.py)."""

from assistants.models import AssistantProfile
from concierge.demo import Demo, person
from concierge.models import ClientProfile, Role

ASSISTANTS = [
    ("ana@demo.test", "Ana", "Costa", "Europe/Lisbon", ["booking", "travel", "admin"]),
    ("ben@demo.test", "Ben", "Okafor", "America/New_York", ["research", "bills", "admin"]),
    ("chen@demo.test", "Chen", "Li", "Asia/Manila", ["agenda", "tradespeople", "booking"]),
]


def seed(demo: Demo) -> None:
    for email, first, last, zone, skills in ASSISTANTS:
        user = person(email, first, last, zone, Role.ASSISTANT)
        AssistantProfile.objects.get_or_create(user=user, defaults={"skills": skills})
        demo.assistants.append(user)
    count = len(demo.assistants)
    for index, client in enumerate(demo.clients):
        # Only where nobody chose yet: a second run changes nothing.
        ClientProfile.objects.filter(user=client, primary_assistant=None).update(
            primary_assistant=demo.assistants[index % count],
            backup_assistant=demo.assistants[(index + 1) % count],
        )
