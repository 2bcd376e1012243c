import datetime
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from assistants.jobs import stop_runaway_timers
from assistants.models import TimeEntry, TimeEntryEvent, TimeEntryStatus
from assistants.services import time_entries_bill
from billing.models import Invoice, InvoicedEntry
from concierge.models import TaskStatus
from tests import factories
from tests.checks import assert_access_matrix, assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/time-entries/"


def _iso(dt):
    return dt.isoformat()


@pytest.fixture
def task(client_user, assistant_user):
    # A subscriber: billable time needs a plan or an hour pack behind it.
    factories.SubscriptionFactory(client=client_user, start_date=datetime.date(2025, 1, 1))
    return factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )


def _manual(api, task, start, end, **extra):
    return api.post(
        URL,
        {
            "task": task.pk,
            "started_at": _iso(start),
            "ended_at": _iso(end),
            "note": "Calls",
            **extra,
        },
        format="json",
    )


def _ago(hours):
    return timezone.now().replace(microsecond=0) - timedelta(hours=hours)


# --- manual entries -----------------------------------------------------------------------


def test_assignee_logs_manual_entry_with_raw_times(assistant_api, task):
    start = timezone.now().replace(microsecond=0) - timedelta(days=2, seconds=7)
    resp = _manual(assistant_api, task, start, start + timedelta(minutes=7, seconds=3))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["duration_seconds"] == 7 * 60 + 3
    assert body["source"] == "manual" and body["status"] == "stopped"
    assert body["billable"] is True and body["invoice"] is None
    entry = TimeEntry.objects.get(pk=body["id"])
    assert entry.started_at == start
    assert TimeEntryEvent.objects.filter(entry=entry, kind="created").count() == 1


def test_manager_logs_for_the_assignee(manager_api, task, assistant_user):
    resp = _manual(manager_api, task, _ago(3), _ago(2))
    assert resp.status_code == 201
    assert resp.json()["assistant"] == assistant_user.pk


def test_back_to_back_entries_are_fine_overlap_is_409(assistant_api, task):
    t = _ago(10)
    assert _manual(assistant_api, task, t, t + timedelta(hours=1)).status_code == 201
    assert (
        _manual(assistant_api, task, t + timedelta(hours=1), t + timedelta(hours=2)).status_code
        == 201
    )
    assert_error(
        _manual(assistant_api, task, t + timedelta(minutes=30), t + timedelta(minutes=90)),
        409,
        "overlapping_entry",
    )
    assert TimeEntry.objects.count() == 2


def test_overlap_is_per_assistant(api_for, task, other_assistant_user, client_user):
    other_task = factories.TaskFactory(
        client=client_user, assignee=other_assistant_user, status=TaskStatus.IN_PROGRESS
    )
    t = _ago(5)
    assert _manual(api_for(task.assignee), task, t, t + timedelta(hours=1)).status_code == 201
    resp = _manual(api_for(other_assistant_user), other_task, t, t + timedelta(hours=1))
    assert resp.status_code == 201


def test_back_dated_ok_future_end_refused(assistant_api, manager_api, task):
    old = datetime.datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert _manual(manager_api, task, old, old + timedelta(hours=1)).status_code == 201
    assert_error(
        _manual(assistant_api, task, _ago(1), timezone.now() + timedelta(hours=1)),
        400,
        "ends_in_future",
    )


def test_end_before_start_is_400(assistant_api, task):
    assert_error(_manual(assistant_api, task, _ago(1), _ago(2)), 400, "invalid")


def test_naive_datetime_or_garbage_is_400_not_500(assistant_api, task):
    resp = assistant_api.post(
        URL, {"task": task.pk, "started_at": "yesterday", "ended_at": "x"}, format="json"
    )
    assert_error(resp, 400, "invalid")


