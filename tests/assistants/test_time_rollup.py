"""The time rollups (by day, and by task) stay equal to a rebuild from the entries through
every write that changes what they sum: entries created, stopped (and split at the
budget), edited, deleted, disputed and decided, billed by the period close, credited by
credit notes, and tasks whose category changes; the rebuild command; and concurrent
writers of one group, or of one task, on PostgreSQL."""

import datetime
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from assistants import services
from assistants.models import TimeEntry, TimeEntryStatus
from assistants.rollup_models import TaskTimeRollup, TimeRollup
from billing.services import billing_period_close
from concierge import services as core_services
from concierge.errors import ApplicationError
from concierge.models import TaskStatus
from concierge.privacy import person_erase
from tests import factories
from tests.peers import race

UTC = datetime.UTC
FIELDS = [field.attname for field in TimeRollup._meta.concrete_fields if field.name != "id"]
TASK_FIELDS = [f.attname for f in TaskTimeRollup._meta.concrete_fields if f.name != "id"]


def cells():
    """Both rollups' cells: by day, and by task."""
    return (
        sorted(TimeRollup.objects.values_list(*FIELDS)),
        sorted(TaskTimeRollup.objects.values_list(*TASK_FIELDS)),
    )


def assert_equals_a_rebuild(what=""):
    kept = cells()
    services.time_rollup_rebuild()
    assert cells() == kept, what


class Clock:
    """`timezone.now()` for the services, moved on by each write."""

    def __init__(self, monkeypatch, start):
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, rng):
        self.now += datetime.timedelta(minutes=rng.randint(60, 420), seconds=rng.randint(0, 59))


@pytest.fixture
def team(manager_user):
    """Two assistants serving two subscribed clients, tasks in two categories and none, one
    with a time budget (where a timer is cut)."""
    assistants = [factories.AssistantFactory() for _ in range(2)]
    clients = [factories.ClientFactory() for _ in range(2)]
    for client in clients:
        factories.SubscriptionFactory(client=client, start_date=datetime.date(2026, 9, 1))
    tasks = [
        factories.TaskFactory(
            client=client,
            assignee=assistant,
            status=TaskStatus.IN_PROGRESS,
            category=category,
            max_minutes=90 if n == 0 else None,
        )
        for n, (client, assistant, category) in enumerate(
            [(c, a, cat) for c in clients for a in assistants for cat in ("travel", "")]
        )
    ]
    return {"manager": manager_user, "assistants": assistants, "clients": clients, "tasks": tasks}


