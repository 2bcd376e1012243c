"""The assistant's portal: their day on the home page, the running timer in the header,
"Start timer" / "Stop timer" and "Log time" on a task page. Anonymous to sign-in, wrong
role 403, another assistant's task 404, the happy path as a plain POST and as htmx, and
pinned query counts."""

import datetime
import html
import re

import pytest
from django.test import Client
from django.utils import timezone

from assistants import workloads
from assistants.models import TimeEntry, TimeEntryStatus
from concierge.models import TaskStatus
from tests import factories
from tests.web.checks import assert_fragment, assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def local(moment, user):
    """A moment as the assistant types it into a datetime-local field (their zone)."""
    return timezone.localtime(moment, user.zone).strftime("%Y-%m-%dT%H:%M")


def entry_form(user, start, minutes, **extra):
    return {
        "started_at": local(start, user),
        "ended_at": local(start + datetime.timedelta(minutes=minutes), user),
        "note": "Called the hotel",
        "billable": "on",
        **extra,
    }


def field_error(body, field):
    """The error text shown beside a field of the "Log time" form."""
    match = re.search(rf'id="id_{field}_error">([^<]*)<', body)
    return html.unescape(match.group(1)) if match else None


@pytest.fixture
def work(month):
    """The month's assistant and their task under way (a 240-minute budget, 100 used)."""
    month.assistant = month.disputable.assistant
    month.task = month.tasks["in_progress"]
    return month


# --- access --------------------------------------------------------------------------------


def test_the_assistants_pages_send_anonymous_to_sign_in(work):
    task = work.task
    for path in (f"/app/tasks/{task.pk}/time/", f"/app/tasks/{task.pk}/entries/"):
        assert_sends_to_sign_in(Client().get(path), path)
    for path in ("/app/timer/start/", "/app/timer/stop/", f"/app/tasks/{task.pk}/time/"):
        assert_sends_to_sign_in(Client().post(path, {"task": task.pk}), path)
    assert not TimeEntry.objects.filter(ended_at__isnull=True).exists()


def test_the_timer_and_log_time_are_for_assistants(work, web_for):
    task = work.task
    for user in (work.subscription.client, factories.ManagerFactory()):
        web = web_for(user)
        assert web.post("/app/timer/start/", {"task": task.pk}).status_code == 403
        assert web.post("/app/timer/stop/").status_code == 403
        assert web.get(f"/app/tasks/{task.pk}/time/").status_code == 403
        start = timezone.now() - datetime.timedelta(hours=6)
        answer = web.post(f"/app/tasks/{task.pk}/time/", entry_form(user, start, 30))
        assert answer.status_code == 403
    assert task.time_entries.count() == 2


def test_another_assistants_task_is_a_404(work, web_for):
    task = work.task
    outsider = web_for(factories.AssistantFactory())
    assert outsider.post("/app/timer/start/", {"task": task.pk}).status_code == 404
    assert outsider.post("/app/timer/start/", {"task": "x"}).status_code == 404
    assert outsider.get(f"/app/tasks/{task.pk}/time/").status_code == 404
    assert outsider.get(f"/app/tasks/{task.pk}/entries/", **HTMX).status_code == 404
    start = timezone.now() - datetime.timedelta(hours=6)
    answer = outsider.post(
        f"/app/tasks/{task.pk}/time/", entry_form(outsider.user, start, 30), **HTMX
    )
    assert answer.status_code == 404
    other_client = web_for(factories.ClientFactory())
    assert other_client.get(f"/app/tasks/{task.pk}/entries/", **HTMX).status_code == 404
    assert task.time_entries.count() == 2


def test_stopping_without_a_timer_says_so(web_for):
    web = web_for(factories.AssistantFactory())
    fragment = assert_fragment(web.post("/app/timer/stop/", **HTMX), 'id="timer"')
    assert "No timer is running." in fragment


# --- the assistant's day ---------------------------------------------------------------------


