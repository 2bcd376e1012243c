import datetime

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from concierge import services
from concierge.models import Message, Notification, Task, TaskEvent, TaskStatus
from tests import factories
from tests.checks import assert_access_matrix, assert_error

S = TaskStatus
URL = "/api/v1/tasks/"


def url(task, suffix=""):
    return f"{URL}{task.pk}/{suffix}"


@pytest.fixture
def task(client_user, assistant_user):
    return factories.TaskFactory(client=client_user, assignee=assistant_user, status=S.ASSIGNED)


# Access matrix -------------------------------------------------------------------------


def test_list_and_create_matrix(anon_api, assistant_api, manager_api):
    assert_access_matrix(method="GET", url=URL, anonymous=anon_api)
    assert_access_matrix(
        method="POST",
        url=URL,
        anonymous=anon_api,
        forbidden=[assistant_api, manager_api],
        data={"title": "x"},
    )


def test_detail_matrix(task, anon_api, other_client_api, other_assistant_api):
    for method in ("GET", "PATCH"):
        assert_access_matrix(
            method=method,
            url=url(task),
            anonymous=anon_api,
            hidden=[other_client_api, other_assistant_api],
            data={"title": "x"},
        )


@pytest.mark.parametrize(
    ("suffix", "forbidden", "hidden"),
    [
        ("assign/", ["client_api", "assistant_api"], []),
        ("start/", ["client_api", "manager_api"], ["other_assistant_api"]),
        ("wait/", ["client_api", "manager_api"], ["other_assistant_api"]),
        ("deliver/", ["client_api", "manager_api"], ["other_assistant_api"]),
        ("accept/", ["assistant_api", "manager_api"], ["other_client_api"]),
        ("request-revision/", ["assistant_api", "manager_api"], ["other_client_api"]),
        ("cancel/", ["assistant_api"], ["other_client_api"]),
        ("messages/", [], ["other_client_api", "other_assistant_api"]),
    ],
)
def test_action_matrix(request, task, anon_api, suffix, forbidden, hidden):
    assert_access_matrix(
        method="POST",
        url=url(task, suffix),
        anonymous=anon_api,
        forbidden=[request.getfixturevalue(name) for name in forbidden],
        hidden=[request.getfixturevalue(name) for name in hidden],
        data={},
    )
    if suffix == "messages/":
        assert_access_matrix(
            method="GET",
            url=url(task, suffix),
            anonymous=anon_api,
            hidden=[request.getfixturevalue(name) for name in hidden],
        )
    task.refresh_from_db()
    assert task.status == S.ASSIGNED


def test_unknown_task_is_404(manager_api):
    assert_error(manager_api.get(f"{URL}999999/"), 404, "not_found")


# Create and read ----------------------------------------------------------------------


def test_client_creates_and_it_is_assigned_to_primary(
    client_user, client_api, assistant_user, django_capture_on_commit_callbacks
):
    client_user.client_profile.primary_assistant = assistant_user
    client_user.client_profile.save()
    due = timezone.now() + datetime.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_api.post(
            URL,
            {
                "title": "Book flights",
                "category": "booking",
                "priority": "urgent",
                "requested_due_at": due.isoformat(),
                "estimate_minutes": 60,
            },
            format="json",
        )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["client"] == client_user.pk
    assert body["assignee"] == assistant_user.pk
    assert body["status"] == "assigned"
    assert body["logged_minutes"] == 0
    assert datetime.datetime.fromisoformat(body["promised_due_at"]) == due
    event = TaskEvent.objects.get(task_id=body["id"], kind="assign")
    assert event.data == {"assistant": assistant_user.pk, "reason": "primary assistant"}
    assert [m.to for m in mail.outbox] == [[assistant_user.email]]


def test_a_category_outside_the_vocabulary_is_refused(client_api):
    resp = client_api.post(URL, {"title": "Odd job", "category": "taxidermy"}, format="json")
    assert_error(resp, 400, "unknown_category")
    assert resp.json()["fields"] == {"category": ["Unknown category: taxidermy."]}
    assert not Task.objects.filter(title="Odd job").exists()


