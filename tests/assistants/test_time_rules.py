"""The rules that make every logged minute defensible: a task's budget holds for timers,
disputes run from when the client could see an entry, absurd times are refused, and
workloads count billable time as the invoice does."""

import datetime
from datetime import UTC, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assistants import jobs, services
from assistants.models import TimeEntry, TimeEntryStatus
from concierge.errors import Invalid
from concierge.models import TaskStatus
from tests import factories
from tests.billing.helpers import freeze
from tests.checks import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/time-entries/"


@pytest.fixture
def task(client_user, assistant_user):
    # The worked example's plan (15-minute rounding) behind the client.
    factories.SubscriptionFactory(client=client_user, start_date=datetime.date(2025, 1, 1))
    return factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )


def _now():
    return timezone.now().replace(microsecond=0)


def _post(api, task, start, end, **extra):
    body = {"task": task.pk, "started_at": start.isoformat(), "ended_at": end.isoformat()}
    return api.post(URL, {**body, **extra}, format="json")


def _subjects(to):
    return [m.subject for m in mail.outbox if m.to == [to.email]]


# --- 1. a task's budget holds for timers ----------------------------------------------------


def test_timer_past_the_task_budget_bills_only_the_budget(
    monkeypatch,
    assistant_api,
    client_api,
    task,
    client_user,
    assistant_user,
    django_capture_on_commit_callbacks,
):
    task.max_minutes = 1
    task.save()
    t0 = _now()
    freeze(monkeypatch, t0)
    assert assistant_api.post("/api/v1/timer/start/", {"task": task.pk}).status_code == 201
    freeze(monkeypatch, t0 + timedelta(seconds=80))
    with django_capture_on_commit_callbacks(execute=True):
        stopped = assistant_api.post("/api/v1/timer/stop/")
    assert stopped.status_code == 200
    assert stopped.json()["duration_seconds"] == 60 and stopped.json()["billable"] is True
    excess = TimeEntry.objects.exclude(pk=stopped.json()["id"]).get()
    assert (excess.started_at, excess.ended_at) == (
        t0 + timedelta(seconds=60),
        t0 + timedelta(seconds=80),
    )
    assert excess.billable is False and "budget" in excess.note
    assert any("budget" in s for s in _subjects(client_user))
    assert any("budget" in s for s in _subjects(assistant_user))
    # A second timer is refused; the client's usage grew by one rounded entry, not two.
    assert_error(
        assistant_api.post("/api/v1/timer/start/", {"task": task.pk}), 409, "task_cap_reached"
    )
    assert client_api.get("/api/v1/usage/").json()["used_minutes"] == 15
    # The excess is billed only once the client raises the budget.
    assert_error(
        assistant_api.patch(f"{URL}{excess.pk}/", {"billable": True}, format="json"),
        409,
        "task_cap_reached",
    )
    task.max_minutes = 2
    task.save()
    made = assistant_api.patch(f"{URL}{excess.pk}/", {"billable": True}, format="json")
    assert made.status_code == 200 and made.json()["billable"] is True


def test_job_stops_a_timer_at_the_budget(monkeypatch, assistant_user, task):
    task.max_minutes = 1
    task.save()
    t0 = _now()
    freeze(monkeypatch, t0)
    entry = services.timer_start(actor=assistant_user, task=task)
    freeze(monkeypatch, t0 + timedelta(seconds=30))
    assert jobs.stop_timers_at_budget() == 0  # within the budget: still running
    freeze(monkeypatch, t0 + timedelta(minutes=7))
    assert jobs.stop_timers_at_budget() == 1
    entry.refresh_from_db()
    assert entry.ended_at == t0 + timedelta(minutes=1) and entry.billable
    assert TimeEntry.objects.count() == 1  # stopped at the budget: no excess at all
    assert jobs.stop_timers_at_budget() == 0


def test_non_billable_time_is_not_capped(assistant_api, task):
    task.max_minutes = 1
    task.save()
    start = _now() - timedelta(hours=2)
    response = _post(assistant_api, task, start, start + timedelta(minutes=30), billable=False)
    assert response.status_code == 201


# --- 2. disputes ----------------------------------------------------------------------------