def _write(rng, team, clock, closed):
    """One random write through the services (refused ones roll back)."""
    manager, tasks = team["manager"], team["tasks"]
    entries = list(TimeEntry.objects.select_related("task").order_by("pk"))
    stopped = [e for e in entries if e.ended_at is not None]
    running = [e for e in entries if e.ended_at is None]
    kind = rng.choice(
        ["create"] * 4
        + ["timer", "edit", "edit", "delete", "dispute", "resolve", "category", "close"]
    )
    if not closed and clock.now >= datetime.datetime(2026, 11, 2, tzinfo=UTC):
        billing_period_close(now=clock.now)  # October: its entries billed from then on
        return "close"
    if kind in ("create", "close"):
        kind = "create"
        task = rng.choice(tasks)
        start = clock.now - datetime.timedelta(minutes=rng.randint(60, 3 * 24 * 60))
        start += datetime.timedelta(microseconds=rng.randint(0, 999_999))
        services.time_entry_create(
            actor=manager,
            task=task,
            started_at=start,
            ended_at=min(start + datetime.timedelta(minutes=rng.randint(1, 240)), clock.now),
            billable=rng.random() < 0.8,
        )
    elif kind == "timer":
        if running:
            entry = running[0]
            services.timer_stop(
                actor=entry.assistant,
                ended_at=entry.started_at + datetime.timedelta(minutes=rng.randint(5, 200)),
            )
        else:
            task = rng.choice(tasks)
            services.timer_start(actor=task.assignee, task=task)
    elif kind == "edit" and stopped:
        entry = rng.choice(stopped)
        start = entry.started_at + datetime.timedelta(minutes=rng.randint(-600, 600))
        services.time_entry_update(
            actor=manager,
            entry=entry,
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=rng.randint(1, 300), seconds=7),
            billable=rng.random() < 0.7,
        )
    elif kind == "delete" and stopped:
        services.time_entry_delete(actor=manager, entry=rng.choice(stopped))
    elif kind == "dispute" and stopped:
        entry = rng.choice(stopped)
        services.time_entry_dispute(actor=entry.task.client, entry=entry, reason="Too long")
    elif kind == "resolve":
        waiting = [
            e
            for e in stopped
            if e.status in (TimeEntryStatus.DISPUTED, TimeEntryStatus.NEEDS_REVIEW)
        ]
        if waiting:
            decision = rng.choice(["accept", "adjust", "reject"])
            services.time_entry_resolve(
                actor=manager,
                entry=rng.choice(waiting),
                decision=decision,
                billable_minutes=rng.randint(0, 30) if decision == "adjust" else None,
            )
    elif kind == "category":
        core_services.task_update(
            task=rng.choice(tasks), actor=manager, category=rng.choice(["travel", "admin", ""])
        )
    return kind


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(3))
def test_random_writes_keep_the_rollup_equal_to_a_rebuild(team, monkeypatch, seed):
    rng = random.Random(seed)
    clock = Clock(monkeypatch, datetime.datetime(2026, 10, 18, 9, tzinfo=UTC))
    closed = False
    done = []
    for step in range(120):
        clock.advance(rng)
        try:
            kind = _write(rng, team, clock, closed)
        except ApplicationError:
            continue  # refused: its transaction wrote nothing
        done.append(kind)
        assert_equals_a_rebuild(f"seed {seed}, step {step}: {kind}")
        if kind == "close":
            closed = True
            # An invoiced entry disputed and rejected: a credit note takes its minutes back.
            billed = TimeEntry.objects.filter(
                billed_at__isnull=False, billed_minutes__gt=0, status=TimeEntryStatus.STOPPED
            )
            entry = billed.select_related("task").order_by("-reviewable_from").first()
            services.time_entry_dispute(actor=entry.task.client, entry=entry, reason="Too long")
            assert_equals_a_rebuild(f"seed {seed}: an invoiced entry disputed")
            services.time_entry_resolve(actor=team["manager"], entry=entry, decision="reject")
            assert TimeEntry.objects.get(pk=entry.pk).credited_minutes == entry.billed_minutes
            assert_equals_a_rebuild(f"seed {seed}: an invoiced entry credited")
    # The run did reach each kind of write, and the rollup holds the time.
    assert closed and {"create", "timer", "edit", "delete", "dispute", "category"} <= set(done)
    assert TimeRollup.objects.filter(billed_minutes__gt=0).exists()
    assert TimeRollup.objects.filter(credited_minutes__gt=0).exists()
    assert TimeEntry.objects.filter(ended_at__isnull=False).count() == sum(
        TimeRollup.objects.values_list("entries", flat=True)
    )


@pytest.mark.django_db
def test_a_cell_sums_its_entries_to_the_microsecond(team):
    task = team["tasks"][1]
    start = datetime.datetime(2026, 10, 5, 23, 59, 59, 999_999, tzinfo=UTC)
    services.time_entry_create(
        actor=team["manager"],
        task=task,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=3, microseconds=1),
    )
    services.time_entry_create(
        actor=team["manager"],
        task=team["tasks"][3],  # the other assistant's
        started_at=start + datetime.timedelta(microseconds=1),  # 6 October, UTC
        ended_at=start + datetime.timedelta(minutes=4),
        billable=False,
    )
    october_5, october_6 = TimeRollup.objects.order_by("day")
    assert (october_5.day, october_6.day) == (
        datetime.date(2026, 10, 5),
        datetime.date(2026, 10, 6),
    )
    assert october_5.logged == october_5.measured == datetime.timedelta(minutes=3, microseconds=1)
    assert (
        october_6.logged
        == october_6.non_billable
        == datetime.timedelta(seconds=239, microseconds=999_999)
    )
    assert (october_5.client_id, october_5.assistant_id, october_5.category) == (
        task.client_id,
        task.assignee_id,
        "",
    )


