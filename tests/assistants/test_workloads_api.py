"""Workload endpoints: every metric on a hand-built week (with a daylight-saving change and
an entry crossing midnight), CSV equal to JSON, the access matrix, pinned query counts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from assistants import workload_selectors
from assistants.models import TimeEntryStatus, TimeOff
from concierge.models import TaskStatus
from tests import factories
from tests.checks import assert_access_matrix, assert_error

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
WEEK = "2026-W13"  # Monday 23 March to Sunday 29 March 2026; Paris moves to UTC+2 on the 29th
LIST = "/api/v1/workloads/"


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def detail(assistant):
    return f"/api/v1/workloads/{assistant.id}/"


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


def entry(task, start, end, *, billable=True, **extra):
    return factories.TimeEntryFactory(
        task=task,
        assistant=task.assignee,
        started_at=start,
        ended_at=end,
        billable=billable,
        **extra,
    )


@pytest.fixture
def week(assistant_user, other_assistant_user):
    """Assistant A's hand-built week 2026-W13, and a little work for assistant B."""
    a, b = assistant_user, other_assistant_user
    a.assistant_profile.weekly_capacity_minutes = 600
    a.assistant_profile.skills = ["Admin", "Travel"]
    a.assistant_profile.save()
    b.assistant_profile.skills = ["booking"]
    b.assistant_profile.save()
    now = timezone.now()
    work = factories.TaskFactory(assignee=a, status=TaskStatus.IN_PROGRESS, title="work")
    # Sunday 22 March 23:15 → Monday 00:00 Paris: started the week before, not counted.
    entry(work, utc(2026, 3, 22, 22, 15), utc(2026, 3, 22, 23))
    # Monday 00:00 → 00:30 Paris: the first instant of the week counts. 30 billable.
    entry(work, utc(2026, 3, 22, 23), utc(2026, 3, 22, 23, 30))
    # Monday 10:00 → 11:00 Paris: 60 billable.
    entry(work, utc(2026, 3, 23, 9), utc(2026, 3, 23, 10))
    # Tuesday 23:30 → Wednesday 00:45 Paris, crossing midnight: 75, not billable, on Tuesday.
    entry(work, utc(2026, 3, 24, 22, 30), utc(2026, 3, 24, 23, 45), billable=False)
    # Sunday 29 March 01:30 → 03:30 Paris on the clock, across the change: 60 billable.
    entry(work, utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30))
    # Sunday 23:30 → Monday 00:30 Paris (UTC+2): started in the week, counted whole: 60.
    entry(work, utc(2026, 3, 29, 21, 30), utc(2026, 3, 29, 22, 30))
    # Monday 30 March 00:45 Paris: next week.
    entry(work, utc(2026, 3, 29, 22, 45), utc(2026, 3, 29, 23, 45))
    # B's entry in the week is B's alone.
    b_task = factories.TaskFactory(assignee=b, status=TaskStatus.IN_PROGRESS)
    entry(b_task, utc(2026, 3, 24, 9), utc(2026, 3, 24, 13))
    # B's running timer, started on Thursday, is not logged time.
    entry(b_task, utc(2026, 3, 26, 10), None, status=TimeEntryStatus.RUNNING)

    # Open work of A: one due tomorrow that cannot fit, one overdue, one without deadline.
    at_risk = factories.TaskFactory(
        assignee=a,
        status=TaskStatus.ASSIGNED,
        promised_due_at=now + datetime.timedelta(days=1),
        estimate_minutes=600,
    )
    overdue = factories.TaskFactory(
        assignee=a,
        status=TaskStatus.WAITING_ON_CLIENT,
        promised_due_at=now - datetime.timedelta(hours=1),
    )
    later = factories.TaskFactory(
        assignee=a,
        status=TaskStatus.ASSIGNED,
        promised_due_at=now + datetime.timedelta(days=60),
        estimate_minutes=60,
    )
    # Deliveries in the week: on time, late, exactly on the deadline; one without a promise,
    # one the week before, one cancelled afterwards.
    deadline = utc(2026, 3, 26, 12)
    completed = {"status": TaskStatus.COMPLETED, "completed_at": utc(2026, 3, 28), "rating": 1}
    factories.TaskFactory(
        assignee=a, delivered_at=utc(2026, 3, 25, 10), promised_due_at=deadline, **completed
    )
    factories.TaskFactory(
        assignee=a, delivered_at=utc(2026, 3, 27, 10), promised_due_at=deadline, **completed
    )
    factories.TaskFactory(assignee=a, delivered_at=deadline, promised_due_at=deadline, **completed)
    factories.TaskFactory(assignee=a, delivered_at=utc(2026, 3, 25), **completed)
    factories.TaskFactory(
        assignee=a, delivered_at=utc(2026, 3, 22, 22), promised_due_at=deadline, **completed
    )
    factories.TaskFactory(
        assignee=a,
        status=TaskStatus.CANCELLED,
        delivered_at=utc(2026, 3, 25),
        promised_due_at=deadline,
    )
    # Ratings of the last 30 days: 4 and 5 count; 40 days ago and unrated do not.
    for days, rating in ((2, 4), (10, 5), (40, 1), (1, None)):
        factories.TaskFactory(
            assignee=a,
            status=TaskStatus.COMPLETED,
            completed_at=now - datetime.timedelta(days=days),
            rating=rating,
        )
    # B: one overdue open task; an unassigned overdue task belongs to nobody.
    factories.TaskFactory(
        assignee=b, status=TaskStatus.ASSIGNED, promised_due_at=now - datetime.timedelta(days=1)
    )
    factories.TaskFactory(status=TaskStatus.NEW, promised_due_at=now - datetime.timedelta(days=1))
    return {"a": a, "b": b, "work": work, "at_risk": at_risk, "overdue": overdue, "later": later}


