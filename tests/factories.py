"""factory_boy factories for the core models. Apps' own factories extend this module's
style in `tests/<app>/factories.py`."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from assistants.models import (
    AssistantProfile,
    EntryHistory,
    TimeEntry,
    TimeEntrySource,
    TimeEntryStatus,
    TimeOff,
)
from assistants.services.rollups import group_of, time_rollup_refresh
from billing.models import Plan, PlanKind, Subscription
from concierge import audit
from concierge.models import ClientProfile, Role, Task, TaskHistory, TaskStatus, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.CLIENT
    timezone = "Europe/Paris"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class ClientFactory(UserFactory):
    """A client user, with their profile."""

    email = factory.Sequence(lambda n: f"client{n}@example.test")
    role = Role.CLIENT
    profile = factory.RelatedFactory(
        "tests.factories.ClientProfileFactory", factory_related_name="user"
    )


class ClientProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientProfile
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)


class AssistantFactory(UserFactory):
    """An assistant user, with their profile (skills, capacity, working hours)."""

    email = factory.Sequence(lambda n: f"assistant{n}@example.test")
    role = Role.ASSISTANT
    profile = factory.RelatedFactory(
        "tests.factories.AssistantProfileFactory", factory_related_name="user"
    )


class AssistantProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssistantProfile
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory, role=Role.ASSISTANT)
    skills = factory.LazyFunction(lambda: ["admin", "booking"])
    weekly_capacity_minutes = 40 * 60
    active = True


class ManagerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"manager{n}@example.test")
    role = Role.MANAGER


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    client = factory.SubFactory(ClientFactory)
    assignee = None
    title = factory.Sequence(lambda n: f"Task {n}")
    description = "Please take care of it."
    category = "admin"
    status = TaskStatus.NEW

    class Params:
        assigned_to = factory.Trait(status=TaskStatus.ASSIGNED)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    assistant = factory.SubFactory(AssistantFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    reason = "Leave"


class TimeEntryFactory(factory.django.DjangoModelFactory):
    """A stopped manual entry of one hour, by the task's assignee."""

    class Meta:
        model = TimeEntry
        skip_postgeneration_save = True

    task = factory.SubFactory(
        TaskFactory, status=TaskStatus.IN_PROGRESS, assignee=factory.SubFactory(AssistantFactory)
    )
    assistant = factory.LazyAttribute(lambda o: o.task.assignee)
    started_at = factory.Sequence(
        lambda n: (
            datetime.datetime(2026, 1, 1, 8, tzinfo=datetime.UTC) + datetime.timedelta(hours=2 * n)
        )
    )
    ended_at = factory.LazyAttribute(lambda o: o.started_at + datetime.timedelta(hours=1))
    source = TimeEntrySource.MANUAL
    status = TimeEntryStatus.STOPPED
    billable = True

    @factory.post_generation
    def rolled_up(obj, create, extracted, **kwargs):
        """A saved entry is summed into the time rollup, as the services that write
        entries do (the factory writes the row itself)."""
        if create:
            time_rollup_refresh(groups={group_of(obj)})


class PlanFactory(factory.django.DjangoModelFactory):
    """The worked example's monthly plan (BILLING.md)."""

    class Meta:
        model = Plan

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.Sequence(lambda n: f"Plan {n}")
    kind = PlanKind.MONTHLY
    currency = "EUR"
    monthly_fee = Decimal("49.00")
    included_minutes = 120
    rollover_cap_minutes = 60
    rounding_increment_minutes = 15
    overage_tiers = factory.LazyFunction(
        lambda: [
            {"up_to_minutes": 480, "hourly_rate": "28.00"},
            {"up_to_minutes": None, "hourly_rate": "24.00"},
        ]
    )


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    client = factory.SubFactory(ClientFactory)
    plan = factory.SubFactory(PlanFactory)
    start_date = datetime.date(2026, 9, 16)


def task_event(
    task, kind, *, actor=None, from_status="", to_status="", note="", data=None, at=None
):
    """A line of a task's history, as the services write it (an audit record)."""
    return audit.record(
        actor=actor,
        action=TaskHistory(f"task.{kind}"),
        target=task,
        changes=audit.status_change(from_status, to_status) if from_status or to_status else {},
        about=task.client_id,
        note=note,
        data=data,
        at=at,
    )


def entry_event(entry, kind, *, actor=None, data=None):
    """A line of a time entry's history, as the services write it."""
    return audit.record(
        actor=actor, action=EntryHistory(f"time_entry.{kind}"), target=entry, data=data
    )