@pytest.mark.parametrize("status", [TaskStatus.COMPLETED, TaskStatus.CANCELLED])
def test_only_open_tasks(assistant_api, client_user, assistant_user, status):
    closed = factories.TaskFactory(client=client_user, assignee=assistant_user, status=status)
    assert_error(_manual(assistant_api, closed, _ago(2), _ago(1)), 409, "task_not_open")


def test_non_assignee_cannot_log(api_for, task, other_assistant_user):
    resp = _manual(api_for(other_assistant_user), task, _ago(2), _ago(1))
    assert_error(resp, 404, "not_found")


def test_idempotency_key_replays_first_result(assistant_api, task):
    t = _ago(4)
    payload = {"task": task.pk, "started_at": _iso(t), "ended_at": _iso(t + timedelta(hours=1))}
    first = assistant_api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = assistant_api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert TimeEntry.objects.count() == 1


# --- midnight and DST ---------------------------------------------------------------------


def test_entry_across_midnight_in_assistant_zone(assistant_api, task, assistant_user):
    zone = ZoneInfo("Asia/Tokyo")
    assistant_user.timezone = "Asia/Tokyo"
    assistant_user.save()
    day = (timezone.now() - timedelta(days=5)).astimezone(zone).date()
    start = datetime.datetime.combine(day, datetime.time(23, 30), tzinfo=zone)
    resp = _manual(assistant_api, task, start, start + timedelta(hours=1))
    assert resp.status_code == 201
    assert resp.json()["duration_seconds"] == 3600
    entry = TimeEntry.objects.get()
    assert entry.started_at.astimezone(zone).date() != entry.ended_at.astimezone(zone).date()


def test_entry_across_dst_change_counts_real_time(manager_api, task):
    # Dates far back: a manager records them (assistants date entries 30 days back).
    assistant_api = manager_api
    # Europe/Berlin springs forward on 2026-03-29 at 02:00 → 03:00: 01:30 to 03:30 wall
    # clock is one real hour.
    zone = ZoneInfo("Europe/Berlin")
    start = datetime.datetime(2026, 3, 29, 1, 30, tzinfo=zone)
    end = datetime.datetime(2026, 3, 29, 3, 30, tzinfo=zone)
    resp = _manual(assistant_api, task, start, end)
    assert resp.status_code == 201
    assert resp.json()["duration_seconds"] == 3600
    # Autumn: 2026-10-25 03:00 → 02:00; 01:30 to 03:30 wall clock is three real hours.
    start = datetime.datetime(2026, 10, 25, 1, 30, tzinfo=zone)
    end = datetime.datetime(2026, 10, 25, 3, 30, tzinfo=zone)
    if end < timezone.now():
        assert _manual(assistant_api, task, start, end).json()["duration_seconds"] == 3 * 3600


# --- timer --------------------------------------------------------------------------------


def test_timer_start_show_stop(assistant_api, task):
    resp = assistant_api.post("/api/v1/timer/start/", {"task": task.pk, "note": "x"}, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["status"] == "running" and body["ended_at"] is None
    assert body["source"] == "timer"
    shown = assistant_api.get("/api/v1/timer/")
    assert shown.status_code == 200 and shown.json()["id"] == body["id"]
    assert_error(
        assistant_api.post("/api/v1/timer/start/", {"task": task.pk}, format="json"),
        409,
        "timer_running",
    )
    stopped = assistant_api.post("/api/v1/timer/stop/")
    assert stopped.status_code == 200
    assert stopped.json()["status"] == "stopped" and stopped.json()["ended_at"]
    assert_error(assistant_api.get("/api/v1/timer/"), 404, "not_found")
    assert_error(assistant_api.post("/api/v1/timer/stop/"), 409, "no_running_timer")
    kinds = list(TimeEntryEvent.objects.values_list("kind", flat=True))
    assert kinds == ["timer_started", "timer_stopped"]


def test_manual_entry_overlapping_running_timer_is_409(assistant_api, task):
    factories.TimeEntryFactory(
        task=task, started_at=_ago(1), ended_at=None, status=TimeEntryStatus.RUNNING
    )
    resp = _manual(assistant_api, task, _ago(2), timezone.now() - timedelta(minutes=5))
    body = assert_error(resp, 409, "overlapping_entry")
    # The refusal says which entry is in the way, in the reader's language.
    assert body["detail"].startswith(
        f"This time overlaps the timer running on “{task.title}” since "
    )
    body = {
        "task": task.pk,
        "started_at": _iso(_ago(2)),
        "ended_at": _iso(timezone.now() - timedelta(minutes=5)),
    }
    resp = assistant_api.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert assert_error(resp, 409, "overlapping_entry")["detail"].startswith(
        f"Ce temps chevauche le chrono en cours sur « {task.title} » depuis le "
    )


def test_timer_on_closed_task_is_409(assistant_api, client_user, assistant_user):
    done = factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.COMPLETED
    )
    resp = assistant_api.post("/api/v1/timer/start/", {"task": done.pk}, format="json")
    assert_error(resp, 409, "task_not_open")