def test_every_metric_on_a_hand_built_week(manager_api, week):
    response = manager_api.get(LIST, {"week": WEEK})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["week"] == WEEK
    assert body["week_start"] == "2026-03-23T00:00:00+01:00"
    assert body["week_end"] == "2026-03-30T00:00:00+02:00"
    assert body["count"] == 2
    a, b = body["results"]
    assert a == {
        "assistant": week["a"].id,
        "name": week["a"].full_name,
        "email": week["a"].email,
        "active": True,
        "week": WEEK,
        "open_tasks": 4,  # work, at risk, overdue, later
        "overdue_tasks": 1,
        "logged_minutes": 30 + 60 + 75 + 60 + 60,
        "billable_minutes": 30 + 60 + 60 + 60,
        "capacity_minutes": 600,
        "utilization": 0.475,
        "delivered_tasks": 3,
        "on_time_tasks": 2,
        "on_time_rate": 0.6667,
        "rated_tasks": 2,
        "avg_rating": 4.5,
    }
    assert (b["open_tasks"], b["overdue_tasks"], b["logged_minutes"]) == (2, 1, 240)
    assert (b["utilization"], b["on_time_rate"], b["avg_rating"]) == (0.1, None, None)
    assert body["totals"] == {
        "assistants": 2,
        "open_tasks": 6,
        "overdue_tasks": 2,
        "logged_minutes": 285 + 240,
        "billable_minutes": 210 + 240,
        "capacity_minutes": 600 + 2400,
        "utilization": 0.175,
        "delivered_tasks": 3,
        "on_time_tasks": 2,
        "on_time_rate": 0.6667,
        "rated_tasks": 2,
        "avg_rating": 4.5,
    }


