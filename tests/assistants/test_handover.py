"""Continuity: time off and deactivation move an assistant's open work on, each move
recorded with its reason, and the people concerned told.

The main scenario crosses the end of daylight-saving time in Europe (Sunday 31 October
2027, 03:00 CEST → 02:00 CET) with a backup who is also away for part of the leave."""

import datetime

import pytest

from concierge import services
from concierge.models import Notification, TaskEvent, TaskStatus
from tests import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TIME_OFF = "/api/v1/time-off/"
TASKS = "/api/v1/tasks/"


def assistant(tz="Europe/Paris", skills=("booking",), **profile):
    user = factories.AssistantFactory(timezone=tz)
    user.assistant_profile.skills = list(skills)
    for name, value in profile.items():
        setattr(user.assistant_profile, name, value)
    user.assistant_profile.save()
    return user


def client_of(primary=None, backup=None):
    client = factories.ClientFactory()
    client.client_profile.primary_assistant = primary
    client.client_profile.backup_assistant = backup
    client.client_profile.save()
    return client


def task_for(client, assignee, **fields):
    fields.setdefault("category", "booking")
    fields.setdefault("status", TaskStatus.ASSIGNED)
    task = factories.TaskFactory(client=client, assignee=assignee, **fields)
    factories.task_event(task, "assign", to_status=task.status, data={"assistant": assignee.pk})
    return task