def test_runaway_timer_job_stops_and_flags(task, assistant_user, settings):
    settings.TIMER_MAX_HOURS = 10
    started = timezone.now() - timedelta(hours=12)
    entry = factories.TimeEntryFactory(
        task=task,
        assistant=assistant_user,
        started_at=started,
        ended_at=None,
        status=TimeEntryStatus.RUNNING,
        source="timer",
    )
    fresh_task = factories.TaskFactory(
        client=task.client, assignee=factories.AssistantFactory(), status=TaskStatus.IN_PROGRESS
    )
    fresh = factories.TimeEntryFactory(
        task=fresh_task,
        started_at=timezone.now() - timedelta(hours=1),
        ended_at=None,
        status=TimeEntryStatus.RUNNING,
    )
    assert stop_runaway_timers() == 1
    assert stop_runaway_timers() == 0
    entry.refresh_from_db()
    fresh.refresh_from_db()
    assert entry.status == TimeEntryStatus.NEEDS_REVIEW
    assert entry.ended_at == started + timedelta(hours=10)
    assert fresh.ended_at is None


# --- caps ---------------------------------------------------------------------------------


def test_task_cap_refuses_and_notifies_at_80_percent(
    assistant_api, task, client_user, django_capture_on_commit_callbacks
):
    task.max_minutes = 100
    task.save()
    t = _ago(10)
    with django_capture_on_commit_callbacks(execute=True):
        assert _manual(assistant_api, task, t, t + timedelta(minutes=70)).status_code == 201
    assert len(mail.outbox) == 0
    t2 = t + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert _manual(assistant_api, task, t2, t2 + timedelta(minutes=15)).status_code == 201
    budget_mails = [m for m in mail.outbox if "time budget" in m.subject]
    assert len(budget_mails) == 1
    assert budget_mails[0].to == [client_user.email]
    t3 = t + timedelta(hours=4)
    assert_error(
        _manual(assistant_api, task, t3, t3 + timedelta(minutes=20)), 409, "task_cap_reached"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _manual(assistant_api, task, t3, t3 + timedelta(minutes=15)).status_code == 201
    assert len([m for m in mail.outbox if "time budget" in m.subject]) == 1  # once
    assert_error(
        assistant_api.post("/api/v1/timer/start/", {"task": task.pk}, format="json"),
        409,
        "task_cap_reached",
    )
    task.max_minutes = 200
    task.save()
    assert (
        assistant_api.post("/api/v1/timer/start/", {"task": task.pk}, format="json").status_code
        == 201
    )


def _task_without_plan_or_pack(assistant):
    return factories.TaskFactory(
        client=factories.ClientFactory(), assignee=assistant, status=TaskStatus.IN_PROGRESS
    )


def test_billable_time_guard_is_consulted(assistant_api, assistant_user):
    """Billing's guard refuses billable time for a client with neither plan nor pack;
    non-billable time is still recorded."""
    task = _task_without_plan_or_pack(assistant_user)
    assert_error(_manual(assistant_api, task, _ago(2), _ago(1)), 409, "no_plan_or_pack")
    resp = _manual(assistant_api, task, _ago(2), _ago(1), billable=False)
    assert resp.status_code == 201
    assert TimeEntry.objects.filter(task=task).get().billable is False


# --- edit / delete / lock -----------------------------------------------------------------


def _bill(entry, client, minutes=30):
    invoice = Invoice.objects.create(
        client=client, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 1, 31)
    )
    InvoicedEntry.objects.create(entry=entry, invoice=invoice, billed_minutes=minutes)
    time_entries_bill(minutes={entry.pk: minutes}, billed_at=timezone.now())  # as the close does
    return invoice


