"""What the portal says, said for its reader: a task waiting on the client is "Waiting on
you" to the client and "Waiting on the client" to the staff, on every page that shows it."""

import pytest

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
