"""The manager's disputes queue: the client's reason, the entry's history, a decision."""

import pytest
from django.test import Client

from assistants.models import TimeEntry, TimeEntryStatus
from tests import factories
from tests.web.checks import assert_fragment, assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _disputed_entry(month):
    return TimeEntry.objects.get(task__client=month.subscription.client, status="disputed")


def test_the_queue_is_for_managers_only(month, web_for):
    entry = _disputed_entry(month)
    for path in ("/app/disputes/", f"/app/disputes/{entry.pk}/resolve/"):
        assert_sends_to_sign_in(Client().get(path), path)
    for user in (month.subscription.client, entry.assistant):
        assert web_for(user).get("/app/disputes/").status_code == 403
        answer = web_for(user).post(f"/app/disputes/{entry.pk}/resolve/", {"decision": "accept"})
        assert answer.status_code == 403
    entry.refresh_from_db()
    assert entry.status == TimeEntryStatus.DISPUTED


def test_the_queue_shows_the_reason_and_the_history(month, manager_web):
    entry = _disputed_entry(month)
    body = assert_page(
        manager_web.get("/app/disputes/"),
        entry.task.title,
        entry.dispute_reason,
        "History",
        "disputed",
        "Accept",
        "Adjust",
        "Reject",
    )
    assert body.count('id="dispute-') == 1  # only what awaits a decision


def test_the_queue_pins_its_queries(month, manager_web, django_assert_num_queries):
    with django_assert_num_queries(7):
        assert_page(manager_web.get("/app/disputes/"))
    assistant = factories.AssistantFactory()
    task = factories.TaskFactory(assignee=assistant, status="in_progress")
    factories.TimeEntryFactory.create_batch(
        5, task=task, assistant=assistant, status="disputed", dispute_reason="Too long"
    )
    with django_assert_num_queries(7):
        assert_page(manager_web.get("/app/disputes/"))


def test_a_manager_adjusts_in_place_through_the_service(month, manager_web, manager_user):
    entry = _disputed_entry(month)
    path = f"/app/disputes/{entry.pk}/resolve/"
    refused = assert_fragment(manager_web.post(path, {"decision": "adjust"}, **HTMX), "Accept")
    assert "minutes" in refused
    entry.refresh_from_db()
    assert entry.status == TimeEntryStatus.DISPUTED
    done = assert_fragment(
        manager_web.post(path, {"decision": "adjust", "billable_minutes": "10"}, **HTMX),
        f'id="dispute-{entry.pk}"',
        "Decision recorded",
    )
    assert "Accept" not in done
    entry.refresh_from_db()
    assert entry.dispute_decision == "adjust"
    assert entry.events.filter(kind="resolved", actor=manager_user).exists()


def test_a_plain_post_rejects_and_comes_back(month, manager_web):
    entry = _disputed_entry(month)
    response = manager_web.post(
        f"/app/disputes/{entry.pk}/resolve/", {"decision": "reject"}, follow=True
    )
    assert_page(response, "Decision recorded", "No disputes waiting.")
    entry.refresh_from_db()
    assert entry.dispute_decision == "reject"
    again = manager_web.post(
        f"/app/disputes/{entry.pk}/resolve/", {"decision": "accept"}, follow=True
    )
    assert_page(again, "not awaiting a decision")


def test_an_unknown_entry_is_not_found(manager_web):
    assert (
        manager_web.post("/app/disputes/999999/resolve/", {"decision": "accept"}).status_code == 404
    )