def test_edit_and_delete_until_invoiced(assistant_api, task, client_user):
    entry = factories.TimeEntryFactory(task=task)
    resp = assistant_api.patch(
        f"{URL}{entry.pk}/", {"note": "Fixed", "billable": False}, format="json"
    )
    assert resp.status_code == 200 and resp.json()["note"] == "Fixed"
    assert resp.json()["billable"] is False
    _bill(entry, client_user)
    assert_error(
        assistant_api.patch(f"{URL}{entry.pk}/", {"note": "y"}, format="json"), 409, "entry_locked"
    )
    assert_error(assistant_api.delete(f"{URL}{entry.pk}/"), 409, "entry_locked")
    other = factories.TimeEntryFactory(task=task)
    assert assistant_api.delete(f"{URL}{other.pk}/").status_code == 204
    assert not TimeEntry.objects.filter(pk=other.pk).exists()


def test_edit_into_overlap_is_409(assistant_api, task):
    a = factories.TimeEntryFactory(task=task, started_at=_ago(5))
    b = factories.TimeEntryFactory(task=task, started_at=_ago(3))
    resp = assistant_api.patch(f"{URL}{b.pk}/", {"started_at": _iso(a.started_at)}, format="json")
    assert_error(resp, 409, "overlapping_entry")


def test_lengthening_an_entry_passes_the_task_budget_shortening_always_does(assistant_api, task):
    t = _ago(10)
    entry = factories.TimeEntryFactory(task=task, started_at=t, ended_at=t + timedelta(minutes=50))
    task.max_minutes = 60
    task.save()
    longer = {"ended_at": _iso(t + timedelta(minutes=61))}
    assert_error(
        assistant_api.patch(f"{URL}{entry.pk}/", longer, format="json"), 409, "task_cap_reached"
    )
    assert TimeEntry.objects.get(pk=entry.pk).ended_at == t + timedelta(minutes=50)
    fits = {"ended_at": _iso(t + timedelta(minutes=60))}
    assert assistant_api.patch(f"{URL}{entry.pk}/", fits, format="json").status_code == 200
    # The client lowers the budget below what is logged: corrections downwards still work.
    task.max_minutes = 30
    task.save()
    shorter = {"ended_at": _iso(t + timedelta(minutes=40))}
    resp = assistant_api.patch(f"{URL}{entry.pk}/", shorter, format="json")
    assert resp.status_code == 200 and resp.json()["duration_seconds"] == 40 * 60


def test_no_time_is_added_to_a_closed_task_by_editing(assistant_api, task):
    t = _ago(10)
    entry = factories.TimeEntryFactory(task=task, started_at=t, ended_at=t + timedelta(minutes=30))
    task.status = TaskStatus.COMPLETED
    task.save()
    earlier = {"started_at": _iso(t - timedelta(minutes=10))}
    assert_error(
        assistant_api.patch(f"{URL}{entry.pk}/", earlier, format="json"), 409, "task_not_open"
    )
    later = {"started_at": _iso(t + timedelta(minutes=10)), "note": "Corrected"}
    resp = assistant_api.patch(f"{URL}{entry.pk}/", later, format="json")
    assert resp.status_code == 200 and resp.json()["duration_seconds"] == 20 * 60