def test_fall_back_week_has_169_hours(manager_api, assistant_user):
    task = factories.TaskFactory(assignee=assistant_user, status=TaskStatus.IN_PROGRESS)
    # Sunday 25 October 2026, 02:30 → 02:30 Paris: the clock's repeated hour, 60 minutes.
    entry(task, utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30))
    # Sunday 23:30 Paris (UTC+1) is still week 43.
    entry(task, utc(2026, 10, 25, 22, 30), utc(2026, 10, 25, 22, 45))
    # Monday 19 October 00:00 Paris is 18 October 22:00 UTC.
    entry(task, utc(2026, 10, 18, 22), utc(2026, 10, 18, 22, 10))
    entry(task, utc(2026, 10, 18, 21, 50), utc(2026, 10, 18, 22))  # the week before
    body = manager_api.get(LIST, {"week": "2026-W43"}).json()
    assert body["week_start"] == "2026-10-19T00:00:00+02:00"
    assert body["week_end"] == "2026-10-26T00:00:00+01:00"
    assert body["results"][0]["logged_minutes"] == 60 + 15 + 10
    days = manager_api.get(detail(assistant_user), {"week": "2026-W43"}).json()["days"]
    assert [d["logged_minutes"] for d in days] == [10, 0, 0, 0, 0, 0, 75]
    assert days[-1]["end"] == "2026-10-26T00:00:00+01:00"


def test_detail_per_day_tasks_and_risk(manager_api, week):
    response = manager_api.get(detail(week["a"]), {"week": WEEK})
    assert response.status_code == 200, response.content
    body = response.json()
    listed = manager_api.get(LIST, {"week": WEEK}).json()["results"][0]
    assert {key: body[key] for key in listed} == listed
    assert [d["date"] for d in body["days"]] == [f"2026-03-{d}" for d in range(23, 30)]
    assert [d["logged_minutes"] for d in body["days"]] == [90, 75, 0, 0, 0, 0, 120]
    assert [d["billable_minutes"] for d in body["days"]] == [90, 0, 0, 0, 0, 0, 120]
    assert [d["entries"] for d in body["days"]] == [2, 1, 0, 0, 0, 0, 2]
    assert sum(d["logged_minutes"] for d in body["days"]) == body["logged_minutes"]
    assert body["days"][6]["start"] == "2026-03-29T00:00:00+01:00"
    assert body["days"][6]["end"] == "2026-03-30T00:00:00+02:00"
    tasks = {t["id"]: t for t in body["tasks"]}
    # Earliest deadline first, tasks without one last.
    assert [t["id"] for t in body["tasks"]] == [
        week["overdue"].id,
        week["at_risk"].id,
        week["later"].id,
        week["work"].id,
    ]
    assert tasks[week["at_risk"].id]["at_risk"] is True
    assert tasks[week["at_risk"].id]["remaining_minutes"] == 600
    assert tasks[week["later"].id]["at_risk"] is False
    assert tasks[week["overdue"].id]["overdue"] is True
    assert tasks[week["overdue"].id]["at_risk"] is False
    assert tasks[week["work"].id]["logged_minutes"] == 45 + 30 + 60 + 75 + 60 + 60 + 60
    assert tasks[week["work"].id]["promised_due_at"] is None
    assert [t["id"] for t in body["overdue"]] == [week["overdue"].id]
    assert body["at_risk_tasks"] == 1


def test_time_off_puts_work_at_risk(manager_api, week):
    now = timezone.now()
    TimeOff.objects.create(
        assistant=week["a"],
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=70),
    )
    tasks = {t["id"]: t for t in manager_api.get(detail(week["a"]), {"week": WEEK}).json()["tasks"]}
    assert tasks[week["later"].id]["at_risk"] is True


@pytest.mark.parametrize("on_leave", [False, True])
def test_the_teams_at_risk_work_is_each_assistants(manager_api, manager_user, week, on_leave):
    """The team-wide read (the portal's late work) flags what each assistant's week flags."""
    now = timezone.now()
    if on_leave:
        TimeOff.objects.create(
            assistant=week["a"], starts_at=now, ends_at=now + datetime.timedelta(days=70)
        )
    flagged = {
        task["id"]
        for assistant in (week["a"], week["b"])
        for task in manager_api.get(detail(assistant), {"week": WEEK}).json()["tasks"]
        if task["at_risk"]
    }
    assert workload_selectors.team_at_risk(manager_user, now=timezone.now()) == flagged
    assert week["at_risk"].id in flagged
    assert (week["later"].id in flagged) is on_leave


