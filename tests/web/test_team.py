"""The manager's team pages: the week with a chart per assistant, one assistant's week,
late and at-risk work with reassignment, and time off."""

import csv
import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from assistants import workloads
from assistants.models import TimeOff
from concierge.models import TaskEvent, User
from tests import factories
from tests.web.checks import assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def _late_task(assistant, **fields):
    return factories.TaskFactory(
        assignee=assistant,
        status="in_progress",
        promised_due_at=timezone.now() - HOUR,
        estimate_minutes=60,
        **fields,
    )


def _at_risk_task(assistant):
    """Ten hours of work promised within the hour: it cannot fit."""
    return factories.TaskFactory(
        assignee=assistant,
        status="assigned",
        promised_due_at=timezone.now() + HOUR,
        estimate_minutes=600,
        title="Sort the whole archive",
    )


def _logged(assistant, minutes, **fields):
    task = fields.pop("task", None) or factories.TaskFactory(
        assignee=assistant, status="in_progress"
    )
    start = timezone.now() - datetime.timedelta(minutes=minutes + 5)
    return factories.TimeEntryFactory(
        task=task,
        assistant=assistant,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
        **fields,
    )


def _pages(assistant, task):
    return (
        "/app/team/",
        f"/app/team/{assistant.pk}/",
        "/app/team/late/",
        "/app/team/unassigned/",
        f"/app/team/tasks/{task.pk}/reassign/",
        "/app/team/time-off/",
    )


def test_team_pages_are_for_managers_only(web_for, assistant_user, client_user):
    task = _late_task(assistant_user, client=client_user)
    for path in _pages(assistant_user, task):
        assert_sends_to_sign_in(Client().get(path), path)
        for user in (client_user, assistant_user):
            assert web_for(user).get(path).status_code == 403, (path, user.role)
    other = factories.AssistantFactory()
    for user in (client_user, assistant_user):
        answer = web_for(user).post(
            task_path := f"/app/team/tasks/{task.pk}/reassign/", {"assistant": other.pk}
        )
        assert answer.status_code == 403, task_path
        answer = web_for(user).post(
            "/app/team/time-off/",
            {
                "assistant": assistant_user.pk,
                "starts_at": "2030-01-01T09:00",
                "ends_at": "2030-01-02T09:00",
            },
        )
        assert answer.status_code == 403
    task.refresh_from_db()
    assert task.assignee == assistant_user
    assert not TimeOff.objects.exists()


def _table_rows(body):
    return re.findall(r'<tr data-assistant="(\d+)">(.*?)</tr>', body, re.S)


def test_the_week_shows_every_assistant_with_a_chart_and_the_csv_link(manager_web):
    busy = factories.AssistantFactory(first_name="Ana", last_name="Busy")
    idle = factories.AssistantFactory(first_name="Ivo", last_name="Idle")
    _logged(busy, 90, billable=True)
    _late_task(busy)
    week = workloads.week_of(timezone.now())
    body = assert_page(
        manager_web.get("/app/team/"),
        "Ana Busy",
        "Ivo Idle",
        f"/api/v1/workloads/?week={week}&amp;format=csv",
        "Download CSV",
        f"/app/team/{busy.pk}/?week={week}",
    )
    assert {pk for pk, _ in _table_rows(body)} == {str(busy.pk), str(idle.pk)}
    charts = dict(re.findall(r'<li id="chart-(\d+)">(.*?)</li>', body, re.S))
    assert set(charts) == {str(busy.pk), str(idle.pk)}
    assert "1 h 30 min logged of 40 h 00 min capacity, 100% billable" in charts[str(busy.pk)]
    assert "1 task overdue" in charts[str(busy.pk)]
    assert '<svg class="weekbar"' in charts[str(idle.pk)]
    assert "overdue" not in charts[str(idle.pk)]


def test_the_csv_of_the_api_has_the_rows_of_the_table(manager_web):
    busy = factories.AssistantFactory(first_name="Ana")
    _logged(busy, 45)
    factories.AssistantFactory(first_name="Ivo")
    week = workloads.week_of(timezone.now())
    body = assert_page(manager_web.get(f"/app/team/?week={week}"))
    table = {
        pk: re.findall(r'<td class="num"[^>]*>(?:<span[^>]*>)?(\d+)', cells)[2]
        for pk, cells in _table_rows(body)
    }
    answer = manager_web.get(f"/api/v1/workloads/?week={week}&format=csv")
    assert answer.status_code == 200
    sheet = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert {
        row["assistant"]: row["logged_minutes"] for row in sheet if row["assistant"] != "total"
    } == table
    assert table[str(busy.pk)] == "45"


def test_any_iso_week_with_previous_and_next(manager_web):
    body = assert_page(manager_web.get("/app/team/?week=2026-W01"), "2026-W01")
    assert "?week=2025-W52" in body and "?week=2026-W02" in body
    body = assert_page(manager_web.get("/app/team/?week=2027-W53"), status=400)
    assert "is not a week such as 2026-W47" in body


