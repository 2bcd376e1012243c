"""Answers in people's terms: times in the reader's own zone, names beside ids, and a
client knowing who serves them."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from concierge.models import Task, TaskStatus
from tests import factories
from tests.checks import assert_access_matrix, assert_forbidden, assert_hidden

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
WINTER = datetime.datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
SUMMER = datetime.datetime(2026, 6, 10, 15, 0, tzinfo=UTC)


def _task_due(client, moment):
    return factories.TaskFactory(client=client, promised_due_at=moment, requested_due_at=moment)


@pytest.mark.parametrize(
    ("zone", "winter", "summer"),
    [
        ("America/New_York", "2026-11-10T10:00:00-05:00", "2026-06-10T11:00:00-04:00"),
        ("Europe/Paris", "2026-11-10T16:00:00+01:00", "2026-06-10T17:00:00+02:00"),
        ("Asia/Manila", "2026-11-10T23:00:00+08:00", "2026-06-10T23:00:00+08:00"),
    ],
)
def test_a_client_reads_times_in_their_own_zone(api_for, zone, winter, summer):
    client = factories.ClientFactory(timezone=zone)
    api = api_for(client)
    november, june = _task_due(client, WINTER), _task_due(client, SUMMER)
    assert api.get(f"/api/v1/tasks/{november.pk}/").json()["promised_due_at"] == winter
    listed = {t["id"]: t for t in api.get("/api/v1/tasks/").json()["results"]}
    assert listed[june.pk]["promised_due_at"] == summer
    assert listed[november.pk]["requested_due_at"] == winter


def test_each_reader_sees_the_same_moment_in_their_own_zone(api_for, client):
    new_yorker = factories.ClientFactory(timezone="America/New_York")
    task = _task_due(new_yorker, WINTER)
    manager = factories.ManagerFactory(timezone="Asia/Tokyo")
    assert (
        api_for(manager).get(f"/api/v1/tasks/{task.pk}/").json()["promised_due_at"]
        == "2026-11-11T00:00:00+09:00"
    )
    # Session authentication (the browsable API, the portal) answers the same way.
    client.force_login(new_yorker)
    answer = client.get(f"/api/v1/tasks/{task.pk}/", HTTP_ACCEPT="application/json")
    assert answer.json()["promised_due_at"] == "2026-11-10T10:00:00-05:00"
    # No zone outlives its request: the next code to run is back in the service's zone.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_a_time_sent_with_an_offset_means_the_same_moment_for_everyone(api_for):
    new_yorker = factories.ClientFactory(timezone="America/New_York")
    created = api_for(new_yorker).post(
        "/api/v1/tasks/",
        {"title": "Book the dentist", "requested_due_at": "2026-12-01T09:00:00+01:00"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["requested_due_at"] == "2026-12-01T03:00:00-05:00"
    task = Task.objects.get(pk=created.json()["id"])
    assert task.requested_due_at == datetime.datetime(2026, 12, 1, 8, tzinfo=UTC)


def test_billing_periods_stay_in_the_service_zone_whatever_the_reader(api_for, monkeypatch):
    """Only the rendering follows the reader: the current billing period is cut in the
    service's zone (Paris), even when the reader's own calendar already shows, or does not
    yet show, the next month."""
    from billing import periods

    assert periods.zone().key == settings.TIME_ZONE == "Europe/Paris"
    cases = [
        # 22:30 UTC on 31 October: 23:30 in Paris (October), 07:30 on 1 November in Tokyo.
        ("Asia/Tokyo", datetime.datetime(2026, 10, 31, 22, 30, tzinfo=UTC), "2026-10-01"),
        # 03:30 UTC on 1 November: 04:30 in Paris (November), 23:30 on 31 October in New York.
        ("America/New_York", datetime.datetime(2026, 11, 1, 3, 30, tzinfo=UTC), "2026-11-01"),
    ]
    for zone, moment, period_start in cases:
        reader = factories.ClientFactory(timezone=zone)
        factories.SubscriptionFactory(client=reader, start_date=datetime.date(2026, 9, 1))
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        usage = api_for(reader).get("/api/v1/usage/")
        assert usage.status_code == 200, usage.content
        assert usage.json()["period_start"] == period_start, zone


# --- names beside ids --------------------------------------------------------------------


def test_a_task_names_its_client_and_assignee(api_for):
    client = factories.ClientFactory(first_name="Grace", last_name="Kim")
    assistant = factories.AssistantFactory(first_name="Ben", last_name="Okafor")
    assigned = factories.TaskFactory(client=client, assignee=assistant, status=TaskStatus.ASSIGNED)
    waiting = factories.TaskFactory(client=client)
    api = api_for(client)
    body = api.get(f"/api/v1/tasks/{assigned.pk}/").json()
    assert (body["client"], body["client_name"]) == (client.pk, "Grace Kim")
    assert (body["assignee"], body["assignee_name"]) == (assistant.pk, "Ben Okafor")
    body = api.get(f"/api/v1/tasks/{waiting.pk}/").json()
    assert body["assignee"] is None and body["assignee_name"] is None
    nameless = factories.ClientFactory(first_name="", last_name="")
    task = factories.TaskFactory(client=nameless)
    assert api_for(nameless).get(f"/api/v1/tasks/{task.pk}/").json()["client_name"] == (
        nameless.email
    )


@pytest.mark.parametrize("size", [5, 40])
def test_task_names_cost_no_query(size, api_for, django_assert_num_queries):
    client = factories.ClientFactory()
    assistants = factories.AssistantFactory.create_batch(3)
    for i in range(size):
        factories.TaskFactory(client=client, assignee=assistants[i % 3], status=TaskStatus.ASSIGNED)
    api = api_for(client)
    # The token with its user; the page with its count (and, on PostgreSQL, its history).
    with django_assert_num_queries(2 + int(connection.vendor != "postgresql")):
        results = api.get("/api/v1/tasks/", {"page_size": 200}).json()["results"]
    assert {t["assignee_name"] for t in results} == {a.full_name for a in assistants}


# --- the assistants serving a client --------------------------------------------------------


@pytest.fixture
def serving():
    """A client with a primary, a backup and a third assistant on one open task; a fourth
    assistant who once did a task of theirs (now completed); a stranger."""
    primary, backup, on_task, former, stranger = factories.AssistantFactory.create_batch(5)
    client = factories.ClientFactory(timezone="America/New_York")
    client.client_profile.primary_assistant = primary
    client.client_profile.backup_assistant = backup
    client.client_profile.save()
    factories.TaskFactory(client=client, assignee=on_task, status=TaskStatus.IN_PROGRESS)
    factories.TaskFactory(client=client, assignee=former, status=TaskStatus.COMPLETED)
    return client, [primary, backup, on_task], former, stranger


def test_a_client_reads_the_name_and_zone_of_the_assistants_serving_them(api_for, serving):
    client, theirs, former, stranger = serving
    api = api_for(client)
    listed = api.get("/api/v1/assistants/").json()["results"]
    assert [a["id"] for a in listed] == sorted(a.pk for a in theirs)
    primary = theirs[0]
    body = api.get(f"/api/v1/assistants/{primary.pk}/").json()
    assert body == {
        "id": primary.pk,
        "first_name": primary.first_name,
        "last_name": primary.last_name,
        "name": primary.full_name,
        "timezone": primary.timezone,
        "serves_you_as": ["primary"],
    }  # no e-mail, skills, capacity or working hours
    ways = {a["id"]: a["serves_you_as"] for a in listed}
    assert ways == {theirs[0].pk: ["primary"], theirs[1].pk: ["backup"], theirs[2].pk: ["assignee"]}
    # The backup also given an open task serves both ways.
    factories.TaskFactory(client=client, assignee=theirs[1], status=TaskStatus.ASSIGNED)
    assert api.get(f"/api/v1/assistants/{theirs[1].pk}/").json()["serves_you_as"] == [
        "backup",
        "assignee",
    ]
    for other in (former, stranger):
        assert_hidden(api, "get", f"/api/v1/assistants/{other.pk}/")


def test_assistant_reading_privacy_matrix(api_for, anon_api, serving):
    client, theirs, _, _ = serving
    other_client = factories.ClientFactory()
    assistant = api_for(theirs[0])
    url = f"/api/v1/assistants/{theirs[1].pk}/"
    # Anonymous 401; another client (not served by this assistant) 404; another assistant
    # 404 (assistants read only themselves); a wrong role lists nothing: 403.
    assert_access_matrix(
        method="get", url=url, anonymous=anon_api, hidden=[api_for(other_client), assistant]
    )
    assert_forbidden(assistant, "get", "/api/v1/assistants/")
    assert_access_matrix(method="get", url="/api/v1/assistants/", anonymous=anon_api)
    assert api_for(other_client).get("/api/v1/assistants/").json()["count"] == 0
    # A client may not edit or create assistants.
    assert_forbidden(api_for(client), "patch", url, {"active": False})
    assert_forbidden(api_for(client), "post", "/api/v1/assistants/", {"email": "x@example.test"})
    # The manager still sees everything about them.
    manager = api_for(factories.ManagerFactory())
    assert manager.get(url).json()["email"] == theirs[1].email


@pytest.mark.parametrize("tasks", [1, 12])
def test_the_assistants_a_client_lists_cost_constant_queries(
    tasks, api_for, serving, django_assert_num_queries
):
    client, *_ = serving
    for assistant in factories.AssistantFactory.create_batch(tasks):
        factories.TaskFactory(client=client, assignee=assistant, status=TaskStatus.ASSIGNED)
    api = api_for(client)
    with django_assert_num_queries(3):  # token with its user, count, page
        body = api.get("/api/v1/assistants/").json()
    assert body["count"] == 3 + tasks


@pytest.mark.parametrize("size", [3, 30])
def test_messages_and_time_entries_name_their_people(size, api_for, django_assert_num_queries):
    client = factories.ClientFactory(first_name="Grace", last_name="Kim")
    assistant = factories.AssistantFactory(first_name="Ben", last_name="Okafor")
    task = factories.TaskFactory(client=client, assignee=assistant, status=TaskStatus.IN_PROGRESS)
    for i in range(size):
        factories.TimeEntryFactory(
            task=task,
            assistant=assistant,
            started_at=WINTER + datetime.timedelta(hours=2 * i),
            ended_at=WINTER + datetime.timedelta(hours=2 * i + 1),
        )
    api = api_for(client)
    for author, body in ((client, "When can you call?"), (assistant, "At ten.")):
        posted = api_for(author).post(
            f"/api/v1/tasks/{task.pk}/messages/", {"body": body}, format="json"
        )
        assert posted.status_code == 201, posted.content
        assert posted.json()["author_name"] == author.full_name
    messages = api.get(f"/api/v1/tasks/{task.pk}/messages/").json()["results"]
    assert [(m["author"], m["author_name"]) for m in messages] == [
        (client.pk, "Grace Kim"),
        (assistant.pk, "Ben Okafor"),
    ]
    with django_assert_num_queries(2):  # token with its user, the page with its count
        entries = api.get("/api/v1/time-entries/", {"page_size": 200}).json()["results"]
    assert len(entries) == size
    assert {(e["assistant"], e["assistant_name"]) for e in entries} == {
        (assistant.pk, "Ben Okafor")
    }