def test_assistant_reads_own_workload(assistant_api, week):
    response = assistant_api.get(detail(week["a"]), {"week": WEEK})
    assert response.status_code == 200
    assert response.json()["logged_minutes"] == 285


def test_access_matrix(anon_api, client_api, assistant_api, other_assistant_api, manager_api, week):
    assert_access_matrix(
        method="get", url=LIST, anonymous=anon_api, forbidden=[client_api, assistant_api]
    )
    assert_access_matrix(
        method="get",
        url=detail(week["a"]),
        anonymous=anon_api,
        forbidden=[client_api],
        hidden=[other_assistant_api],
    )
    client = factories.ClientFactory()
    assert_error(manager_api.get(f"/api/v1/workloads/{client.id}/"), 404, "not_found")
    assert_error(manager_api.get("/api/v1/workloads/99999999/"), 404, "not_found")
    assert_error(manager_api.get(f"/api/v1/workloads/{2**70}/"), 404, "not_found")


@pytest.mark.parametrize("bad", ["2026-47", "2026-W54", "2025-W53", "W13", "2026-W1"])
def test_bad_week_is_400(manager_api, assistant_api, week, bad):
    body = assert_error(manager_api.get(LIST, {"week": bad}), 400, "invalid_week")
    assert "week" in body["fields"]
    assert_error(assistant_api.get(detail(week["a"]), {"week": bad}), 400, "invalid_week")
    assert_error(manager_api.get(LIST, {"week": bad, "format": "csv"}), 400, "invalid_week")


def test_bad_filters_are_400(manager_api, week):
    assert_error(manager_api.get(LIST, {"ordering": "password"}), 400, "invalid_ordering")
    assert_error(manager_api.get(LIST, {"active": "maybe"}), 400, "invalid_filter")


def test_a_refused_parameter_is_named_with_its_own_code(manager_api, assistant_api, week):
    def refusal(code, name, message):
        return {"code": code, "detail": message, "fields": {name: [message]}}

    bad_week = "“W13” is not an ISO week such as 2026-W47."
    # The week is read first: with a bad filter too, only the week is named.
    got = manager_api.get(LIST, {"week": "W13", "active": "maybe", "ordering": "x"})
    assert got.json() == refusal("invalid_week", "week", bad_week)
    got = manager_api.get(LIST, {"active": "maybe", "ordering": "x"})
    assert got.json() == refusal("invalid_filter", "active", "active must be true or false.")
    columns = (
        "active, assistant, avg_rating, billable_minutes, capacity_minutes, delivered_tasks, "
        "email, logged_minutes, name, on_time_rate, on_time_tasks, open_tasks, overdue_tasks, "
        "rated_tasks, utilization"
    )
    got = manager_api.get(LIST, {"ordering": "-week", "active": "YES", "skill": " "})
    message = f"ordering must be one of {columns}, optionally with -."
    assert got.json() == refusal("invalid_ordering", "ordering", message)
    # One assistant's week reads only the week.
    got = assistant_api.get(detail(week["a"]), {"active": "maybe", "ordering": "x"})
    assert got.status_code == 200
    got = assistant_api.get(detail(week["a"]), {"week": " 2026-W13"})
    assert got.json() == refusal(
        "invalid_week", "week", "“ 2026-W13” is not an ISO week such as 2026-W47."
    )


def test_default_week_is_the_current_one(manager_api, week):
    from assistants import workloads

    body = manager_api.get(LIST).json()
    assert body["week"] == str(workloads.week_of(timezone.now()))


