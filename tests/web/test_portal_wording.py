"""What the portal says, said for its reader: a task waiting on the client is "Waiting on
you" to the client and "Waiting on the client" to the staff, on every page that shows it."""

import pytest

from billing import services as billing_services
from concierge.models import TaskStatus
from tests import factories
from tests.web.checks import assert_page


@pytest.fixture
def waiting(client_user, assistant_user):
    return factories.TaskFactory(
        client=client_user,
        assignee=assistant_user,
        status=TaskStatus.WAITING_ON_CLIENT,
        title="Choose the hotel",
    )


def test_staff_read_waiting_on_the_client(assistant_web, manager_web, waiting):
    pages = [
        (assistant_web, "/app/tasks/"),
        (assistant_web, f"/app/tasks/{waiting.pk}/"),
        (manager_web, "/app/tasks/"),
        (manager_web, f"/app/tasks/{waiting.pk}/"),
        (manager_web, f"/app/team/{waiting.assignee_id}/"),
    ]
    for web, path in pages:
        body = assert_page(web.get(path), "Waiting on the client")
        assert "Waiting on you" not in body, path


def test_the_client_reads_waiting_on_you(client_web, waiting):
    for path in ("/app/tasks/", f"/app/tasks/{waiting.pk}/", "/app/"):
        body = assert_page(client_web.get(path), "Waiting on you")
        assert "Waiting on the client" not in body, path


def test_refusals_name_no_field_of_the_api(month, web_for, manager_user):
    """ "Must be after started_at." and "billable_minutes is required to adjust." were
    shown as such, in French too."""
    assistant = month.disputable.assistant
    task = month.disputable.task
    log = {"started_at": "2026-12-01T10:00", "ended_at": "2026-12-01T09:00", "billable": "on"}
    manager = web_for(manager_user)
    pages = [
        web_for(assistant).post(f"/app/tasks/{task.pk}/time/", log),
        manager.post(
            "/app/team/time-off/",
            {
                "assistant": assistant.pk,
                "starts_at": "2030-01-02T09:00",
                "ends_at": "2030-01-01T09:00",
            },
        ),
        manager.post(
            f"/app/disputes/{month.disputed.pk}/resolve/", {"decision": "adjust"}, follow=True
        ),
    ]
    raw = (
        "after started_at",
        "after starts_at",
        "billable_minutes is required",
        "Required for adjust",
    )
    bodies = [response.content.decode() for response in pages]
    assert [r for body in bodies for r in raw if r in body] == []
    assert "Must be after the start." in bodies[0]
    assert "Must be after the start." in bodies[1]
    assert "the minutes to bill when adjusting" in bodies[2]
    month.disputed.refresh_from_db()
    assert month.disputed.status == "disputed"
    french = web_for(assistant)
    french.cookies["django_language"] = "fr"
    body = french.post(f"/app/tasks/{task.pk}/time/", log).content.decode()
    assert "Doit être après le début." in body


def test_the_dispute_decisions_say_what_they_do(month, manager_web):
    body = assert_page(manager_web.get("/app/disputes/"), "Accept", "Adjust", "Reject")
    assert "Accept: the entry stands and is billed as logged." in body
    assert f'aria-describedby="decisions-{month.disputed.pk}"' in body


def test_the_new_pages_speak_french(web_for, client_user, manager_user, month):
    """Each page read in French holds none of its English sentences."""
    english = {
        "/app/vault/": ("Your vault is empty.", "Add an item", "Logins, cards and notes"),
        "/app/vault/new/": ("Add a vault item", "Secret fields", "Field name 1"),
        "/app/notifications/": ("By e-mail too", "Save my choices", "A new invoice"),
        "/app/privacy/": ("What is kept, and why", "Download my data", "Erase my data"),
        "/app/brief/": ("Your brief", "Standing instructions", "Save the brief"),
        "/app/calendar/": ("Link CalDAV account",),
        "/app/time/": ("not billed yet",),
    }
    web = web_for(month.subscription.client)
    web.cookies["django_language"] = "fr"
    manager = web_for(manager_user)
    manager.cookies["django_language"] = "fr"
    english[f"/app/clients/{month.subscription.client.pk}/"] = (
        "Plan and usage",
        "Who serves this client",
        "Save the assistants",
        "free of",
    )
    for path, sentences in english.items():
        reader = manager if path.startswith("/app/clients/") else web
        body = assert_page(reader.get(path))
        assert '<html lang="fr">' in body
        assert [s for s in sentences if s in body] == [], path


def test_a_new_client_is_not_told_of_nothing_carried_over(client_web, client_user):
    """ "Carried over: 0 min used of 0 min" and empty hour packs were shown to every new
    client; the gauge names only what this month has."""
    billing_services.subscription_create(client=client_user, plan=factories.PlanFactory())
    body = assert_page(client_web.get("/app/"), "Included:")
    assert "Carried over:" not in body
    assert "Hour packs:" not in body
    billing_services.pack_purchase(client=client_user, minutes=600)
    assert_page(client_web.get("/app/"), "Hour packs:")