def test_making_time_billable_again_passes_the_billable_time_guard(assistant_api, assistant_user):
    task = _task_without_plan_or_pack(assistant_user)
    t = _ago(10)
    entry = factories.TimeEntryFactory(
        task=task, started_at=t, ended_at=t + timedelta(minutes=30), billable=False
    )
    assert_error(
        assistant_api.patch(f"{URL}{entry.pk}/", {"billable": True}, format="json"),
        409,
        "no_plan_or_pack",
    )
    assert TimeEntry.objects.get(pk=entry.pk).billable is False
    resp = assistant_api.patch(f"{URL}{entry.pk}/", {"note": "Only words"}, format="json")
    assert resp.status_code == 200


def test_deleting_an_entry_keeps_its_history(assistant_api, assistant_user, task):
    t = _ago(10)
    created = _manual(assistant_api, task, t, t + timedelta(minutes=25)).json()
    assert (
        assistant_api.patch(
            f"{URL}{created['id']}/", {"note": "Call with the plumber"}, format="json"
        ).status_code
        == 200
    )
    assert assistant_api.delete(f"{URL}{created['id']}/").status_code == 204

    history = list(TimeEntryEvent.objects.filter(entry_id=created["id"]).order_by("pk"))
    assert [event.kind for event in history] == ["created", "edited", "deleted"]
    deleted = history[-1]
    assert deleted.actor == assistant_user
    assert deleted.data["task"] == task.pk
    assert deleted.data["note"] == "Call with the plumber"
    assert deleted.data["started_at"] == str(t)


# --- disputes -----------------------------------------------------------------------------


def _ended(task, ago):
    """An entry logged as it ended, `ago` ago."""
    end = timezone.now() - ago
    return factories.TimeEntryFactory(
        task=task,
        started_at=end - timedelta(minutes=1),
        ended_at=end,
        created_at=end,
        reviewable_from=end,
    )


