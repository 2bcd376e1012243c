import datetime

import pytest

from assistants.models import AssistantProfile
from calendar_sync.availability import availability, subtract, working_intervals
from calendar_sync.models import BusyInterval, IcsSubscription
from concierge.models import TaskStatus
from tests import factories
from tests.checks import assert_access_matrix, assert_error

URL = "/api/v1/availability/"


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def pairs(items):
    return [(i["start"], i["end"]) for i in items]


def iso(dt):
    return dt.isoformat().replace("+00:00", "Z")


# --- pure ------------------------------------------------------------------------------


def test_working_hours_follow_local_time_across_dst():
    import zoneinfo

    spans = working_intervals(
        start=utc(2026, 3, 27),
        end=utc(2026, 3, 31),
        zone=zoneinfo.ZoneInfo("Europe/Paris"),
        workday_start=datetime.time(9),
        workday_end=datetime.time(17),
        working_days=[0, 1, 2, 3, 4],
    )
    # Friday 27 (CET, UTC+1) and Monday 30 (CEST, UTC+2); the weekend is off
    assert spans == [
        (utc(2026, 3, 27, 8), utc(2026, 3, 27, 16)),
        (utc(2026, 3, 30, 7), utc(2026, 3, 30, 15)),
    ]


def test_subtract_and_merge():
    work = [(utc(2026, 1, 5, 9), utc(2026, 1, 5, 17))]
    holes = [(utc(2026, 1, 5, 8), utc(2026, 1, 5, 10)), (utc(2026, 1, 5, 12), utc(2026, 1, 5, 13))]
    assert subtract(work, holes) == [
        (utc(2026, 1, 5, 10), utc(2026, 1, 5, 12)),
        (utc(2026, 1, 5, 13), utc(2026, 1, 5, 17)),
    ]
    result = availability(
        start=utc(2026, 1, 5),
        end=utc(2026, 1, 6),
        zone=datetime.UTC,
        workday_start=datetime.time(9),
        workday_end=datetime.time(17),
        working_days=[0],
        busy=[
            (utc(2026, 1, 4, 20), utc(2026, 1, 5, 10)),  # clipped to the window
            (utc(2026, 1, 5, 9, 30), utc(2026, 1, 5, 11)),  # merged with the first
            (utc(2026, 1, 5, 16), utc(2026, 1, 6, 3)),
        ],
    )
    assert result["busy"] == [
        (utc(2026, 1, 5), utc(2026, 1, 5, 11)),
        (utc(2026, 1, 5, 16), utc(2026, 1, 6)),
    ]
    assert result["free"] == [(utc(2026, 1, 5, 11), utc(2026, 1, 5, 16))]


# --- API -------------------------------------------------------------------------------


@pytest.fixture
def london_assistant(db):
    user = factories.AssistantFactory(timezone="Europe/London")
    AssistantProfile.objects.filter(user=user).update(
        workday_start=datetime.time(9), workday_end=datetime.time(17), working_days=[0, 1, 2, 3, 4]
    )
    return user


def query(assistant, start, end):
    return {"assistant": assistant.pk, "start": iso(start), "end": iso(end)}


@pytest.mark.django_db
def test_availability_combines_all_sources(manager_api, london_assistant):
    a = london_assistant
    # Monday 6 July 2026, London is UTC+1: working 08:00-16:00 UTC
    factories.TimeOffFactory(assistant=a, starts_at=utc(2026, 7, 7), ends_at=utc(2026, 7, 8))
    factories.TaskFactory(
        assignee=a,
        status=TaskStatus.ASSIGNED,
        scheduled_start=utc(2026, 7, 6, 10),
        scheduled_end=utc(2026, 7, 6, 11),
    )
    factories.TaskFactory(  # cancelled appointments are not busy
        assignee=a,
        status=TaskStatus.CANCELLED,
        scheduled_start=utc(2026, 7, 6, 12),
        scheduled_end=utc(2026, 7, 6, 13),
    )
    sub = IcsSubscription.objects.create(user=a, url="https://example.test/a.ics")
    BusyInterval.objects.create(
        subscription=sub, user=a, starts_at=utc(2026, 7, 6, 14), ends_at=utc(2026, 7, 6, 15)
    )
    resp = manager_api.get(URL, query(a, utc(2026, 7, 6), utc(2026, 7, 8)))
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["timezone"] == "Europe/London"
    assert pairs(body["busy"]) == [
        ("2026-07-06T10:00:00Z", "2026-07-06T11:00:00Z"),
        ("2026-07-06T14:00:00Z", "2026-07-06T15:00:00Z"),
        ("2026-07-07T00:00:00Z", "2026-07-08T00:00:00Z"),
    ]
    assert pairs(body["free"]) == [
        ("2026-07-06T08:00:00Z", "2026-07-06T10:00:00Z"),
        ("2026-07-06T11:00:00Z", "2026-07-06T14:00:00Z"),
        ("2026-07-06T15:00:00Z", "2026-07-06T16:00:00Z"),
    ]


@pytest.mark.django_db
def test_assistant_sees_only_self(api_for, london_assistant, assistant_user):
    own = api_for(london_assistant).get(
        URL, query(london_assistant, utc(2026, 7, 6), utc(2026, 7, 7))
    )
    assert own.status_code == 200
    assert len(own.json()["free"]) == 1


@pytest.mark.django_db
def test_availability_matrix(anon_api, client_api, assistant_api, london_assistant):
    url = (
        URL
        + "?"
        + "&".join(
            f"{k}={v}" for k, v in query(london_assistant, utc(2026, 7, 6), utc(2026, 7, 7)).items()
        )
    )
    assert_access_matrix(
        method="get", url=url, anonymous=anon_api, forbidden=[client_api], hidden=[assistant_api]
    )


@pytest.mark.django_db
def test_availability_validation(manager_api, london_assistant, client_user):
    assert_error(manager_api.get(URL, {}), 400, "invalid")
    body = assert_error(
        manager_api.get(URL, query(london_assistant, utc(2026, 7, 7), utc(2026, 7, 6))),
        400,
        "invalid",
    )
    assert "end" in body["fields"]
    assert_error(
        manager_api.get(URL, query(london_assistant, utc(2026, 1, 1), utc(2026, 12, 1))),
        400,
        "window_too_long",
    )
    assert_error(
        manager_api.get(URL, query(client_user, utc(2026, 7, 6), utc(2026, 7, 7))), 404, "not_found"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 20])
def test_availability_queries_pinned(
    size, manager_api, london_assistant, django_assert_num_queries
):
    for i in range(size):
        start = utc(2026, 7, 6, 8) + datetime.timedelta(hours=i)
        factories.TaskFactory(
            assignee=london_assistant,
            status=TaskStatus.ASSIGNED,
            scheduled_start=start,
            scheduled_end=start + datetime.timedelta(minutes=30),
        )
    with django_assert_num_queries(5):  # token, profile, time off, appointments, imported
        resp = manager_api.get(URL, query(london_assistant, utc(2026, 7, 6), utc(2026, 7, 9)))
    assert resp.status_code == 200
    assert len(resp.json()["busy"]) == size