def test_the_day_lists_tasks_by_promise_with_overdue_and_at_risk_marked(work, web_for):
    body = assert_page(
        web_for(work.assistant).get("/app/"),
        "Your tasks by promised deadline",
        "Overdue",
        "At risk",
        "This week",
        "Your time ledger",
        "Your clients",
    )
    overdue, at_risk = work.tasks["waiting_on_client"], work.tasks["at_risk"]
    assert re.search(rf'id="day-task-{overdue.pk}" class="overdue"', body)
    assert re.search(rf'id="day-task-{at_risk.pk}" class="at-risk"', body)
    # By promised deadline: yesterday's first, then the at-risk one, the undated last.
    order = [int(pk) for pk in re.findall(r'id="day-task-(\d+)"', body)]
    assert order[:2] == [overdue.pk, at_risk.pk]
    assert order.index(work.task.pk) > order.index(work.tasks["assigned"].pk)
    assert "Waiting on the client" in body
    assert "Chase the landlord" not in body  # not assigned to them


def test_the_week_shows_logged_time_against_capacity(assistant_user, assistant_web):
    week_start, _ = workloads.week_of(timezone.now()).bounds()
    task = factories.TaskFactory(assignee=assistant_user, status=TaskStatus.IN_PROGRESS)
    start = week_start + datetime.timedelta(hours=10)
    factories.TimeEntryFactory(
        task=task, started_at=start, ended_at=start + datetime.timedelta(minutes=90)
    )
    factories.TimeEntryFactory(  # last week: not counted
        task=task, started_at=week_start - datetime.timedelta(hours=3)
    )
    body = assert_page(
        assistant_web.get("/app/"),
        '<progress value="90" max="2400"',
        "1 h 30 min logged of your 40 h 00 min capacity, 1 h 30 min of it billable.",
    )
    assert "0 min" in body  # the other days


def test_the_clients_show_their_local_time_and_plan(work, web_for):
    body = assert_page(web_for(work.assistant).get("/app/"), "Claire", "Europe/Paris")
    assert "Essential — Active" in body
    assert "(primary)" in body
    local_now = timezone.localtime(timezone.now(), work.subscription.client.zone)
    assert local_now.strftime("%H:") in body
    stranger = factories.ClientFactory(first_name="Stranger")
    assert "Stranger" not in assert_page(web_for(work.assistant).get("/app/"))
    served = factories.ClientFactory(first_name="Nadia", timezone="Asia/Tokyo")
    factories.TaskFactory(client=served, assignee=work.assistant, status=TaskStatus.ASSIGNED)
    body = assert_page(web_for(work.assistant).get("/app/"), "Nadia", "Asia/Tokyo", "No plan")
    assert stranger.first_name not in body


def test_the_day_pins_its_queries(assistant_user, assistant_web, django_assert_num_queries):
    def add_work():
        client = factories.ClientFactory()
        client.client_profile.primary_assistant = assistant_user
        client.client_profile.save()
        for hours in (-2, 5, 30):
            factories.TaskFactory(
                client=client,
                assignee=assistant_user,
                status=TaskStatus.IN_PROGRESS,
                promised_due_at=timezone.now() + datetime.timedelta(hours=hours),
                estimate_minutes=120,
            )

    add_work()
    # session, user; timer; workload: the profile, task counts, the week's time (one grouped
    # query of its own), per day, tasks, time off; clients and their subscriptions
    with django_assert_num_queries(12):
        assert_page(assistant_web.get("/app/"))
    for _ in range(5):
        add_work()
    with django_assert_num_queries(12):
        assert_page(assistant_web.get("/app/"))


def test_the_ledger_shows_what_was_billed(work, web_for):
    body = assert_page(
        web_for(work.assistant).get("/app/time/"),
        "Find and book a plumber for the kitchen sink",
        "Billed",
        "not billed yet",
    )
    first = work.invoice.billed_entries.order_by("entry__started_at").first()
    assert first.billed_minutes == 90
    assert "1 h 30 min" in body  # what the invoice billed for it


# --- the timer -----------------------------------------------------------------------------