@pytest.mark.django_db
def test_erasing_a_client_stops_their_timer_and_regroups_their_time(team):
    client = team["clients"][0]
    task = next(t for t in team["tasks"] if t.client == client and t.category == "travel")
    start = timezone.now() - datetime.timedelta(hours=5)
    services.time_entry_create(
        actor=team["manager"],
        task=task,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=1),
    )
    services.timer_start(actor=task.assignee, task=task)
    assert list(TimeRollup.objects.values_list("category", "entries")) == [("travel", 1)]
    person_erase(user=client)
    # The stopped timer counts now (a manager reviews it), all of it under no category.
    assert {category for category, _ in TimeRollup.objects.values_list("category", "entries")} == {
        ""
    }
    assert sum(TimeRollup.objects.values_list("entries", flat=True)) == 2
    assert_equals_a_rebuild()


@pytest.mark.django_db
def test_the_rebuild_command_repairs_a_rollup_written_around(team):
    task = team["tasks"][1]
    start = timezone.now() - datetime.timedelta(hours=5)
    entry = services.time_entry_create(
        actor=team["manager"],
        task=task,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=1),
    )
    TimeEntry.objects.filter(pk=entry.pk).update(billable=False)  # not through a service
    TimeRollup.objects.create(
        day=datetime.date(2026, 1, 1),
        assistant=task.assignee,
        client=task.client,
        category="stale",
        entries=1,
        logged=datetime.timedelta(minutes=5),
        measured=datetime.timedelta(),
        adjusted_minutes=0,
        billed_minutes=0,
        credited_minutes=0,
        non_billable=datetime.timedelta(),
        disputed=datetime.timedelta(),
    )
    TaskTimeRollup.objects.filter(task=task).update(entries=7)
    out = StringIO()
    call_command("rebuild_time_rollup", stdout=out)
    assert out.getvalue().startswith("time rollup: 1 cells, 1 task cells")
    (cell,) = TimeRollup.objects.all()
    assert cell.non_billable == cell.logged == datetime.timedelta(hours=1)
    assert cell.measured == datetime.timedelta()
    (task_cell,) = TaskTimeRollup.objects.all()
    assert (task_cell.task, task_cell.assistant, task_cell.client) == (
        task,
        task.assignee,
        task.client,
    )
    assert task_cell.entries == 1 and task_cell.non_billable == datetime.timedelta(hours=1)
    assert task_cell.first_started == task_cell.last_started == entry.started_at


