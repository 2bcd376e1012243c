"""Bounded work: recurrence rules are checked for what they cost before they are stored,
stored rules are expanded with a time limit, and one series' bad rule delays no other
series (one job each)."""

import datetime
import multiprocessing

import pytest

from concierge import recurrence
from concierge.jobs import extend_recurring_task, extend_recurring_tasks
from concierge.models import Task
from concierge.platform import bounded
from tests import bounded_work, factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
        ("FREQ=DAILY;COUNT=99999999999999999999", "COUNT"),
        ("FREQ=HOURLY;BYYEARDAY=366;BYMONTHDAY=1", "costly"),  # never occurs
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no occurrence"),  # no 30 February
        ("FREQ=HOURLY;BYMINUTE=0,10,20,30,40,50", "24 times a day"),
    ],
)
def test_rules_that_cost_too_much_or_produce_nothing_are_refused(client_api, rule, why):
    answer = client_api.post("/api/v1/tasks/", {"title": "x", "recurrence": rule}, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "invalid_recurrence"
    assert why in answer.json()["detail"]


@pytest.mark.parametrize(
    "rule", ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=HOURLY", "FREQ=WEEKLY;COUNT=1000"]
)
def test_sparse_or_busy_but_sane_rules_are_accepted(rule):
    assert recurrence.validate(rule) == rule


def test_a_bad_stored_series_delays_no_other_series(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(recurrence, "EXPAND_SECONDS", 0.5)
    now = datetime.datetime.now(datetime.UTC)
    # Stored as it could have been before these checks existed.
    bad = factories.TaskFactory(
        recurrence="FREQ=HOURLY;BYYEARDAY=366;BYMONTHDAY=1", requested_due_at=now
    )
    good = factories.TaskFactory(recurrence="FREQ=DAILY", requested_due_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        assert extend_recurring_tasks() == 2  # one job per series
    assert not Task.objects.filter(recurrence_parent=bad).exists()
    assert Task.objects.filter(recurrence_parent=good).exists()
    assert extend_recurring_task(bad.pk) == 0


def test_bounded_run_stops_runaway_time_and_memory():
    with pytest.raises(bounded.Overrun, match="longer than"):
        bounded.run(bounded_work.forever, seconds=0.5)
    with pytest.raises(bounded.Overrun, match="memory"):
        bounded.run(bounded_work.hog, seconds=10, memory_bytes=64 * 1024 * 1024)
    assert bounded.run(sum, [1, 2, 3], seconds=5) == 6
    with pytest.raises(ZeroDivisionError):
        bounded.run(bounded_work.divide, 1, 0, seconds=5)
    with pytest.raises(bounded.Overrun, match="The computation failed"):
        bounded.run(bounded_work.unpicklable, seconds=5)


def test_a_function_that_needs_django_is_refused_with_its_name():
    with pytest.raises(bounded.Overrun, match="cannot be run bounded"):
        bounded.run(extend_recurring_task, 1, seconds=5)


def _in_a_daemonic_process(answers):
    try:
        answers.put(("ok", recurrence.validate("FREQ=WEEKLY;BYDAY=MO")))
        bounded.run(bounded_work.forever, seconds=0.5)
    except bounded.Overrun as exc:
        answers.put(("overrun", str(exc)))
    except BaseException as exc:
        answers.put(("error", repr(exc)))


def test_bounded_work_runs_in_a_daemonic_process_as_django_q2_workers_are():
    """django-q2 runs each job in a daemonic `multiprocessing` process, which may not have
    `multiprocessing` children: the bounded child must be started some other way."""
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    worker = context.Process(target=_in_a_daemonic_process, args=(answers,), daemon=True)
    worker.start()
    worker.join(30)
    assert answers.get(timeout=5) == ("ok", "FREQ=WEEKLY;BYDAY=MO")
    assert answers.get(timeout=5)[0] == "overrun"