def test_the_header_shows_no_timer_then_the_running_one(work, web_for):
    web = web_for(work.assistant)
    assert_page(web.get("/app/account/"), 'id="timer"', "No timer running")
    fragment = assert_fragment(
        web.post("/app/timer/start/", {"task": work.task.pk}, **HTMX),
        'id="timer"',
        work.task.title,
        "Stop timer",
        "0:00",
    )
    assert "<header" not in fragment
    entry = TimeEntry.objects.get(assistant=work.assistant, ended_at__isnull=True)
    assert entry.task == work.task
    assert entry.events.filter(kind="timer_started", actor=work.assistant).exists()
    # Every page shows it, with the task and the elapsed time.
    body = assert_page(web.get("/app/time/"), "Stop timer", f"/app/tasks/{work.task.pk}/")
    assert 'data-started="' in body
    # Nobody else sees it.
    assert 'id="timer"' not in assert_page(web_for(work.subscription.client).get("/app/"))


def test_a_timer_change_tells_the_page_to_refresh_its_panels(work, web_for):
    web = web_for(work.assistant)
    started = web.post("/app/timer/start/", {"task": work.task.pk}, **HTMX)
    assert started["HX-Trigger"] == '{"timer-changed": {}}'
    entries = assert_fragment(
        web.get(f"/app/tasks/{work.task.pk}/entries/", **HTMX), 'id="time-entries"', "running"
    )
    assert "Stop timer" in entries and "Start timer" not in entries
    stopped = web.post("/app/timer/stop/", **HTMX)
    assert stopped["HX-Trigger"] == '{"timer-changed": {}}'
    assert_fragment(stopped, "No timer running")
    plain = web.get(f"/app/tasks/{work.task.pk}/entries/")
    assert plain.status_code == 302 and plain["Location"] == f"/app/tasks/{work.task.pk}/"


def test_the_header_stops_the_timer_with_a_note(work, web_for):
    web = web_for(work.assistant)
    web.post("/app/timer/start/", {"task": work.task.pk}, **HTMX)
    header = assert_page(web.get("/app/"), 'id="header-timer-note"', 'name="note"')
    assert "Note for the entry the timer stops" in header
    assert_fragment(
        web.post("/app/timer/stop/", {"note": "Booked the ferry"}, **HTMX), "No timer running"
    )
    stopped = TimeEntry.objects.filter(assistant=work.assistant).latest("started_at")
    assert stopped.ended_at is not None and stopped.note == "Booked the ferry"


def test_a_plain_post_starts_and_stops_and_comes_back(work, web_for):
    web = web_for(work.assistant)
    page = f"http://testserver/app/tasks/{work.task.pk}/"
    started = web.post("/app/timer/start/", {"task": work.task.pk}, HTTP_REFERER=page)
    assert started.status_code == 302 and started["Location"] == page
    assert TimeEntry.objects.filter(assistant=work.assistant, ended_at__isnull=True).exists()
    stopped = web.post("/app/timer/stop/", HTTP_REFERER=page)
    assert stopped.status_code == 302 and stopped["Location"] == page
    entry = TimeEntry.objects.filter(assistant=work.assistant, source="timer").get()
    assert entry.status == TimeEntryStatus.STOPPED and entry.ended_at is not None
    assert entry.events.filter(kind="timer_stopped", actor=work.assistant).exists()
    without_referer = web.post("/app/timer/stop/", follow=True)
    assert_page(without_referer, "No timer is running.")


def test_a_second_timer_is_refused_in_place(work, web_for):
    web = web_for(work.assistant)
    web.post("/app/timer/start/", {"task": work.task.pk}, **HTMX)
    refused = assert_fragment(
        web.post("/app/timer/start/", {"task": work.tasks["at_risk"].pk}, **HTMX),
        'role="alert"',
        "A timer is already running.",
        work.task.title,  # the one still running
    )
    assert "Stop timer" in refused
    assert TimeEntry.objects.filter(assistant=work.assistant, ended_at__isnull=True).count() == 1


def test_the_header_timer_costs_one_query(work, web_for, django_assert_num_queries):
    web = web_for(work.assistant)
    with django_assert_num_queries(4):  # session, user, the unread count, the timer
        assert_page(web.get("/app/account/"), "No timer running")
    web.post("/app/timer/start/", {"task": work.task.pk})
    with django_assert_num_queries(4):
        assert_page(web.get("/app/account/"), "Stop timer", work.task.title)
    client = web_for(work.subscription.client)
    with django_assert_num_queries(3):  # no timer for a client
        assert_page(client.get("/app/account/"))