def kinds_for(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


@pytest.fixture
def team(db):
    away = assistant()  # the client's primary, going on leave
    backup = assistant()  # the client's backup, away on Monday morning too
    paris = assistant()  # skilled, busier, works at 09:30 Paris time
    london = assistant(tz="Europe/London")  # skilled, idle, but 08:30 is before their day
    task_for(factories.ClientFactory(), paris, estimate_minutes=120)
    client = client_of(primary=away, backup=backup)
    factories.TimeOffFactory(
        assistant=backup,
        starts_at=datetime.datetime.fromisoformat("2027-11-01T00:00:00+01:00"),
        ends_at=datetime.datetime.fromisoformat("2027-11-01T12:00:00+01:00"),
    )
    return {"away": away, "backup": backup, "paris": paris, "london": london, "client": client}


def test_time_off_across_dst_moves_work_with_reasons(team, manager_api, manager_user, api_for):
    away, backup, paris, client = team["away"], team["backup"], team["paris"], team["client"]
    monday_morning = task_for(
        client, away, promised_due_at=datetime.datetime(2027, 11, 1, 8, 30, tzinfo=UTC)
    )  # 09:30 in Paris: the backup is away then
    monday_night = task_for(
        client, away, promised_due_at=datetime.datetime(2027, 11, 1, 22, 30, tzinfo=UTC)
    )  # 23:30 in Paris on Monday: inside the leave, the backup is back
    after_leave = task_for(
        client, away, promised_due_at=datetime.datetime(2027, 11, 1, 23, 30, tzinfo=UTC)
    )  # 00:30 in Paris on Tuesday: after the leave (with summer time it would be inside)
    repeated_hour = task_for(
        client,
        away,
        status=TaskStatus.IN_PROGRESS,
        scheduled_start=datetime.datetime(2027, 10, 31, 0, 30, tzinfo=UTC),  # 02:30 CEST
        scheduled_end=datetime.datetime(2027, 10, 31, 1, 30, tzinfo=UTC),  # 02:30 CET
    )
    done = task_for(
        client,
        away,
        status=TaskStatus.COMPLETED,
        promised_due_at=datetime.datetime(2027, 11, 1, 8, 0, tzinfo=UTC),
    )
    stranger = client_of()  # no assistants of their own, asking for a skill nobody has
    plumbing = task_for(
        stranger,
        away,
        category="plumbing",
        promised_due_at=datetime.datetime(2027, 10, 30, 10, 0, tzinfo=UTC),
    )

    resp = manager_api.post(
        TIME_OFF,
        {
            "assistant": away.pk,
            # Friday 00:00 in summer time to Tuesday 00:00 in winter time, Paris.
            "starts_at": "2027-10-29T00:00:00+02:00",
            "ends_at": "2027-11-02T00:00:00+01:00",
            "reason": "Long weekend",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    moves = {m["task"]: m for m in resp.json()["moves"]}
    assert {task: m["to_assistant"] for task, m in moves.items()} == {
        monday_morning.pk: paris.pk,  # the backup is away: the skilled one at work then
        monday_night.pk: backup.pk,  # the backup is free again
        repeated_hour.pk: backup.pk,
        plumbing.pk: None,  # nobody: flagged for the managers
    }
    assert "least-loaded skilled assistant" in moves[monday_morning.pk]["reason"]
    assert "backup assistant" in moves[monday_night.pk]["reason"]
    assert "2027-10-29 00:00 to 2027-11-02 00:00 (Europe/Paris)" in moves[plumbing.pk]["reason"]

    for task in (monday_morning, monday_night, after_leave, repeated_hour, done, plumbing):
        task.refresh_from_db()
    assert monday_morning.assignee == paris and monday_night.assignee == backup
    assert repeated_hour.assignee == backup and repeated_hour.status == TaskStatus.IN_PROGRESS
    assert after_leave.assignee == away and done.assignee == away
    assert plumbing.assignee == away and plumbing.flagged_at is not None

    event = monday_morning.events.filter(kind="assign").last()
    assert event.actor == manager_user
    assert event.data["previous"] == away.pk and event.data["time_off"]
    flag = plumbing.events.get(kind="flag")
    assert "nobody free" in flag.note

    # Everybody concerned is told: the client, the assistant leaving, those taking over,
    # and the managers about what nobody could take.
    assert kinds_for(client) == ["task_reassigned"] * 3
    assert kinds_for(away) == ["task_reassigned"] * 3
    assert kinds_for(backup) == ["task_assigned"] * 2
    assert kinds_for(paris) == ["task_assigned"]
    assert kinds_for(manager_user) == ["task_needs_assignee"]
    assert kinds_for(team["london"]) == []

    # The history is in the task's read fields, for the client too.
    body = api_for(client).get(f"{TASKS}{monday_morning.pk}/").json()
    history = body["assignment_history"]
    assert [h["assistant"] for h in history] == [away.pk, paris.pk]
    assert history[1]["by"] == manager_user.pk and "time off" in history[1]["reason"]
    assert history[1]["previous"] == away.pk
    flagged = manager_api.get(TASKS, {"flagged": "true"}).json()["results"]
    assert [t["id"] for t in flagged] == [plumbing.pk]
    assert flagged[0]["assignment_history"][-1]["kind"] == "flagged"

    # A manager's assignment clears the flag.
    services.task_assign(task=plumbing, actor=manager_user, assistant=team["london"])
    plumbing.refresh_from_db()
    assert plumbing.flagged_at is None and plumbing.flag_reason == ""


def test_deactivation_moves_every_open_task(team, manager_api):
    away, client = team["away"], team["client"]
    undated = task_for(client, away)
    dated = task_for(
        client, away, promised_due_at=datetime.datetime(2027, 11, 1, 22, 30, tzinfo=UTC)
    )
    resp = manager_api.patch(f"/api/v1/assistants/{away.pk}/", {"active": False}, format="json")
    assert resp.status_code == 200 and resp.json()["active"] is False
    undated.refresh_from_db()
    dated.refresh_from_db()
    assert undated.assignee == team["backup"] and dated.assignee == team["backup"]
    assert "is no longer active" in dated.events.filter(kind="assign").last().note
    # Saving an inactive assistant again moves nothing more.
    resp = manager_api.patch(f"/api/v1/assistants/{away.pk}/", {"active": False}, format="json")
    assert TaskEvent.objects.filter(kind="assign", data__deactivated=True).count() == 2


def test_creation_looks_at_the_tasks_own_dates(team):
    primary, backup, client = team["away"], team["backup"], team["client"]
    factories.TimeOffFactory(
        assistant=primary,
        starts_at=datetime.datetime(2027, 12, 20, tzinfo=UTC),
        ends_at=datetime.datetime(2027, 12, 27, tzinfo=UTC),
    )
    inside = services.task_create(
        client=client,
        title="Christmas hamper",
        category="booking",
        requested_due_at=datetime.datetime(2027, 12, 23, 12, tzinfo=UTC),
    )
    assert inside.assignee == backup
    assert inside.events.get(kind="assign").data["reason"] == "backup assistant"
    after = services.task_create(
        client=client,
        title="New year dinner",
        category="booking",
        requested_due_at=datetime.datetime(2027, 12, 30, 12, tzinfo=UTC),
    )
    assert after.assignee == primary
    appointment = services.task_create(
        client=client,
        title="Plumber visit",
        category="booking",
        scheduled_start=datetime.datetime(2027, 12, 26, 23, tzinfo=UTC),
        scheduled_end=datetime.datetime(2027, 12, 27, 1, tzinfo=UTC),
    )
    assert appointment.assignee == backup  # half an appointment inside the leave is enough


def test_a_backup_with_an_overlapping_appointment_is_not_free(team):
    away, backup, client = team["away"], team["backup"], team["client"]
    start = datetime.datetime(2027, 12, 1, 10, tzinfo=UTC)
    task_for(
        factories.ClientFactory(),
        backup,
        scheduled_start=start + datetime.timedelta(minutes=30),
        scheduled_end=start + datetime.timedelta(hours=2),
    )
    visit = task_for(
        client, away, scheduled_start=start, scheduled_end=start + datetime.timedelta(hours=1)
    )
    from assistants.handover import work_hand_over

    moves = work_hand_over(assistant=away, actor=None, cause="test")
    assert [(m.task, m.to_assistant) for m in moves] == [(visit.pk, team["london"].pk)]


def test_skills_compare_case_insensitively(team):
    from assistants.assignment import choose_assignee

    nobody = client_of()
    task = task_for(nobody, team["away"], category="BOOKING")
    choice = choose_assignee(task, exclude={team["away"].pk, team["backup"].pk})
    assert choice is not None and choice.assistant == team["london"]


def test_moving_a_task_into_the_assignees_leave_hands_it_over(team, api_for):
    away, backup, client = team["away"], team["backup"], team["client"]
    factories.TimeOffFactory(
        assistant=away,
        starts_at=datetime.datetime(2027, 12, 20, tzinfo=UTC),
        ends_at=datetime.datetime(2027, 12, 27, tzinfo=UTC),
    )
    visit = task_for(
        client,
        away,
        scheduled_start=datetime.datetime(2027, 12, 10, 9, tzinfo=UTC),
        scheduled_end=datetime.datetime(2027, 12, 10, 10, tzinfo=UTC),
    )
    api = api_for(client)
    resp = api.patch(f"{TASKS}{visit.pk}/", {"title": "Boiler visit"}, format="json")
    assert resp.json()["assignee"] == away.pk  # nothing about the dates changed
    resp = api.patch(
        f"{TASKS}{visit.pk}/",
        {"scheduled_start": "2027-12-21T09:00:00Z", "scheduled_end": "2027-12-21T10:00:00Z"},
        format="json",
    )
    assert resp.status_code == 200 and resp.json()["assignee"] == backup.pk
    reason = resp.json()["assignment_history"][-1]["reason"]
    assert "is on time off" in reason and "backup assistant" in reason
    assert kinds_for(client) == ["task_reassigned"]
