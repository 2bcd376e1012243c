"""The service quality report: deliveries against promised deadlines, revisions, ratings,
the median first answer and reassignments, per assistant and per category; each role's
scope; bad ranges; CSV; query counts."""

import csv
import io
from decimal import Decimal

import pytest

from concierge import services
from concierge.models import AuditLog, Message, TaskHistory, TaskStatus
from tests import factories
from tests.billing.helpers import at
from tests.checks import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/quality/"
OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


def sent_back(task, moment):
    factories.task_event(
        task,
        "transition",
        from_status=TaskStatus.DELIVERED,
        to_status=TaskStatus.IN_PROGRESS,
        data={"action": "request_revision"},
        at=moment,
    )


@pytest.fixture
def october(manager_user):
    """Xena's and Yuri's October for Ada and Bob (hand-built)."""
    xena = factories.AssistantFactory(first_name="Xena", last_name="Ward")
    yuri = factories.AssistantFactory(first_name="Yuri", last_name="Vance")
    ada = factories.ClientFactory(first_name="Ada")
    bob = factories.ClientFactory(first_name="Bob")
    done = {"status": TaskStatus.COMPLETED}
    task = factories.TaskFactory
    # Xena, for Ada: on time, rated 5; answered by a message after 30 minutes.
    t1 = task(
        client=ada,
        assignee=xena,
        created_at=at(2026, 10, 1, 9),
        promised_due_at=at(2026, 10, 5, 12),
        delivered_at=at(2026, 10, 4),
        rating=5,
        **done,
    )
    Message.objects.create(task=t1, author=xena, body="On it", created_at=at(2026, 10, 1, 9, 30))
    # Xena, for Ada: late, sent back once, rated 3; the client's own message and an
    # internal note are no answer: time started after an hour is.
    t2 = task(
        client=ada,
        assignee=xena,
        created_at=at(2026, 10, 2, 10),
        promised_due_at=at(2026, 10, 3),
        delivered_at=at(2026, 10, 6),
        rating=3,
        **done,
    )
    sent_back(t2, at(2026, 10, 5))
    Message.objects.create(task=t2, author=ada, body="Hello?", created_at=at(2026, 10, 2, 10, 5))
    Message.objects.create(
        task=t2, author=xena, body="note", internal=True, created_at=at(2026, 10, 2, 10, 10)
    )
    factories.TimeEntryFactory(
        task=t2, assistant=xena, started_at=at(2026, 10, 2, 11), ended_at=at(2026, 10, 2, 12)
    )
    # Xena, for Bob: requested in September, delivered in October without a promise.
    task(client=bob, assignee=xena, created_at=at(2026, 9, 20), delivered_at=at(2026, 10, 7))
    # Delivered, then cancelled: not a delivery.
    task(
        client=bob,
        assignee=xena,
        created_at=at(2026, 9, 20),
        delivered_at=at(2026, 10, 8),
        status=TaskStatus.CANCELLED,
    )
    # Requested in October, never answered.
    task(client=bob, assignee=xena, status=TaskStatus.ASSIGNED, created_at=at(2026, 10, 10))
    # Yuri, for Ada, travel: on time, rated 4; a manager answered after 10 minutes.
    t6 = task(
        client=ada,
        assignee=yuri,
        category="travel",
        created_at=at(2026, 10, 3, 8),
        promised_due_at=at(2026, 10, 9),
        delivered_at=at(2026, 10, 8),
        rating=4,
        **done,
    )
    Message.objects.create(
        task=t6, author=manager_user, body="Booked", created_at=at(2026, 10, 3, 8, 10)
    )
    # Yuri: delivered in September.
    task(client=ada, assignee=yuri, created_at=at(2026, 9, 1), delivered_at=at(2026, 9, 30))
    # Bob's task moves from Xena to Yuri on 15 October, through the service.
    t8 = task(client=bob, assignee=xena, status=TaskStatus.IN_PROGRESS, created_at=at(2026, 9, 1))
    services.task_assign(task=t8, actor=manager_user, assistant=yuri, reason="Xena is away")
    AuditLog.objects.filter(target_id=t8.pk, action=TaskHistory.ASSIGN).update(at=at(2026, 10, 15))
    return {"xena": xena, "yuri": yuri, "ada": ada, "bob": bob}


def rows_by(body, key):
    return {row[key]: row for row in body["results"]}