@pytest.mark.django_db
def test_a_task_cell_spans_its_entries_as_they_move(team):
    task, manager = team["tasks"][1], team["manager"]
    first = datetime.datetime(2026, 10, 5, 9, tzinfo=UTC)

    def entry(day):
        start = first + datetime.timedelta(days=day)
        return services.time_entry_create(
            actor=manager, task=task, started_at=start, ended_at=start + datetime.timedelta(hours=1)
        )

    early, middle, late = entry(0), entry(3), entry(9)

    def span():
        (cell,) = TaskTimeRollup.objects.filter(task=task)
        return cell.first_started, cell.last_started, cell.entries

    assert span() == (early.started_at, late.started_at, 3)
    services.time_entry_delete(actor=manager, entry=late)
    assert span() == (early.started_at, middle.started_at, 2)
    moved = first + datetime.timedelta(days=20)
    services.time_entry_update(
        actor=manager,
        entry=early,
        started_at=moved,
        ended_at=moved + datetime.timedelta(minutes=30),
    )
    assert span() == (middle.started_at, moved, 2)
    assert_equals_a_rebuild()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_writers_of_one_group_keep_it_whole(attempt):
    """Entries on different tasks (no shared row lock) of one assistant, client and UTC day,
    written at the same instant: each refresh waits for the other's lock and sees its
    entry, so no write is lost from the cell."""
    assistant = factories.AssistantFactory()
    client = factories.ClientFactory()
    factories.SubscriptionFactory(client=client)
    tasks = [
        factories.TaskFactory(client=client, assignee=assistant, status=TaskStatus.IN_PROGRESS)
        for _ in range(4)
    ]
    day = (timezone.now() - datetime.timedelta(days=2)).replace(hour=1, minute=0, second=0)
    calls = [
        lambda n=n, task=task: services.time_entry_create(
            actor=assistant,
            task=task,
            started_at=day + datetime.timedelta(hours=2 * n),
            ended_at=day + datetime.timedelta(hours=2 * n, minutes=50),
        )
        for n, task in enumerate(tasks)
    ]
    outcomes = race(*calls)
    assert all(isinstance(outcome, TimeEntry) for outcome in outcomes), outcomes
    (cell,) = TimeRollup.objects.all()
    assert cell.entries == 4 and cell.logged == datetime.timedelta(minutes=200)
    assert_equals_a_rebuild()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_writers_of_one_task_keep_its_cell_whole(attempt):
    """Entries of one task on different UTC days (different day cells), written at the
    same instant: the refreshes of its task cell wait for each other, so it holds all."""
    assistant = factories.AssistantFactory()
    client = factories.ClientFactory()
    factories.SubscriptionFactory(client=client)
    task = factories.TaskFactory(client=client, assignee=assistant, status=TaskStatus.IN_PROGRESS)
    day = (timezone.now() - datetime.timedelta(days=8)).replace(hour=1, minute=0, second=0)
    calls = [
        lambda n=n: services.time_entry_create(
            actor=assistant,
            task=task,
            started_at=day + datetime.timedelta(days=n),
            ended_at=day + datetime.timedelta(days=n, minutes=50),
        )
        for n in range(4)
    ]
    outcomes = race(*calls)
    assert all(isinstance(outcome, TimeEntry) for outcome in outcomes), outcomes
    (cell,) = TaskTimeRollup.objects.all()
    assert cell.entries == 4 and cell.logged == datetime.timedelta(minutes=200)
    assert (cell.first_started, cell.last_started) == (day, day + datetime.timedelta(days=3))
    assert_equals_a_rebuild()


@pytest.mark.django_db
def test_the_migrations_fill_both_rollups_as_the_rebuild_does(team):
    """The migrations spell out what the services compute (so that they keep their meaning
    when the services change): filling from the entries gives the rebuild's cells."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    task, other = team["tasks"][1:3]
    start = datetime.datetime(2026, 10, 5, 9, tzinfo=UTC)
    for n, (on, by) in enumerate([(task, task.assignee), (task, other.assignee), (other, None)]):
        factories.TimeEntryFactory(  # summed into the rollups, as the services do
            task=on,
            assistant=by or on.assignee,
            started_at=start + datetime.timedelta(days=n),
            ended_at=start + datetime.timedelta(days=n, minutes=50 + n),
            billable=n != 2,
        )
    assert TaskTimeRollup.objects.filter(task=task, shared=True).count() == 2
    kept = cells()
    TimeRollup.objects.all().delete()
    TaskTimeRollup.objects.all().delete()
    editor = SimpleNamespace(connection=connection)
    importlib.import_module("assistants.migrations.0013_time_rollup").fill(apps, editor)
    importlib.import_module("assistants.migrations.0014_task_time_rollup").fill(apps, editor)
    assert cells() == kept