# --- the task page and "Log time" ------------------------------------------------------------


def test_the_assignee_gets_the_timer_and_log_time_on_the_task_page(work, web_for):
    url = f"/app/tasks/{work.task.pk}/"
    assert_page(
        web_for(work.assistant).get(url), "Start timer", "Log time", "Started at", "Billable"
    )
    for user in (work.subscription.client, factories.ManagerFactory()):
        body = assert_page(web_for(user).get(url), "Time entries")
        assert "Start timer" not in body and "Log time" not in body
    completed = web_for(work.assistant).get(f"/app/tasks/{work.tasks['completed'].pk}/")
    assert "Log time" not in assert_page(completed)


def test_log_time_in_place(work, web_for):
    web = web_for(work.assistant)
    start = timezone.now() - datetime.timedelta(hours=7)
    fragment = assert_fragment(
        web.post(f"/app/tasks/{work.task.pk}/time/", entry_form(work.assistant, start, 25), **HTMX),
        'id="time-entries"',
        "Time logged.",
        "Called the hotel",
    )
    assert 'value="Called the hotel"' not in fragment  # a fresh form for the next one
    entry = work.task.time_entries.get(note="Called the hotel")
    assert entry.duration_seconds == 25 * 60 and entry.billable
    assert entry.events.filter(kind="created", actor=work.assistant).exists()


def test_log_time_as_a_plain_post(work, web_for):
    web = web_for(work.assistant)
    assert_page(web.get(f"/app/tasks/{work.task.pk}/time/"), "Log time", "Started at")
    start = timezone.now() - datetime.timedelta(hours=7)
    form = entry_form(work.assistant, start, 25)
    del form["billable"]  # unticked
    response = web.post(f"/app/tasks/{work.task.pk}/time/", form)
    assert response.status_code == 302 and response["Location"] == f"/app/tasks/{work.task.pk}/"
    assert not work.task.time_entries.get(note="Called the hotel").billable


def test_an_overlap_is_refused_beside_the_start(work, web_for):
    web = web_for(work.assistant)
    url = f"/app/tasks/{work.task.pk}/time/"
    start = work.disputable.started_at + datetime.timedelta(minutes=10)
    body = assert_page(web.post(url, entry_form(work.assistant, start, 60)), status=400)
    title = work.disputable.task.title
    assert field_error(body, "started_at").startswith(
        f"This time overlaps another entry: “{title}”, "
    )
    assert 'aria-invalid="true"' in body
    fragment = assert_fragment(web.post(url, entry_form(work.assistant, start, 60), **HTMX))
    assert field_error(fragment, "started_at").startswith("This time overlaps another entry: ")
    assert work.task.time_entries.count() == 2


# What the services refuse, the field each names (as the API does), and what it says there
# in English and in French: the portal places it by the refusal's own `fields`.
REFUSALS_BESIDE_FIELDS = [
    (
        datetime.timedelta(minutes=-10),
        60,
        "ended_at",
        "Must not be in the future.",
        "Ne doit pas être dans le futur.",
    ),
    (
        datetime.timedelta(days=40),
        30,
        "started_at",
        "At most 30 days ago.",
        "Il y a au plus 30 jours.",
    ),
    (
        datetime.timedelta(hours=20),
        11 * 60,
        "ended_at",
        "At most 10 hours after the start.",
        "Au plus 10 heures après le début.",
    ),
    (
        datetime.timedelta(hours=8),
        180,
        "billable",
        "This time would exceed the task's time budget.",
        "Ce temps dépasserait le temps prévu pour la tâche.",
    ),
    (
        datetime.timedelta(hours=8),
        0,
        "ended_at",
        "Must be after the start.",
        "Doit être après le début.",
    ),
]


def _without_daylight_saving(user):
    """These moments are relative to now: in a zone that changes its clocks, one of them may
    fall on a wall-clock time that happens twice or never (a refusal of its own)."""
    user.timezone = "Asia/Tokyo"
    user.save(update_fields=["timezone"])