def test_every_measure_per_assistant(manager_api, october):
    response = manager_api.get(URL, OCTOBER)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["group_by"] == "assistant"
    rows = rows_by(body, "assistant")
    xena, yuri = rows[october["xena"].pk], rows[october["yuri"].pk]
    assert xena["label"] == "Xena Ward"
    assert (xena["delivered_tasks"], xena["promised_tasks"], xena["on_time_tasks"]) == (3, 2, 1)
    assert xena["on_time_rate"] == 0.5
    assert (xena["revised_tasks"], xena["revision_rate"]) == (1, 0.3333)
    assert (xena["rated_tasks"], xena["rating_average"]) == (2, 4.0)
    assert (xena["requested_tasks"], xena["answered_tasks"]) == (3, 2)
    assert xena["first_response_minutes"] == 45  # the median of 30 and 60
    assert xena["reassignments"] == 1
    assert (yuri["delivered_tasks"], yuri["on_time_rate"], yuri["rating_average"]) == (1, 1.0, 4.0)
    assert (yuri["first_response_minutes"], yuri["reassignments"]) == (10, 0)
    totals = body["totals"]
    assert (totals["delivered_tasks"], totals["on_time_tasks"], totals["promised_tasks"]) == (
        4,
        2,
        3,
    )
    assert totals["first_response_minutes"] == 30  # the median of 30, 60 and 10
    assert (totals["rating_average"], totals["reassignments"], totals["rows"]) == (4.0, 1, 2)
    # Most deliveries first.
    assert [row["assistant"] for row in body["results"]] == [october["xena"].pk, october["yuri"].pk]


def test_per_category(manager_api, october):
    body = manager_api.get(URL, {**OCTOBER, "group_by": "category"}).json()
    rows = rows_by(body, "category")
    assert rows["travel"]["label"] == "Travel"
    assert rows["travel"]["delivered_tasks"] == 1
    assert rows["admin"]["delivered_tasks"] == 3
    assert rows["admin"]["reassignments"] == 1


def test_a_day_outside_the_range_counts_nothing(manager_api, october):
    body = manager_api.get(URL, {"from": "2026-11-01", "to": "2026-11-30"}).json()
    assert body["results"] == []
    assert body["totals"]["delivered_tasks"] == 0
    assert body["totals"]["on_time_rate"] is None
    assert body["totals"]["first_response_minutes"] is None


def test_a_client_reads_their_own_tasks(api_for, october):
    ada = api_for(october["ada"]).get(URL, OCTOBER).json()
    assert ada["totals"]["delivered_tasks"] == 3  # two by Xena, one by Yuri
    assert ada["totals"]["reassignments"] == 0  # Bob's task moved, not hers
    assert rows_by(ada, "assistant")[october["xena"].pk]["delivered_tasks"] == 2
    bob = api_for(october["bob"]).get(URL, OCTOBER).json()
    assert bob["totals"]["delivered_tasks"] == 1
    assert bob["totals"]["reassignments"] == 1


def test_an_assistant_reads_their_own_row(api_for, october):
    body = api_for(october["xena"]).get(URL, OCTOBER).json()
    assert [row["assistant"] for row in body["results"]] == [october["xena"].pk]
    assert body["results"][0]["delivered_tasks"] == 3
    # The task taken from her still counts as a reassignment of hers.
    assert body["results"][0]["reassignments"] == 1
    yuri = api_for(october["yuri"]).get(URL, OCTOBER).json()
    assert [row["assistant"] for row in yuri["results"]] == [october["yuri"].pk]
    assert yuri["totals"]["reassignments"] == 0


def test_anonymous_is_refused(anon_api):
    assert_error(anon_api.get(URL, OCTOBER), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2026-10-31", "to": "2026-10-01"}, "invalid_range"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "range_too_long"),
        ({"from": "31/10/2026"}, "invalid_date"),
        ({"group_by": "client"}, "invalid_group_by"),
    ],
)
def test_bad_parameters_are_refused(manager_api, query, code):
    assert_error(manager_api.get(URL, query), 400, code)


def test_csv(manager_api, october):
    response = manager_api.get(URL, {**OCTOBER, "format": "csv"})
    assert response.status_code == 200
    assert "quality-report-2026-10-01-2026-10-31.csv" in response["Content-Disposition"]
    *rows, totals = csv.DictReader(io.StringIO(response.content.decode()))
    assert [row["label"] for row in rows] == ["Xena Ward", "Yuri Vance"]
    assert rows[0]["on_time_rate"] == "0.5000"
    assert rows[0]["first_response_minutes"] == "45"
    assert totals["label"] == "total" and totals["delivered_tasks"] == "4"
    assert Decimal(totals["rating_average"]) == Decimal("4.00")


@pytest.mark.parametrize("group_by", ["assistant", "category"])
def test_query_count_is_fixed_whatever_the_tasks(
    manager_api, october, django_assert_num_queries, group_by
):
    # The token with its user; deliveries, first answers, reassignments; the labels.
    for size in (1, 5):
        assistant = factories.AssistantFactory()
        for n in range(size):
            factories.TaskFactory(
                assignee=assistant,
                category=f"c{n}",
                created_at=at(2026, 10, 2),
                delivered_at=at(2026, 10, 3),
                status=TaskStatus.DELIVERED,
            )
        with django_assert_num_queries(5):
            response = manager_api.get(URL, {**OCTOBER, "group_by": group_by})
        assert response.status_code == 200
