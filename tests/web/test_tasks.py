"""Task pages and actions: anonymous to sign-in, wrong role 403, another client's 404,
the happy path as a plain POST and as htmx, and the list's query count."""

import pytest
from django.test import Client

from concierge.models import Message, Task, TaskStatus
from tests import factories
from tests.web.checks import assert_fragment, assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_task_pages_send_anonymous_to_sign_in(month):
    task = month.tasks["in_progress"]
    for path in ("/app/tasks/", "/app/tasks/new/", f"/app/tasks/{task.pk}/"):
        assert_sends_to_sign_in(Client().get(path), path)
    response = Client().post(f"/app/tasks/{task.pk}/messages/", {"body": "hi"})
    assert_sends_to_sign_in(response, f"/app/tasks/{task.pk}/messages/")
    assert not task.messages.filter(body="hi").exists()


def test_the_list_shows_only_the_clients_own_tasks(month, web_for, other_client_user):
    mine = web_for(month.subscription.client)
    body = assert_page(mine.get("/app/tasks/"), "Plan a weekend in Lisbon", "Delegate a task")
    assert "Find and book a plumber" not in body  # completed: not among the open ones
    assert_page(mine.get("/app/tasks/?status=closed"), "Find and book a plumber")
    other = web_for(other_client_user).get("/app/tasks/?status=all")
    assert "Plan a weekend in Lisbon" not in assert_page(other, "No tasks here yet.")


def test_the_list_pins_its_queries(client_web, client_user, django_assert_num_queries):
    factories.TaskFactory.create_batch(2, client=client_user)
    # session, user, the count, the page of tasks
    with django_assert_num_queries(5):
        assert_page(client_web.get("/app/tasks/"))
    factories.TaskFactory.create_batch(20, client=client_user, assignee=None)
    with django_assert_num_queries(5):
        assert_page(client_web.get("/app/tasks/"))


def test_only_clients_delegate(assistant_web, manager_web):
    for web in (assistant_web, manager_web):
        assert web.get("/app/tasks/new/").status_code == 403
        assert web.post("/app/tasks/new/", {"title": "x", "priority": "normal"}).status_code == 403
    assert not Task.objects.exists()


def test_a_client_delegates_a_recurring_task_in_their_zone(client_web, client_user):
    assert_page(client_web.get("/app/tasks/new/"), "Time cap (minutes)", "Create task")
    response = client_web.post(
        "/app/tasks/new/",
        {
            "title": "Water the plants",
            "description": "Every Monday",
            "category": "errands",
            "priority": "low",
            "requested_due_at": "2030-01-07T09:00",
            "max_minutes": "30",
            "repeat": "weekly",
        },
    )
    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/app/tasks/{task.pk}/"
    assert (task.client, task.recurrence, task.max_minutes) == (client_user, "FREQ=WEEKLY", 30)
    assert task.requested_due_at.isoformat() == "2030-01-07T08:00:00+00:00"  # Paris, winter
    assert_page(client_web.get(f"/app/tasks/{task.pk}/"), "Water the plants", "CET")


def test_bad_task_input_is_shown_beside_the_fields(client_web):
    response = client_web.post(
        "/app/tasks/new/", {"title": "", "priority": "normal", "max_minutes": "0"}
    )
    assert_page(response, "This field is required.", "greater than or equal to 1", status=400)
    assert not Task.objects.exists()


def test_a_paused_subscription_refuses_new_tasks_with_a_message(month, web_for):
    month.subscription.status = "paused"
    month.subscription.save()
    web = web_for(month.subscription.client)
    response = web.post("/app/tasks/new/", {"title": "One more", "priority": "normal"})
    assert response.status_code == 400
    assert "One more" not in Task.objects.values_list("title", flat=True)


def test_another_clients_task_is_a_404(month, other_client_web):
    task = month.tasks["delivered"]
    assert other_client_web.get(f"/app/tasks/{task.pk}/").status_code == 404
    for action in ("messages", "accept", "request-revision", "cancel"):
        response = other_client_web.post(f"/app/tasks/{task.pk}/{action}/", {"body": "x"})
        assert response.status_code == 404, action
    task.refresh_from_db()
    assert task.status == TaskStatus.DELIVERED


def test_the_task_page_shows_history_messages_and_entries(month, web_for):
    task = month.tasks["in_progress"]
    Message.objects.create(task=task, author=task.assignee, body="Staff only", internal=True)
    body = assert_page(
        web_for(month.subscription.client).get(f"/app/tasks/{task.pk}/"),
        "History",
        "The train, if it is under eight hours.",
        "Compared hotels",
        "Disputed",
        "Dispute",
        "Cancel task",
    )
    assert "Staff only" not in body
    assert "Accept" not in body  # not delivered: nothing to accept


def test_a_message_is_sent_in_place_or_with_a_redirect(month, web_for):
    task = month.tasks["in_progress"]
    web = web_for(month.subscription.client)
    fragment = assert_fragment(
        web.post(f"/app/tasks/{task.pk}/messages/", {"body": "See you there"}, **HTMX),
        'id="messages"',
        "See you there",
    )
    assert "Do you prefer the train" in fragment
    plain = web.post(f"/app/tasks/{task.pk}/messages/", {"body": "And thanks"})
    assert plain.status_code == 302 and plain["Location"] == f"/app/tasks/{task.pk}/"
    assert list(task.messages.values_list("body", flat=True))[-2:] == [
        "See you there",
        "And thanks",
    ]
    empty = web.post(f"/app/tasks/{task.pk}/messages/", {"body": ""})
    assert_page(empty, "This field is required.", status=400)