def test_a_task_nobody_can_take_is_flagged_at_once_and_the_managers_told(client_api):
    """A new client (no assistant of their own) asks for bookings; no assistant takes
    bookings: the task is flagged, in the managers' queue, and every manager is told."""
    managers = factories.ManagerFactory.create_batch(2)
    resp = client_api.post(URL, {"title": "Book a table", "category": "booking"}, format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["status"] == "new" and body["assignee"] is None
    assert body["flagged_at"] is not None
    assert "booking" in body["flag_reason"]
    told = Notification.objects.filter(kind="task_needs_assignee", data__task=body["id"])
    assert sorted(told.values_list("user_id", flat=True)) == sorted(m.pk for m in managers)
    manager_api = APIClient()
    manager_api.force_authenticate(managers[0])
    for query in ("flagged=true", "unassigned=true", "category=booking"):
        listed = manager_api.get(f"{URL}?{query}").json()["results"]
        assert [t["id"] for t in listed] == [body["id"]], query
    assert manager_api.get(f"{URL}?unassigned=false").json()["results"] == []


def test_the_categories_are_listed_in_the_readers_language(client_api):
    resp = client_api.get("/api/v1/categories/")
    assert resp.status_code == 200
    assert {"code": "booking", "label": "Bookings"} in resp.json()
    french = client_api.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="fr")
    assert {"code": "booking", "label": "Réservations"} in french.json()
    assert APIClient().get("/api/v1/categories/").status_code == 401


