"""The assignment policy on a fixture team."""

import datetime

import pytest
from django.utils import timezone

from assistants.assignment import choose_assignee, open_load_minutes, works_at
from concierge import services
from concierge.models import Category, TaskEvent, TaskStatus
from tests import factories


def assistant(**profile):
    user = factories.AssistantFactory(timezone=profile.pop("tz", "Europe/Paris"))
    for name, value in profile.items():
        setattr(user.assistant_profile, name, value)
    user.assistant_profile.save()
    return user


@pytest.fixture
def team(db):
    primary = assistant(skills=["booking"])
    backup = assistant(skills=["booking"])
    busy = assistant(skills=["booking"])
    idle = assistant(skills=["booking"])
    unskilled = assistant(skills=["finance"])
    client = factories.ClientFactory()
    client.client_profile.primary_assistant = primary
    client.client_profile.backup_assistant = backup
    client.client_profile.save()
    factories.TaskFactory.create_batch(
        3, assignee=busy, status=TaskStatus.IN_PROGRESS, estimate_minutes=120
    )
    factories.TaskFactory(assignee=idle, status=TaskStatus.ASSIGNED, estimate_minutes=30)
    return {
        "primary": primary,
        "backup": backup,
        "busy": busy,
        "idle": idle,
        "unskilled": unskilled,
        "client": client,
    }


def create(team, **kwargs):
    kwargs.setdefault("category", "booking")
    return services.task_create(client=team["client"], title="Book a table", **kwargs)


def test_primary_first(team):
    task = create(team)
    assert task.assignee == team["primary"] and task.status == TaskStatus.ASSIGNED
    assert task.events.get(kind="assign").data["reason"] == "primary assistant"


def test_primary_on_leave_goes_to_backup(team):
    factories.TimeOffFactory(assistant=team["primary"])
    task = create(team)
    assert task.assignee == team["backup"]
    assert task.events.get(kind="assign").data == {
        "assistant": team["backup"].pk,
        "reason": "backup assistant",
    }


def test_primary_over_capacity_goes_to_backup(team):
    team["primary"].assistant_profile.weekly_capacity_minutes = 60
    team["primary"].assistant_profile.save()
    assert create(team, estimate_minutes=90).assignee == team["backup"]


def test_both_unavailable_goes_to_least_loaded_skilled(team):
    team["primary"].assistant_profile.active = False
    team["primary"].assistant_profile.save()
    factories.TimeOffFactory(assistant=team["backup"])
    task = create(team)
    assert task.assignee == team["idle"]
    assert task.events.get(kind="assign").data["reason"] == "least-loaded skilled assistant"


def test_past_time_off_does_not_count(team):
    now = timezone.now()
    factories.TimeOffFactory(
        assistant=team["primary"],
        starts_at=now - datetime.timedelta(days=9),
        ends_at=now - datetime.timedelta(days=2),
    )
    assert create(team).assignee == team["primary"]


def test_working_day_overlap_beats_load(team):
    team["client"].client_profile.primary_assistant = None
    team["client"].client_profile.backup_assistant = None
    team["client"].client_profile.save()
    # A deadline at 02:00 UTC on a Wednesday: night in Paris, working hours in Tokyo.
    deadline = datetime.datetime(2027, 1, 6, 2, 0, tzinfo=datetime.UTC)
    tokyo = assistant(skills=["booking"], tz="Asia/Tokyo")
    factories.TaskFactory(assignee=tokyo, status=TaskStatus.ASSIGNED, estimate_minutes=60)
    factories.TaskFactory(
        assignee=team["primary"], status=TaskStatus.ASSIGNED, estimate_minutes=600
    )
    factories.TaskFactory(assignee=team["backup"], status=TaskStatus.ASSIGNED, estimate_minutes=600)
    assert works_at(tokyo.assistant_profile, deadline)
    assert not works_at(team["idle"].assistant_profile, deadline)
    task = create(team, requested_due_at=deadline)
    assert task.assignee == tokyo
    # Without a deadline, the lowest load wins.
    assert create(team).assignee == team["idle"]


def test_nobody_skilled_leaves_task_new_and_flagged(team):
    Category.objects.create(code="plumbing", label="Plumbing")
    task = create(team, category="plumbing")
    assert task.assignee == team["primary"]  # the client's own assistant takes any task
    team["client"].client_profile.primary_assistant = None
    team["client"].client_profile.backup_assistant = None
    team["client"].client_profile.save()
    task = create(team, category="plumbing")
    assert task.assignee is None and task.status == TaskStatus.NEW
    assert task.flagged_at is not None
    assert not TaskEvent.objects.filter(task=task, kind="assign").exists()
    assert TaskEvent.objects.filter(task=task, kind="flag").exists()
    assert choose_assignee(task) is None


def test_open_load(team):
    load = open_load_minutes([team["busy"].pk, team["idle"].pk, team["primary"].pk])
    assert load == {team["busy"].pk: 360, team["idle"].pk: 30, team["primary"].pk: 0}