def test_entry_logged_late_is_open_to_dispute_from_its_creation(
    manager_api, client_api, task, settings
):
    settings.TIME_DISPUTE_DAYS = 7
    start = _now() - timedelta(days=8, hours=1)
    logged = _post(manager_api, task, start, start + timedelta(hours=1))
    assert logged.status_code == 201
    assert logged.json()["dispute_open_until"] is not None
    disputed = client_api.post(
        f"{URL}{logged.json()['id']}/dispute/", {"reason": "Never asked"}, format="json"
    )
    assert disputed.status_code == 200, disputed.content
    assert disputed.json()["status"] == "disputed"
    assert disputed.json()["dispute_reason"] == "Never asked"


def test_a_change_of_times_reopens_the_dispute_window(
    monkeypatch, assistant_api, client_api, task, settings
):
    settings.TIME_DISPUTE_DAYS = 7
    t0 = _now()
    freeze(monkeypatch, t0 - timedelta(days=9))
    start = t0 - timedelta(days=9, hours=2)
    entry = _post(assistant_api, task, start, start + timedelta(hours=1)).json()
    freeze(monkeypatch, t0)
    url = f"{URL}{entry['id']}/dispute/"
    assert_error(client_api.post(url, {"reason": "Old"}), 409, "dispute_window_closed")
    # The note is not the time: editing it keeps the window closed.
    assistant_api.patch(f"{URL}{entry['id']}/", {"note": "typo"}, format="json")
    assert_error(client_api.post(url, {"reason": "Old"}), 409, "dispute_window_closed")
    longer = (start + timedelta(hours=1, minutes=30)).isoformat()
    assert (
        assistant_api.patch(f"{URL}{entry['id']}/", {"ended_at": longer}, format="json").status_code
        == 200
    )
    assert client_api.post(url, {"reason": "Longer now?"}).status_code == 200


def test_disputed_entry_is_frozen_for_the_assistant_and_both_sides_are_told(
    assistant_api,
    client_api,
    manager_api,
    task,
    client_user,
    assistant_user,
    django_capture_on_commit_callbacks,
):
    start = _now() - timedelta(hours=3)
    entry = _post(assistant_api, task, start, start + timedelta(hours=1)).json()
    with django_capture_on_commit_callbacks(execute=True):
        client_api.post(f"{URL}{entry['id']}/dispute/", {"reason": "Too long"}, format="json")
    assert any("disputed" in s for s in _subjects(assistant_user))
    assert any("dispute" in s for s in _subjects(client_user))
    for person in (client_user, assistant_user):  # kept in the service too
        assert person.notifications.filter(kind="dispute_opened").count() == 1
    shorter = {"ended_at": (start + timedelta(minutes=30)).isoformat()}
    assert_error(
        assistant_api.patch(f"{URL}{entry['id']}/", shorter, format="json"), 409, "entry_disputed"
    )
    assert_error(assistant_api.delete(f"{URL}{entry['id']}/"), 409, "entry_disputed")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resolved = manager_api.post(
            f"{URL}{entry['id']}/resolve/",
            {"decision": "adjust", "billable_minutes": 20},
            format="json",
        )
    assert resolved.json()["dispute_decision"] == "adjust"
    assert resolved.json()["dispute_resolved_at"] is not None
    assert any("decided" in s for s in _subjects(client_user))
    assert any("decided" in s for s in _subjects(assistant_user))
    detail = client_api.get(f"{URL}{entry['id']}/").json()
    events = {e["kind"]: e["data"] for e in detail["events"]}
    assert events["disputed"]["reason"] == "Too long"
    assert events["resolved"]["decision"] == "adjust"
    assert detail["dispute_reason"] == "Too long"
    # Decided once: the same version can't be disputed again.
    assert_error(
        client_api.post(f"{URL}{entry['id']}/dispute/", {"reason": "Again"}),
        409,
        "not_disputable",
    )
    assert assistant_api.patch(f"{URL}{entry['id']}/", shorter, format="json").status_code == 200


# --- 3. absurd time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (datetime.datetime(1970, 1, 1, 9, tzinfo=UTC), "datetime_out_of_range"),
        (datetime.datetime(1999, 12, 31, 23, tzinfo=UTC), "datetime_out_of_range"),
        (datetime.datetime(2000, 1, 1, 9, tzinfo=UTC), None),
    ],
)
def test_entries_lie_between_2000_and_2100(manager_api, task, start, code):
    response = _post(manager_api, task, start, start + timedelta(minutes=30))
    if code is None:
        assert response.status_code == 201
    else:
        body = assert_error(response, 400, code)
        assert "started_at" in body["fields"]