def test_the_week_pins_its_queries_for_fifty_assistants(manager_web, django_assert_num_queries):
    factories.AssistantFactory()
    # The team's week of time is one grouped query of its own, beside the profiles'.
    with django_assert_num_queries(6):
        assert_page(manager_web.get("/app/team/"))
    for _ in range(49):
        assistant = factories.AssistantFactory()
        _late_task(assistant)
        _logged(assistant, 30)
    with django_assert_num_queries(6):
        body = assert_page(manager_web.get("/app/team/"))
    assert len(_table_rows(body)) == 50


def test_an_assistants_week_by_day_with_their_tasks(manager_web):
    assistant = factories.AssistantFactory(first_name="Ana", last_name="Day")
    late = _late_task(assistant, title="Renew the insurance")
    risky = _at_risk_task(assistant)
    _logged(assistant, 30, task=late)
    body = assert_page(
        manager_web.get(f"/app/team/{assistant.pk}/"),
        "Ana Day",
        "Day by day",
        "Renew the insurance",
        risky.title,
        f"/app/team/tasks/{late.pk}/reassign/",
    )
    assert body.count('class="badge overdue"') == 1
    assert body.count('class="badge at-risk"') == 1


def test_an_unknown_assistant_is_not_found(manager_web, client_user, manager_user):
    for pk in (999_999, client_user.pk, manager_user.pk):
        assert manager_web.get(f"/app/team/{pk}/").status_code == 404


def test_late_and_at_risk_work_across_the_team(manager_web, django_assert_num_queries):
    ana, ivo = factories.AssistantFactory(), factories.AssistantFactory()
    late = _late_task(ana, title="Late one")
    risky = _at_risk_task(ivo)
    fine = factories.TaskFactory(
        assignee=ivo,
        status="assigned",
        promised_due_at=timezone.now() + 30 * 24 * HOUR,
        estimate_minutes=30,
        title="Plenty of time",
    )
    done = factories.TaskFactory(
        assignee=ana, status="completed", promised_due_at=timezone.now() - HOUR, title="Done late"
    )
    body = assert_page(manager_web.get("/app/team/late/"), late.title, risky.title)
    assert fine.title not in body and done.title not in body
    assert body.index(late.title) < body.index(risky.title)  # by promised time
    with django_assert_num_queries(7):
        assert_page(manager_web.get("/app/team/late/"))
    for _ in range(10):
        _late_task(factories.AssistantFactory())
        _at_risk_task(factories.AssistantFactory())
    with django_assert_num_queries(7):
        body = assert_page(manager_web.get("/app/team/late/"))
    assert body.count('class="badge at-risk"') == 11


def test_reassigning_offers_free_skilled_assistants_and_uses_the_service(manager_web, manager_user):
    ana = factories.AssistantFactory(first_name="Ana")
    task = _late_task(ana, title="Book the vet")
    free = factories.AssistantFactory(first_name="Fred")
    away = factories.AssistantFactory(first_name="Amy")
    factories.TimeOffFactory(assistant=away)
    full = factories.AssistantFactory(first_name="Fay")
    full.assistant_profile.weekly_capacity_minutes = 30
    full.assistant_profile.save()
    unskilled = factories.AssistantFactory(first_name="Uma")
    unskilled.assistant_profile.skills = ["cooking"]
    unskilled.assistant_profile.save()
    path = f"/app/team/tasks/{task.pk}/reassign/"
    body = assert_page(manager_web.get(path), "Give to Fred", "Away or booked", "No room this week")
    assert "Give to Amy" not in body and "Give to Fay" not in body and "Uma" not in body
    assert "Give to Ana" not in body  # it is theirs already

    answer = manager_web.post(path, {"assistant": free.pk}, follow=True)
    assert_page(answer, "now goes to Fred")
    task.refresh_from_db()
    assert task.assignee == free
    event = TaskEvent.objects.filter(task=task, kind="assign").latest("pk")
    # The same trail as the API's assign: the actor, the reason, who had it before.
    assert event.actor == manager_user
    assert event.data == {
        "assistant": free.pk,
        "reason": "assigned by a manager",
        "previous": ana.pk,
    }
    assert task.title not in manager_web.get(f"/app/team/{ana.pk}/").content.decode()


def test_reassigning_refusals_are_shown(manager_web, client_user):
    task = _late_task(factories.AssistantFactory())
    path = f"/app/team/tasks/{task.pk}/reassign/"
    assert_page(
        manager_web.post(path, {"assistant": client_user.pk}),
        "Choose an active assistant",
        status=400,
    )
    done = factories.TaskFactory(assignee=factories.AssistantFactory(), status="completed")
    free = factories.AssistantFactory()
    body = assert_page(
        manager_web.post(f"/app/team/tasks/{done.pk}/reassign/", {"assistant": free.pk}), status=400
    )
    assert "cannot be assigned" in body
    done.refresh_from_db()
    assert done.assignee != free
    assert manager_web.get("/app/team/tasks/999999/reassign/").status_code == 404