def test_an_assistant_not_on_the_task_cannot_write(month, web_for):
    task = month.tasks["in_progress"]
    outsider = factories.AssistantFactory()
    assert web_for(outsider).get(f"/app/tasks/{task.pk}/").status_code == 404
    assignee = web_for(task.assignee)
    assert_page(assignee.get(f"/app/tasks/{task.pk}/"), "Messages")
    response = assignee.post(f"/app/tasks/{task.pk}/messages/", {"body": "On it"})
    assert response.status_code == 302
    assert task.messages.filter(author=task.assignee, body="On it").exists()


def test_accept_with_a_rating(month, web_for):
    task = month.tasks["delivered"]
    web = web_for(month.subscription.client)
    fragment = assert_fragment(
        web.post(f"/app/tasks/{task.pk}/accept/", {"rating": "4"}, **HTMX),
        'id="status"',
        "Completed",
    )
    assert "4/5" in fragment
    task.refresh_from_db()
    assert (task.status, task.rating) == (TaskStatus.COMPLETED, 4)


def test_client_actions_are_for_clients(month, web_for):
    task = month.tasks["delivered"]
    for user in (task.assignee, factories.ManagerFactory()):
        response = web_for(user).post(f"/app/tasks/{task.pk}/accept/", {"rating": "5"})
        assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == TaskStatus.DELIVERED


def test_request_revision_sends_the_task_back_with_the_reason(month, web_for):
    task = month.tasks["delivered"]
    web = web_for(month.subscription.client)
    response = web.post(f"/app/tasks/{task.pk}/request-revision/", {"reason": "Add prices"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.messages.filter(body="Add prices").exists()


def test_a_refused_move_is_a_message_not_an_error(month, web_for):
    task = month.tasks["in_progress"]
    web = web_for(month.subscription.client)
    response = web.post(f"/app/tasks/{task.pk}/accept/", {"rating": "5"}, follow=True)
    assert_page(response, "cannot be moved by accept")
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    htmx = web.post(f"/app/tasks/{task.pk}/accept/", {}, **HTMX)
    assert_fragment(htmx, 'role="alert"', "cannot be moved by accept")


def test_cancel(month, web_for):
    task = month.tasks["waiting_on_client"]
    web = web_for(month.subscription.client)
    assert web.post(f"/app/tasks/{task.pk}/cancel/", {"reason": "Done myself"}).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED


def test_a_manager_cancels_from_the_task_page(month, web_for):
    """The page offers managers "Cancel task"; it was answered 403 (clients only)."""
    task = month.tasks["in_progress"]
    manager = factories.ManagerFactory()
    web = web_for(manager)
    assert_page(web.get(f"/app/tasks/{task.pk}/"), "/cancel/")
    answer = web.post(f"/app/tasks/{task.pk}/cancel/", {"reason": "The client phoned"})
    assert answer.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    # An assistant is neither offered it nor allowed it.
    assistant_web = web_for(task.assignee)
    assert assistant_web.post(f"/app/tasks/{task.pk}/cancel/").status_code == 403


def test_the_assignee_starts_asks_and_delivers(month, web_for):
    task = month.tasks["assigned"]
    web = web_for(task.assignee)
    assert_page(web.get(f"/app/tasks/{task.pk}/"), "Start")
    assert_fragment(web.post(f"/app/tasks/{task.pk}/start/", **HTMX), "In progress")
    web.post(f"/app/tasks/{task.pk}/wait/", {"message": "Which plants?"})
    task.refresh_from_db()
    assert task.status == TaskStatus.WAITING_ON_CLIENT
    assert task.messages.filter(body="Which plants?").exists()
    web.post(f"/app/tasks/{task.pk}/start/")
    web.post(f"/app/tasks/{task.pk}/deliver/", {"message": "Watered."})
    task.refresh_from_db()
    assert task.status == TaskStatus.DELIVERED


def test_staff_actions_are_for_their_roles(month, web_for):
    task = month.tasks["assigned"]
    client = web_for(month.subscription.client)
    assert client.post(f"/app/tasks/{task.pk}/start/").status_code == 403
    outsider = web_for(factories.AssistantFactory())
    assert outsider.post(f"/app/tasks/{task.pk}/start/").status_code == 404
    assignee = web_for(task.assignee)
    other = factories.AssistantFactory()
    assert (
        assignee.post(f"/app/tasks/{task.pk}/assign/", {"assistant": other.pk}).status_code == 403
    )
    task.refresh_from_db()
    assert (task.status, task.assignee_id) == (TaskStatus.ASSIGNED, month.disputable.assistant_id)


def test_a_manager_assigns_a_new_task(month, web_for):
    task = month.tasks["new"]
    assistant = factories.AssistantFactory(first_name="Zoe")
    web = web_for(factories.ManagerFactory())
    assert_page(web.get(f"/app/tasks/{task.pk}/"), "Assign", "Zoe")
    assert web.post(f"/app/tasks/{task.pk}/assign/", {"assistant": assistant.pk}).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.assignee) == (TaskStatus.ASSIGNED, assistant)
    refused = web.post(f"/app/tasks/{task.pk}/assign/", {"assistant": month.subscription.client.pk})
    assert refused.status_code == 302
    task.refresh_from_db()
    assert task.assignee == assistant
