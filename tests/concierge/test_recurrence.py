import datetime

import pytest

from concierge import recurrence, services
from concierge.jobs import extend_recurring_task, extend_recurring_tasks
from concierge.models import Task
from tests import factories

UTC = datetime.UTC


@pytest.mark.parametrize(
    "rule",
    ["FREQ=WEEKLY;BYDAY=MO", "RRULE:FREQ=DAILY;COUNT=3", "FREQ=MONTHLY;BYMONTHDAY=1;INTERVAL=2"],
)
def test_valid_rules(rule):
    assert recurrence.validate(rule).startswith("FREQ=")


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SOMETIMES",
        "BYDAY=MO",
        "FREQ=WEEKLY;BYDAY=XX",
        "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY",
        "FREQ=MINUTELY",
        "x" * 600,
        "FREQ=WEEKLY;COUNT=abc",
    ],
)
def test_invalid_rules(rule):
    with pytest.raises(recurrence.InvalidRecurrence):
        recurrence.validate(rule)


def test_expansion_keeps_local_wall_time_across_dst():
    # Mondays 09:00 in Paris: CET (UTC+1) before 29 March 2026, CEST (UTC+2) after.
    start = datetime.datetime(2026, 3, 16, 8, 0, tzinfo=UTC)  # 09:00 CET
    got = recurrence.occurrences(
        rule="FREQ=WEEKLY;BYDAY=MO",
        dtstart=start,
        zone="Europe/Paris",
        after=start,
        until=start + datetime.timedelta(days=21),
    )
    assert got == [
        datetime.datetime(2026, 3, 16, 8, 0, tzinfo=UTC),
        datetime.datetime(2026, 3, 23, 8, 0, tzinfo=UTC),
        datetime.datetime(2026, 3, 30, 7, 0, tzinfo=UTC),  # 09:00 CEST
        datetime.datetime(2026, 4, 6, 7, 0, tzinfo=UTC),
    ]


def test_expansion_window_is_half_open():
    start = datetime.datetime(2026, 1, 1, 12, tzinfo=UTC)
    got = recurrence.occurrences(
        rule="FREQ=DAILY",
        dtstart=start,
        zone="UTC",
        after=start + datetime.timedelta(days=1),
        until=start + datetime.timedelta(days=3),
    )
    assert got == [start + datetime.timedelta(days=1), start + datetime.timedelta(days=2)]


@pytest.fixture
def series(db):
    client = factories.ClientFactory(timezone="Europe/Paris")
    return services.task_create(
        client=client,
        title="Weekly report",
        category="admin",
        requested_due_at=datetime.datetime(2026, 3, 16, 8, 0, tzinfo=UTC),
        recurrence="FREQ=WEEKLY;BYDAY=MO",
    )


def test_occurrences_created_once_across_repeated_runs_and_dst(series):
    now = datetime.datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    first = services.task_recurrence_extend(template_id=series.pk, now=now)
    again = services.task_recurrence_extend(template_id=series.pk, now=now)
    later = services.task_recurrence_extend(
        template_id=series.pk, now=now + datetime.timedelta(hours=5)
    )
    assert [t.occurrence_at for t in first] == [
        datetime.datetime(2026, 3, 23, 8, 0, tzinfo=UTC),
        datetime.datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
    ]
    assert again == [] and later == []
    occurrences = Task.objects.filter(recurrence_parent=series).order_by("occurrence_at")
    assert occurrences.count() == 2
    # Each occurrence is its own task, due at 09:00 Paris time on its Monday.
    assert [t.requested_due_at for t in occurrences] == [t.occurrence_at for t in occurrences]
    assert all(t.title == "Weekly report" and t.recurrence == "" for t in occurrences)


def test_the_job_is_safe_to_run_twice(series, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert extend_recurring_tasks() == 1  # one job queued per series
    created = Task.objects.filter(recurrence_parent=series).count()
    assert created >= 1
    with django_capture_on_commit_callbacks(execute=True):
        assert extend_recurring_tasks() == 1
    assert Task.objects.filter(recurrence_parent=series).count() == created
    assert extend_recurring_task(series.pk) == 0  # nothing left to create


def test_cancelled_series_stops(series):
    services.task_cancel(task=series, actor=series.client, reason="No longer needed")
    assert extend_recurring_tasks() == 0


def test_bad_rule_is_400(client_api):
    resp = client_api.post(
        "/api/v1/tasks/", {"title": "x", "recurrence": "FREQ=NEVER"}, format="json"
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid_recurrence"
    assert "recurrence" in resp.json()["fields"]