def test_create_validation(client_api):
    resp = client_api.post(URL, {"title": ""}, format="json")
    assert_error(resp, 400, "invalid")
    start = timezone.now()
    resp = client_api.post(
        URL,
        {
            "title": "x",
            "scheduled_start": start.isoformat(),
            "scheduled_end": (start - datetime.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert_error(resp, 400, "invalid")
    assert_error(
        client_api.post(URL, {"title": "x", "priority": "meh"}, format="json"), 400, "invalid"
    )


def test_a_paused_subscription_refuses_new_tasks(client_api, client_user):
    """Billing's task-creation guard is consulted: a client paused for an unpaid invoice
    cannot delegate a new task until they pay."""
    factories.SubscriptionFactory(
        client=client_user, start_date=datetime.date(2025, 1, 1), status="paused"
    )
    assert_error(client_api.post(URL, {"title": "x"}, format="json"), 402, "payment_required")
    assert not Task.objects.exists()


def test_logged_minutes(task, client_api):
    factories.TimeEntryFactory(task=task)
    factories.TimeEntryFactory(task=task)
    resp = client_api.get(url(task))
    assert resp.status_code == 200
    assert resp.json()["logged_minutes"] == 120


def test_patch_by_client_and_by_assignee(task, client_api, assistant_api, manager_api):
    resp = client_api.patch(url(task), {"title": "Renamed"}, format="json")
    assert resp.status_code == 200 and resp.json()["title"] == "Renamed"
    assert_error(
        client_api.patch(url(task), {"estimate_minutes": 30}, format="json"),
        403,
        "permission_denied",
    )
    resp = assistant_api.patch(url(task), {"estimate_minutes": 600}, format="json")
    assert resp.status_code == 200
    assert resp.json()["estimate_minutes"] == 600
    assert resp.json()["promised_due_at"] is not None
    assert_error(
        assistant_api.patch(url(task), {"requested_due_at": None}, format="json"),
        403,
        "permission_denied",
    )
    Task.objects.filter(pk=task.pk).update(status=S.COMPLETED)
    assert_error(manager_api.patch(url(task), {"title": "y"}, format="json"), 409, "task_closed")


# Transitions over HTTP ----------------------------------------------------------------


def test_full_flow(task, client_api, assistant_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert assistant_api.post(url(task, "start/")).json()["status"] == "in_progress"
        resp = assistant_api.post(url(task, "wait/"), {"message": "Which airport?"}, format="json")
        assert resp.json()["status"] == "waiting_on_client"
        assert assistant_api.post(url(task, "start/")).json()["status"] == "in_progress"
        resp = assistant_api.post(url(task, "deliver/"), {"message": "Booked"}, format="json")
        assert resp.json()["status"] == "delivered" and resp.json()["delivered_at"]
        resp = client_api.post(
            url(task, "request-revision/"), {"reason": "Aisle seat"}, format="json"
        )
        assert resp.json()["status"] == "in_progress"
        assistant_api.post(url(task, "deliver/"), {"message": "Aisle"}, format="json")
        resp = client_api.post(
            url(task, "accept/"), {"rating": 4, "comment": "Thanks"}, format="json"
        )
    assert resp.status_code == 200
    assert resp.json()["status"] == "completed" and resp.json()["rating"] == 4
    subjects = [m.subject for m in mail.outbox]
    assert any(s.startswith("We need your input") for s in subjects)
    assert sum(s.startswith("Delivered") for s in subjects) == 2
    assert any(s.startswith("Revision requested") for s in subjects)
    kinds = list(task.events.values_list("from_status", "to_status"))
    assert kinds[0] == ("assigned", "in_progress") and kinds[-1] == ("delivered", "completed")


def test_illegal_moves_over_http(task, client_api, assistant_api, manager_api):
    assert_error(assistant_api.post(url(task, "deliver/")), 409, "invalid_transition")
    assert_error(client_api.post(url(task, "accept/")), 409, "invalid_transition")
    assert_error(client_api.post(url(task, "request-revision/")), 409, "invalid_transition")
    manager_api.post(url(task, "cancel/"), {"reason": "dup"}, format="json")
    assert_error(client_api.post(url(task, "cancel/")), 409, "invalid_transition")
    assert_error(
        manager_api.post(url(task, "assign/"), {"assistant": task.assignee_id}, format="json"),
        409,
        "invalid_transition",
    )


def test_bad_rating(task, client_api):
    Task.objects.filter(pk=task.pk).update(status=S.DELIVERED)
    assert_error(
        client_api.post(url(task, "accept/"), {"rating": 6}, format="json"), 400, "invalid"
    )


def test_previous_assignee_loses_the_task(
    task, assistant_api, manager_api, other_assistant_user, api_for
):
    resp = manager_api.post(
        url(task, "assign/"),
        {"assistant": other_assistant_user.pk, "reason": "leave"},
        format="json",
    )
    assert resp.status_code == 200 and resp.json()["assignee"] == other_assistant_user.pk
    event = task.events.get(kind="assign")
    assert event.data == {
        "assistant": other_assistant_user.pk,
        "reason": "leave",
        "previous": task.assignee_id,
    }
    new_api = api_for(other_assistant_user)
    assert new_api.post(url(task, "start/")).status_code == 200
    manager_api.post(url(task, "assign/"), {"assistant": task.assignee_id}, format="json")
    # The second assistant sees nothing of the task any more, and cannot act on it.
    assert_error(new_api.get(url(task)), 404, "not_found")
    assert_error(new_api.post(url(task, "wait/")), 404, "not_found")


def test_assign_validation(task, manager_api, client_user):
    resp = manager_api.post(url(task, "assign/"), {"assistant": client_user.pk}, format="json")
    assert_error(resp, 400, "invalid")


# Notifications only after commit ------------------------------------------------------


def test_no_mail_before_commit(task, assistant_api, django_capture_on_commit_callbacks):
    Task.objects.filter(pk=task.pk).update(status=S.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assistant_api.post(url(task, "deliver/"), {"message": "Here"}, format="json")
    assert mail.outbox == []
    assert callbacks
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[task.client.email]]


def test_refused_move_sends_nothing(task, assistant_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assistant_api.post(url(task, "deliver/"))
    assert callbacks == [] and mail.outbox == []


# Messages -----------------------------------------------------------------------------


def test_messages(task, client_api, assistant_api, manager_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_api.post(url(task, "messages/"), {"body": "Any news?"}, format="json")
        assert resp.status_code == 201 and resp.json()["internal"] is False
        resp = manager_api.post(
            url(task, "messages/"), {"body": "Client is VIP", "internal": True}, format="json"
        )
        assert resp.status_code == 201
    assert_error(
        client_api.post(url(task, "messages/"), {"body": "x", "internal": True}, format="json"),
        403,
        "internal_note_staff_only",
    )
    assert_error(
        client_api.post(url(task, "messages/"), {"body": ""}, format="json"), 400, "invalid"
    )
    client_view = client_api.get(url(task, "messages/")).json()
    staff_view = assistant_api.get(url(task, "messages/")).json()
    assert [m["body"] for m in client_view["results"]] == ["Any news?"]
    assert [m["body"] for m in staff_view["results"]] == ["Any news?", "Client is VIP"]
    # The client's message went to the assignee; the internal note to the assignee too.
    assert [m.to for m in mail.outbox] == [[task.assignee.email], [task.assignee.email]]
    assert Message.objects.count() == 2


# List, filters, query count -----------------------------------------------------------


def test_scoping(
    task, client_api, other_client_api, assistant_api, other_assistant_api, manager_api
):
    factories.TaskFactory()
    assert [t["id"] for t in client_api.get(URL).json()["results"]] == [task.pk]
    assert other_client_api.get(URL).json()["count"] == 0
    assert [t["id"] for t in assistant_api.get(URL).json()["results"]] == [task.pk]
    assert other_assistant_api.get(URL).json()["count"] == 0
    assert manager_api.get(URL).json()["count"] == 2


def test_filters(manager_api, client_user, assistant_user, other_client_user):
    now = timezone.now()
    late = factories.TaskFactory(
        client=client_user,
        assignee=assistant_user,
        status=S.IN_PROGRESS,
        promised_due_at=now - datetime.timedelta(hours=1),
        title="Renew passport",
    )
    soon = factories.TaskFactory(
        client=other_client_user,
        status=S.NEW,
        promised_due_at=now + datetime.timedelta(days=1),
        description="the PASSPORT photos",
    )
    done = factories.TaskFactory(
        client=client_user, status=S.COMPLETED, promised_due_at=now - datetime.timedelta(days=2)
    )

    def ids(query):
        resp = manager_api.get(URL, query)
        assert resp.status_code == 200, resp.content
        return sorted(t["id"] for t in resp.json()["results"])

    assert ids({"status": "new"}) == [soon.pk]
    assert ids({"status": "new,completed"}) == sorted([soon.pk, done.pk])
    assert ids({"assignee": assistant_user.pk}) == [late.pk]
    assert ids({"client": client_user.pk}) == sorted([late.pk, done.pk])
    assert ids({"overdue": "true"}) == [late.pk]
    assert ids({"due_before": now.isoformat()}) == sorted([late.pk, done.pk])
    assert ids({"q": "passport"}) == sorted([late.pk, soon.pk])
    assert_error(manager_api.get(URL, {"status": "lost"}), 400, "invalid")
    assert_error(manager_api.get(URL, {"due_before": "tomorrow"}), 400, "invalid")
    body = manager_api.get(f"{URL}{late.pk}/").json()
    assert body["overdue"] is True


# Where JSON aggregation is not used, a page's history is one more query.
HISTORY_APART = int(connection.vendor != "postgresql")


@pytest.mark.parametrize("size", [10, 100])
def test_list_query_count_is_flat(
    size, manager_api, client_api, client_user, assistant_user, django_assert_num_queries
):
    tasks = factories.TaskFactory.create_batch(
        size, client=client_user, assignee=assistant_user, status=S.ASSIGNED
    )
    for task in tasks[:5]:
        factories.TimeEntryFactory(task=task)
    for task in tasks:
        services.task_start(task=task, actor=assistant_user)  # history to show
    # Session/token lookup; the page with its count (and on PostgreSQL its history,
    # aggregated in the same SELECT); elsewhere the page's history events.
    with django_assert_num_queries(2 + HISTORY_APART):
        resp = manager_api.get(URL, {"page_size": 200})
    assert resp.json()["count"] == size
    assert all(len(t["status_history"]) == 1 for t in resp.json()["results"])
    with django_assert_num_queries(2 + HISTORY_APART):
        resp = client_api.get(URL, {"page_size": 200})
    assert sum(t["logged_minutes"] for t in resp.json()["results"]) == 300


def always_at_work(assistant):
    """Every minute of every day is working time: the at-risk rule then reads clock time."""
    profile = assistant.assistant_profile
    profile.workday_start, profile.workday_end = datetime.time(0), datetime.time.max
    profile.working_days = list(range(7))
    profile.weekly_capacity_minutes = 7 * 24 * 60
    profile.save()


def test_at_risk_is_the_workload_rule(manager_api, assistant_user, other_assistant_user):
    always_at_work(assistant_user)
    always_at_work(other_assistant_user)
    now = timezone.now()

    def open_task(assignee, estimate, hours):
        due = now + datetime.timedelta(hours=hours)
        return factories.TaskFactory(
            assignee=assignee, status=S.IN_PROGRESS, estimate_minutes=estimate, promised_due_at=due
        )

    risky = open_task(assistant_user, 240, 2)
    factories.TimeEntryFactory(task=risky)  # 60 of 240 minutes done: 180 left, 120 to go
    # Fits alone in its three hours, but comes after the 180 minutes due before it.
    behind = open_task(assistant_user, 60, 3)
    # The same work for another assistant, whose hours are free: fits.
    safe = open_task(other_assistant_user, 60, 3)
    # Nobody's hours to measure against: not at risk (a manager sees it unassigned).
    unassigned = open_task(None, 600, 2)
    unassigned.status = S.NEW
    unassigned.save()

    def at_risk(task):
        return manager_api.get(url(task)).json()["at_risk"]

    assert [at_risk(t) for t in (risky, behind, safe, unassigned)] == [True, True, False, False]
    listed = {t["id"]: t["at_risk"] for t in manager_api.get(URL).json()["results"]}
    assert listed == {risky.pk: True, behind.pk: True, safe.pk: False, unassigned.pk: False}
    workload = manager_api.get(f"/api/v1/workloads/{assistant_user.pk}/").json()
    assert {t["id"] for t in workload["tasks"] if t["at_risk"]} == {risky.pk, behind.pk}


def test_time_off_puts_a_task_at_risk(manager_api, other_assistant_user):
    always_at_work(other_assistant_user)
    now = timezone.now()
    task = factories.TaskFactory(
        assignee=other_assistant_user,
        status=S.ASSIGNED,
        estimate_minutes=60,
        promised_due_at=now + datetime.timedelta(hours=3),
    )
    assert manager_api.get(url(task)).json()["at_risk"] is False
    factories.TimeOffFactory(
        assistant=other_assistant_user, starts_at=now, ends_at=now + datetime.timedelta(hours=3)
    )
    assert manager_api.get(url(task)).json()["at_risk"] is True


@pytest.mark.parametrize("size", [10, 100])
def test_at_risk_costs_two_queries_per_page(
    size, manager_api, assistant_user, other_assistant_user, django_assert_num_queries
):
    now = timezone.now()
    for n in range(size):
        factories.TaskFactory(
            assignee=(assistant_user, other_assistant_user)[n % 2],
            status=S.IN_PROGRESS,
            estimate_minutes=60,
            promised_due_at=now + datetime.timedelta(days=1 + n),
        )
    # Token, the page (count, history); the assignees' open work with their hours; time off.
    with django_assert_num_queries(4 + HISTORY_APART):
        resp = manager_api.get(URL, {"page_size": 200})
    assert resp.json()["count"] == size


@pytest.mark.parametrize("size", [10, 100])
def test_messages_query_count_is_flat(size, task, client_api, django_assert_num_queries):
    Message.objects.bulk_create(
        Message(task=task, author=task.client, body=f"note {n}") for n in range(size)
    )
    # Token, the task, count, page.
    with django_assert_num_queries(4):
        resp = client_api.get(url(task, "messages/"), {"page_size": 200})
    assert resp.json()["count"] == size


def test_the_clients_reply_puts_a_waiting_task_back_to_work(
    client_api, assistant_api, client_user, assistant_user
):
    task = factories.TaskFactory(client=client_user, assignee=assistant_user, status="assigned")
    assert assistant_api.post(url(task, "start/"), format="json").status_code == 200
    asked = assistant_api.post(url(task, "wait/"), {"message": "Which day?"}, format="json")
    assert asked.json()["status"] == "waiting_on_client"
    # A staff message leaves it waiting; the client's answer resumes it.
    assistant_api.post(url(task, "messages/"), {"body": "Any day works?"}, format="json")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.WAITING_ON_CLIENT
    answer = client_api.post(url(task, "messages/"), {"body": "Tuesday."}, format="json")
    assert answer.status_code == 201, answer.content
    body = client_api.get(url(task, "")).json()
    assert body["status"] == "in_progress"
    last = body["status_history"][-1]
    assert (last["from_status"], last["to_status"]) == ("waiting_on_client", "in_progress")
    assert last["by"] == client_user.pk and last["note"] == "The client replied."
    # A second message changes nothing more.
    client_api.post(url(task, "messages/"), {"body": "Morning if possible."}, format="json")
    assert TaskEvent.objects.filter(task=task, data__action="client_reply").count() == 1