def test_year_one_is_refused_by_the_service(manager_user, task):
    start = datetime.datetime(1, 1, 1, tzinfo=UTC)
    with pytest.raises(Invalid) as raised:
        services.time_entry_create(
            actor=manager_user, task=task, started_at=start, ended_at=start + timedelta(hours=1)
        )
    assert raised.value.code == "datetime_out_of_range"


def test_an_entry_lasts_at_most_timer_max_hours(manager_api, task, settings):
    settings.TIMER_MAX_HOURS = 10
    start = datetime.datetime(2025, 1, 1, tzinfo=UTC)
    assert_error(
        _post(manager_api, task, start, datetime.datetime(2026, 1, 1, tzinfo=UTC)),
        400,
        "entry_too_long",
    )
    assert_error(
        _post(manager_api, task, start, start + timedelta(hours=10, seconds=1)),
        400,
        "entry_too_long",
    )
    assert _post(manager_api, task, start, start + timedelta(hours=10)).status_code == 201


def test_assistants_backdate_a_limited_number_of_days_managers_further(
    assistant_api, manager_api, task, settings
):
    settings.TIME_BACKDATE_DAYS = 30
    recent = _now() - timedelta(days=29)
    assert _post(assistant_api, task, recent, recent + timedelta(hours=1)).status_code == 201
    old = _now() - timedelta(days=31)
    body = assert_error(
        _post(assistant_api, task, old, old + timedelta(hours=1)), 400, "backdated_too_far"
    )
    assert "started_at" in body["fields"]
    assert _post(manager_api, task, old, old + timedelta(hours=1)).status_code == 201
    two_years = _now() - timedelta(days=730)
    assert _post(manager_api, task, two_years, two_years + timedelta(hours=1)).status_code == 201
    # Moving an entry's start further back is the same back-dating.
    entry = TimeEntry.objects.get(started_at=recent)
    moved = _now() - timedelta(days=40)
    assert_error(
        assistant_api.patch(
            f"{URL}{entry.pk}/",
            {
                "started_at": moved.isoformat(),
                "ended_at": (moved + timedelta(hours=1)).isoformat(),
            },
            format="json",
        ),
        400,
        "backdated_too_far",
    )
    settings.TIME_BACKDATE_DAYS = 5
    six = _now() - timedelta(days=6)
    assert_error(
        _post(assistant_api, task, six, six + timedelta(hours=1)), 400, "backdated_too_far"
    )


# --- 4. workloads count billable time as the invoice does --------------------------------


def test_workload_billable_minutes_agree_with_the_invoice(manager_api, assistant_user, task):
    monday = datetime.datetime(2026, 3, 23, 9, tzinfo=UTC)  # ISO week 2026-W13

    def entry(hours_in, minutes, **fields):
        start = monday + timedelta(hours=hours_in)
        return factories.TimeEntryFactory(
            task=task, started_at=start, ended_at=start + timedelta(minutes=minutes), **fields
        )

    entry(0, 60)  # billed: 60
    entry(2, 60, status=TimeEntryStatus.REJECTED)  # rejected after a dispute: not billed
    entry(4, 30, status=TimeEntryStatus.DISPUTED)  # awaiting a decision: not billed yet
    entry(6, 45, status=TimeEntryStatus.NEEDS_REVIEW)  # a runaway timer: not billed yet
    entry(8, 15, billable=False)
    entry(10, 60, billable_minutes_override=10)  # adjusted by a manager: 10 billed
    row = manager_api.get("/api/v1/workloads/?week=2026-W13").json()
    (mine,) = [r for r in row["results"] if r["assistant"] == assistant_user.pk]
    assert mine["logged_minutes"] == 60 + 60 + 30 + 45 + 15 + 60
    assert mine["billable_minutes"] == 60 + 10
    detail = manager_api.get(f"/api/v1/workloads/{assistant_user.pk}/?week=2026-W13").json()
    assert sum(day["billable_minutes"] for day in detail["days"]) == 70
    assert detail["billable_minutes"] == 70
