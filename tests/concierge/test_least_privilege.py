"""Least privilege after reassignment: an assistant a task (or a client) is taken from
sees nothing of it from that moment — except their own time entries, their pay record."""

import pytest

from concierge.models import Message, TaskStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def reassigned(client_user, assistant_user, other_assistant_user, manager_api):
    """A task worked by `assistant_user` (one hour logged), then reassigned."""
    task = factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )
    entry = factories.TimeEntryFactory(task=task, assistant=assistant_user)
    Message.objects.create(task=task, author=client_user, body="Before the change.")
    answer = manager_api.post(
        f"/api/v1/tasks/{task.pk}/assign/", {"assistant": other_assistant_user.pk}, format="json"
    )
    assert answer.status_code == 200, answer.content
    # Later activity the former assignee must not see.
    Message.objects.create(task=task, author=client_user, body="My new door code is 4711.")
    Message.objects.create(task=task, author=manager_api.user, body="Internal.", internal=True)
    return task, entry


def test_former_assignee_sees_nothing_of_the_task(reassigned, assistant_api):
    task, _ = reassigned
    for path in (f"/api/v1/tasks/{task.pk}/", f"/api/v1/tasks/{task.pk}/messages/"):
        answer = assistant_api.get(path)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    listed = assistant_api.get("/api/v1/tasks/").json()
    assert task.pk not in [row["id"] for row in listed["results"]]
    answer = assistant_api.post(
        f"/api/v1/tasks/{task.pk}/messages/", {"body": "still here?"}, format="json"
    )
    assert answer.status_code == 404


def test_former_assignee_keeps_their_own_time_entries(reassigned, assistant_api):
    task, entry = reassigned
    listed = assistant_api.get("/api/v1/time-entries/").json()["results"]
    assert [row["id"] for row in listed] == [entry.pk]
    assert assistant_api.get(f"/api/v1/time-entries/{entry.pk}/").status_code == 200
    # ...but cannot log more on the task.
    answer = assistant_api.post(
        "/api/v1/time-entries/",
        {
            "task": task.pk,
            "started_at": "2026-01-05T08:00:00Z",
            "ended_at": "2026-01-05T09:00:00Z",
        },
        format="json",
    )
    assert answer.status_code == 404


def test_new_assignee_sees_the_task_and_its_notes(reassigned, other_assistant_api):
    task, _ = reassigned
    assert other_assistant_api.get(f"/api/v1/tasks/{task.pk}/").status_code == 200
    bodies = [
        m["body"]
        for m in other_assistant_api.get(f"/api/v1/tasks/{task.pk}/messages/").json()["results"]
    ]
    assert "Internal." in bodies


@pytest.mark.parametrize("role", ["primary_assistant", "backup_assistant"])
def test_assistant_removed_from_a_client_loses_the_client(
    role, client_user, assistant_user, assistant_api, manager_api
):
    profile = client_user.client_profile
    setattr(profile, role, assistant_user)
    profile.save()
    client_url = f"/api/v1/clients/{client_user.pk}/"
    assert assistant_api.get(client_url).status_code == 200
    answer = manager_api.patch(client_url, {role: None}, format="json")
    assert answer.status_code == 200, answer.content
    assert assistant_api.get(client_url).status_code == 404
    assert assistant_api.get("/api/v1/clients/").json()["count"] == 0
