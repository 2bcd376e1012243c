"""Concurrent writes against PostgreSQL: the database constraints, not luck, keep an
assistant's time free of overlaps and limited to one running timer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assistants import services
from assistants.models import TimeEntry
from concierge.errors import ApplicationError
from concierge.models import TaskStatus
from tests import factories
from tests.peers import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(calls):
    """Each call's outcome: ("ok", pk), ("error", code) or ("exception", repr)."""
    outcomes = []
    for outcome in race(*calls):
        if isinstance(outcome, ApplicationError):
            outcomes.append(("error", outcome.code))
        elif isinstance(outcome, Exception):
            outcomes.append(("exception", repr(outcome)))
        else:
            outcomes.append(("ok", outcome.pk))
    return outcomes


def _tasks(assistant, n):
    client = factories.ClientFactory()
    factories.SubscriptionFactory(client=client)  # billable time needs a plan or a pack
    return [
        factories.TaskFactory(client=client, assignee=assistant, status=TaskStatus.IN_PROGRESS)
        for _ in range(n)
    ]


@pytest.mark.parametrize("attempt", range(8))
def test_two_overlapping_manual_entries_one_survives(attempt):
    """Run several times: two inserts at the same instant sometimes deadlock in the
    exclusion check (PostgreSQL then aborts one), sometimes one waits for the other. Both
    ways, exactly one entry survives and the other request is a clean 409."""
    assistant = factories.AssistantFactory()
    a, b = _tasks(assistant, 2)  # different tasks: no shared row lock serialises them
    start = timezone.now() - timedelta(hours=3)
    calls = [
        lambda: services.time_entry_create(
            actor=assistant, task=a, started_at=start, ended_at=start + timedelta(hours=1)
        ),
        lambda: services.time_entry_create(
            actor=assistant,
            task=b,
            started_at=start + timedelta(minutes=30),
            ended_at=start + timedelta(minutes=90),
        ),
    ]
    outcomes = _race(calls)
    assert sorted(o[0] for o in outcomes) == ["error", "ok"], outcomes
    assert [o[1] for o in outcomes if o[0] == "error"] == ["overlapping_entry"]
    assert TimeEntry.objects.filter(assistant=assistant).count() == 1


def test_many_simultaneous_timer_starts_one_survives():
    assistant = factories.AssistantFactory()
    tasks = _tasks(assistant, 8)
    outcomes = _race([lambda t=t: services.timer_start(actor=assistant, task=t) for t in tasks])
    assert [o[0] for o in outcomes].count("ok") == 1
    assert {o[1] for o in outcomes if o[0] == "error"} == {"timer_running"}
    assert TimeEntry.objects.filter(assistant=assistant, ended_at__isnull=True).count() == 1


def test_same_task_back_to_back_entries_both_survive():
    assistant = factories.AssistantFactory()
    (task,) = _tasks(assistant, 1)
    start = timezone.now() - timedelta(hours=5)
    outcomes = _race(
        [
            lambda: services.time_entry_create(
                actor=assistant, task=task, started_at=start, ended_at=start + timedelta(hours=1)
            ),
            lambda: services.time_entry_create(
                actor=assistant,
                task=task,
                started_at=start + timedelta(hours=1),
                ended_at=start + timedelta(hours=2),
            ),
        ]
    )
    assert [o[0] for o in outcomes] == ["ok", "ok"]