def test_time_off_moves_the_work_inside_it_and_shows_it(manager_web, manager_user):
    ana = factories.AssistantFactory(first_name="Ana", timezone="UTC")
    backup = factories.AssistantFactory(first_name="Ben")
    client = factories.ClientFactory()
    client.client_profile.primary_assistant = ana
    client.client_profile.backup_assistant = backup
    client.client_profile.save()
    start = timezone.now() + 24 * HOUR
    inside = factories.TaskFactory(
        client=client,
        assignee=ana,
        status="assigned",
        promised_due_at=start + 2 * HOUR,
        title="Inside the leave",
    )
    outside = factories.TaskFactory(
        client=client,
        assignee=ana,
        status="assigned",
        promised_due_at=start + 30 * 24 * HOUR,
        title="After the leave",
    )
    local = timezone.localtime(start, manager_user.zone)
    answer = manager_web.post(
        "/app/team/time-off/",
        {
            "assistant": ana.pk,
            "starts_at": f"{local:%Y-%m-%dT%H:%M}",
            "ends_at": f"{local + 3 * 24 * HOUR:%Y-%m-%dT%H:%M}",
            "reason": "Holiday",
        },
        follow=True,
    )
    body = assert_page(answer, "Time off entered for Ana", "Inside the leave", "moved to Ben")
    assert "After the leave" not in body
    leave = TimeOff.objects.get()
    assert (leave.assistant, leave.created_by, leave.reason) == (ana, manager_user, "Holiday")
    inside.refresh_from_db()
    outside.refresh_from_db()
    assert (inside.assignee, outside.assignee) == (backup, ana)


def test_time_off_refusals_are_shown_beside_the_fields(manager_web, client_user):
    ana = factories.AssistantFactory()
    body = assert_page(
        manager_web.post(
            "/app/team/time-off/",
            {"assistant": ana.pk, "starts_at": "2030-01-02T09:00", "ends_at": "2030-01-01T09:00"},
        ),
        "Must be after the start.",
        status=400,
    )
    assert 'class="field-error"' in body
    assert_page(
        manager_web.post(
            "/app/team/time-off/",
            {
                "assistant": client_user.pk,
                "starts_at": "2030-01-01T09:00",
                "ends_at": "2030-01-02T09:00",
            },
        ),
        status=400,
    )
    assert not TimeOff.objects.exists()


def test_time_off_pins_its_queries(manager_web, django_assert_num_queries):
    factories.TimeOffFactory()
    with django_assert_num_queries(7):
        assert_page(manager_web.get("/app/team/time-off/"))
    factories.TimeOffFactory.create_batch(5)
    with django_assert_num_queries(7):
        assert_page(manager_web.get("/app/team/time-off/"))


def test_the_demo_manager_sees_a_week_with_late_and_at_risk_work(web_for):
    call_command("seed_demo", stdout=io.StringIO())
    manager = User.objects.get(email="manager@demo.test")
    web = web_for(manager)
    body = assert_page(web.get("/app/team/"), "Ana Costa", "Ben Okafor", "Chen Li")
    assert len(_table_rows(body)) == 3
    late = assert_page(
        web.get("/app/team/late/"),
        "Claim the council tax refund",
        "Compare nurseries for September",
    )
    assert 'class="badge overdue"' in late and 'class="badge at-risk"' in late


def test_the_managers_home_sums_up_the_week(month, manager_web, django_assert_num_queries):
    def late_and_at_risk():
        body = assert_page(manager_web.get("/app/"), "team-week-panel", "1 dispute waiting")
        late, risky = re.search(r"(\d+) late, (\d+) at risk", body).groups()
        return int(late), int(risky)

    before = late_and_at_risk()
    _late_task(month.disputed.assistant)
    _at_risk_task(factories.AssistantFactory())
    assert late_and_at_risk() == (before[0] + 1, before[1] + 1)
    for _ in range(10):
        _late_task(factories.AssistantFactory())
    with django_assert_num_queries(10):
        assert late_and_at_risk() == (before[0] + 11, before[1] + 1)


def test_an_assistants_week_and_the_reassign_page_pin_their_queries(
    manager_web, django_assert_num_queries
):
    ana = factories.AssistantFactory()
    task = _late_task(ana)
    factories.AssistantFactory()
    with django_assert_num_queries(9):
        assert_page(manager_web.get(f"/app/team/{ana.pk}/"))
    with django_assert_num_queries(9):
        assert_page(manager_web.get(f"/app/team/tasks/{task.pk}/reassign/"))
    for _ in range(10):
        _late_task(ana)
        _at_risk_task(ana)
        factories.TimeOffFactory(assistant=factories.AssistantFactory())
    with django_assert_num_queries(9):
        assert_page(manager_web.get(f"/app/team/{ana.pk}/"))
    with django_assert_num_queries(9):
        body = assert_page(manager_web.get(f"/app/team/tasks/{task.pk}/reassign/"))
    assert body.count("Away or booked") == 10