@pytest.mark.parametrize(("start", "minutes", "field", "says", "_french"), REFUSALS_BESIDE_FIELDS)
def test_each_refusal_is_shown_beside_its_field(
    work, web_for, start, minutes, field, says, _french
):
    _without_daylight_saving(work.assistant)
    web = web_for(work.assistant)
    form = entry_form(work.assistant, timezone.now() - start, minutes)
    body = assert_page(web.post(f"/app/tasks/{work.task.pk}/time/", form), status=400)
    assert field_error(body, field) == says
    assert work.task.time_entries.count() == 2


@pytest.mark.parametrize(("start", "minutes", "field", "_english", "says"), REFUSALS_BESIDE_FIELDS)
def test_each_refusal_is_shown_beside_its_field_in_french(
    work, web_for, start, minutes, field, _english, says
):
    _without_daylight_saving(work.assistant)
    web = web_for(work.assistant)
    form = entry_form(work.assistant, timezone.now() - start, minutes)
    answer = web.post(f"/app/tasks/{work.task.pk}/time/", form, HTTP_ACCEPT_LANGUAGE="fr")
    body = assert_page(answer, status=400)
    assert field_error(body, field) == says
    assert work.task.time_entries.count() == 2


def test_an_overlap_and_a_client_without_plan_are_said_beside_their_field_in_french(work, web_for):
    web = web_for(work.assistant)
    start = work.disputable.started_at + datetime.timedelta(minutes=10)
    answer = web.post(
        f"/app/tasks/{work.task.pk}/time/",
        entry_form(work.assistant, start, 60),
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    body = assert_page(answer, status=400)
    title = work.disputable.task.title
    assert field_error(body, "started_at").startswith(
        f"Ce temps chevauche une autre saisie : « {title} », "
    )

    assistant = factories.AssistantFactory()
    task = factories.TaskFactory(assignee=assistant, status=TaskStatus.IN_PROGRESS)
    later = timezone.now() - datetime.timedelta(hours=3)
    answer = web_for(assistant).post(
        f"/app/tasks/{task.pk}/time/", entry_form(assistant, later, 30), HTTP_ACCEPT_LANGUAGE="fr"
    )
    body = assert_page(answer, status=400)
    no_plan = "Ce client n’a ni abonnement ni pack d’heures"  # noqa: RUF001
    assert field_error(body, "billable").startswith(no_plan)


def test_a_client_without_plan_or_pack_refuses_billable_time_beside_billable(web_for):
    assistant = factories.AssistantFactory()
    task = factories.TaskFactory(assignee=assistant, status=TaskStatus.IN_PROGRESS)
    web = web_for(assistant)
    start = timezone.now() - datetime.timedelta(hours=3)
    body = assert_page(
        web.post(f"/app/tasks/{task.pk}/time/", entry_form(assistant, start, 30)), status=400
    )
    assert "neither a subscription nor an hour pack" in field_error(body, "billable")
    form = entry_form(assistant, start, 30)
    del form["billable"]
    assert web.post(f"/app/tasks/{task.pk}/time/", form).status_code == 302
    assert task.time_entries.get().billable is False


def test_a_closed_task_takes_no_time(work, web_for):
    web = web_for(work.assistant)
    task = work.tasks["completed"]
    start = timezone.now() - datetime.timedelta(hours=7)
    body = assert_page(
        web.post(f"/app/tasks/{task.pk}/time/", entry_form(work.assistant, start, 20)),
        "Time can only be logged on open tasks.",
        status=400,
    )
    assert 'class="form-errors"' in body
    assert task.time_entries.count() == 2


def test_bad_input_is_shown_beside_the_fields(work, web_for):
    web = web_for(work.assistant)
    body = assert_page(
        web.post(f"/app/tasks/{work.task.pk}/time/", {"started_at": "soon", "ended_at": ""}),
        status=400,
    )
    assert field_error(body, "started_at") == "Enter a valid date/time."
    assert field_error(body, "ended_at") == "This field is required."


def test_the_day_and_the_timer_speak_french(work, web_for):
    web = web_for(work.assistant)
    web.post("/app/timer/start/", {"task": work.task.pk})
    assert_page(
        web.get("/app/", HTTP_ACCEPT_LANGUAGE="fr"),
        "En retard",
        "En danger",
        "Arrêter le chrono",
        "Vos clients",
        "Cette semaine",
    )