def test_ordering_and_filters(manager_api, week):
    inactive = factories.AssistantFactory()
    inactive.assistant_profile.active = False
    inactive.assistant_profile.skills = ["admin"]
    inactive.assistant_profile.save()
    a, b = week["a"].id, week["b"].id

    def ids(**params):
        return [
            r["assistant"]
            for r in manager_api.get(LIST, {"week": WEEK, **params}).json()["results"]
        ]

    assert ids() == [a, b, inactive.id]
    assert ids(ordering="-logged_minutes") == [a, b, inactive.id]
    assert ids(ordering="logged_minutes") == [inactive.id, b, a]
    assert ids(ordering="-utilization") == [a, b, inactive.id]
    # Missing ratios go last in either direction.
    assert ids(ordering="on_time_rate")[0] == a
    assert ids(ordering="-on_time_rate")[0] == a
    assert ids(active="true") == [a, b]
    assert ids(active="false") == [inactive.id]
    assert ids(skill="ADMIN") == [a, inactive.id]
    assert ids(skill="admin", active="true") == [a]
    assert ids(skill="cooking") == []
    totals = manager_api.get(LIST, {"week": WEEK, "skill": "booking"}).json()["totals"]
    assert (totals["assistants"], totals["logged_minutes"]) == (1, 240)
    page = manager_api.get(LIST, {"week": WEEK, "page_size": 2}).json()
    assert (page["count"], len(page["results"]), page["totals"]["assistants"]) == (3, 2, 3)
    assert page["next"] is not None


def _number(text):
    return None if text == "" else Decimal(text)


def test_csv_matches_json(manager_api, week):
    factories.AssistantFactory()
    body = manager_api.get(LIST, {"week": WEEK, "ordering": "-logged_minutes"}).json()
    response = manager_api.get(LIST, {"week": WEEK, "ordering": "-logged_minutes", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "workloads-2026-W13.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == list(body["results"][0])
    assert len(rows) == len(body["results"]) + 1
    for row, expected in zip(rows, body["results"], strict=False):
        for key, value in expected.items():
            if isinstance(value, bool):
                assert row[key] == str(value).lower()
            elif value is None:
                assert row[key] == ""
            elif isinstance(value, int | float):
                assert _number(row[key]) == Decimal(str(value)), key
            else:
                assert row[key] == value
    total = rows[-1]
    assert total["assistant"] == "total"
    for key, value in body["totals"].items():
        if key in total:
            assert _number(total[key]) == (None if value is None else Decimal(str(value))), key


def test_list_query_count_does_not_grow_with_the_team(manager_api, django_assert_num_queries):
    def grow(n):
        for _ in range(n):
            assistant = factories.AssistantFactory()
            task = factories.TaskFactory(
                assignee=assistant, status=TaskStatus.IN_PROGRESS, promised_due_at=utc(2026, 3, 1)
            )
            entry(task, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10))

    grow(2)
    # The token; the profiles; their tasks by assignee; the week's time by assistant.
    with django_assert_num_queries(4):
        assert manager_api.get(LIST, {"week": WEEK}).json()["count"] == 2
    grow(8)
    with django_assert_num_queries(4):
        assert manager_api.get(LIST, {"week": WEEK}).json()["count"] == 10
    with django_assert_num_queries(4):
        assert (
            manager_api.get(LIST, {"week": WEEK, "format": "csv", "skill": "admin"}).status_code
            == 200
        )


def test_detail_query_count_does_not_grow_with_the_work(
    assistant_api, assistant_user, django_assert_num_queries
):
    def grow(n):
        for _ in range(n):
            task = factories.TaskFactory(
                assignee=assistant_user,
                status=TaskStatus.IN_PROGRESS,
                promised_due_at=timezone.now() + datetime.timedelta(days=3),
                estimate_minutes=120,
            )
            start = utc(2026, 3, 23, 6) + datetime.timedelta(hours=3 * task.id % 150)
            entry(task, start, start + datetime.timedelta(minutes=30))

    grow(1)
    with django_assert_num_queries(7):
        assert assistant_api.get(detail(assistant_user), {"week": WEEK}).status_code == 200
    grow(6)
    with django_assert_num_queries(7):
        assert len(assistant_api.get(detail(assistant_user), {"week": WEEK}).json()["tasks"]) == 7


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(manager_api):
    factories.AssistantFactory(
        first_name="=HYPERLINK(1)", last_name="x", email="@evil@example.test"
    )
    response = manager_api.get(LIST, {"week": WEEK, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    cells = [value for row in rows for value in row.values()]
    assert "'=HYPERLINK(1) x" in cells
    assert "'@evil@example.test" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