def test_dispute_window_edges(client_api, task, settings):
    settings.TIME_DISPUTE_DAYS = 7
    inside = _ended(task, timedelta(days=7) - timedelta(minutes=1))
    outside = _ended(task, timedelta(days=7, minutes=1))
    resp = client_api.post(f"{URL}{inside.pk}/dispute/", {"reason": "Too long"}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "disputed"
    resp = client_api.post(f"{URL}{outside.pk}/dispute/", {"reason": "Late"}, format="json")
    assert_error(resp, 409, "dispute_window_closed")
    assert_error(client_api.post(f"{URL}{inside.pk}/dispute/", {}, format="json"), 400, "invalid")


@pytest.mark.parametrize(
    ("decision", "extra", "status", "override"),
    [
        ("accept", {}, "stopped", None),
        ("adjust", {"billable_minutes": 20}, "stopped", 20),
        ("reject", {}, "rejected", None),
    ],
)
def test_resolve(client_api, manager_api, task, decision, extra, status, override):
    entry = _ended(task, timedelta(hours=1))
    client_api.post(f"{URL}{entry.pk}/dispute/", {"reason": "Hm"}, format="json")
    resp = manager_api.post(
        f"{URL}{entry.pk}/resolve/", {"decision": decision, **extra}, format="json"
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == status
    assert resp.json()["billable_minutes_override"] == override
    detail = client_api.get(f"{URL}{entry.pk}/").json()
    assert [e["kind"] for e in detail["events"]] == ["disputed", "resolved"]
    assert detail["events"][0]["data"]["reason"] == "Hm"
    assert_error(
        manager_api.post(f"{URL}{entry.pk}/resolve/", {"decision": "accept"}, format="json"),
        409,
        "not_disputed",
    )


def test_adjust_requires_minutes(client_api, manager_api, task):
    entry = _ended(task, timedelta(hours=1))
    client_api.post(f"{URL}{entry.pk}/dispute/", {"reason": "Hm"}, format="json")
    resp = manager_api.post(f"{URL}{entry.pk}/resolve/", {"decision": "adjust"}, format="json")
    assert_error(resp, 400, "invalid")


# --- listing ------------------------------------------------------------------------------


def test_client_sees_entries_on_own_tasks_only(client_api, other_client_api, task):
    entry = factories.TimeEntryFactory(task=task, note="Booked flights")
    factories.TimeEntryFactory()
    rows = client_api.get(URL).json()["results"]
    assert [(r["id"], r["note"], r["assistant"]) for r in rows] == [
        (entry.pk, "Booked flights", task.assignee_id)
    ]
    assert other_client_api.get(URL).json()["count"] == 0


def test_filters(manager_api, task, client_user):
    a = factories.TimeEntryFactory(task=task)
    b = factories.TimeEntryFactory(task=task)
    c = factories.TimeEntryFactory()
    invoice = _bill(b, client_user, minutes=45)

    def ids(**params):
        return {r["id"] for r in manager_api.get(URL, params).json()["results"]}

    assert ids(task=task.pk) == {a.pk, b.pk}
    assert ids(assistant=c.assistant_id) == {c.pk}
    assert ids(client=client_user.pk) == {a.pk, b.pk}
    assert ids(invoiced="true") == {b.pk}
    billed = manager_api.get(URL, {"invoiced": "true"}).json()["results"][0]
    assert (billed["invoice"], billed["billed_minutes"]) == (invoice.pk, 45)
    assert ids(invoiced="false") == {a.pk, c.pk}
    assert ids(started_after=_iso(b.started_at)) == {b.pk, c.pk}
    assert ids(started_before=_iso(b.started_at)) == {a.pk}
    assert_error(manager_api.get(URL, {"started_after": "nope"}), 400, "invalid")


@pytest.mark.parametrize("size", [1, 15])
def test_list_query_count_is_pinned(manager_api, django_assert_num_queries, size):
    factories.TimeEntryFactory.create_batch(size)
    with django_assert_num_queries(2):  # token+user, the page with its count: at any size
        resp = manager_api.get(URL)
    assert resp.json()["count"] == size


# --- access matrix ------------------------------------------------------------------------


def test_access_matrix(
    anon_api, client_api, other_client_api, assistant_api, other_assistant_api, manager_api, task
):
    entry = _ended(task, timedelta(hours=1))
    detail = f"{URL}{entry.pk}/"
    assert_access_matrix(method="get", url=URL, anonymous=anon_api)
    assert_access_matrix(
        method="get", url=detail, anonymous=anon_api, hidden=[other_client_api, other_assistant_api]
    )
    assert_access_matrix(
        method="post",
        url=URL,
        anonymous=anon_api,
        forbidden=[client_api],
        data={"task": task.pk, "started_at": _iso(_ago(2)), "ended_at": _iso(_ago(1))},
    )
    assert_error(_manual(other_assistant_api, task, _ago(2), _ago(1)), 404, "not_found")
    for method in ("patch", "delete"):
        assert_access_matrix(
            method=method,
            url=detail,
            anonymous=anon_api,
            forbidden=[client_api],
            hidden=[other_assistant_api],
            data={},
        )
    assert_access_matrix(
        method="post",
        url=f"{detail}dispute/",
        anonymous=anon_api,
        forbidden=[assistant_api, manager_api],
        hidden=[other_client_api],
        data={"reason": "x"},
    )
    assert_access_matrix(
        method="post",
        url=f"{detail}resolve/",
        anonymous=anon_api,
        forbidden=[client_api, assistant_api],
        data={"decision": "accept"},
    )
    for method, url in (
        ("get", "/api/v1/timer/"),
        ("post", "/api/v1/timer/start/"),
        ("post", "/api/v1/timer/stop/"),
    ):
        assert_access_matrix(
            method=method,
            url=url,
            anonymous=anon_api,
            forbidden=[client_api, manager_api],
            data={"task": task.pk},
        )
    resp = other_assistant_api.post("/api/v1/timer/start/", {"task": task.pk}, format="json")
    assert_error(resp, 404, "not_found")
