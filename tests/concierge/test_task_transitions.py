"""Every action from every status: allowed moves succeed and write an event; any other
move is 409 invalid_transition."""

import pytest

from concierge import services
from concierge.errors import ApplicationError
from concierge.models import TaskEvent, TaskStatus
from tests import factories

S = TaskStatus
ALLOWED = {
    ("start", S.ASSIGNED): S.IN_PROGRESS,
    ("start", S.WAITING_ON_CLIENT): S.IN_PROGRESS,
    ("wait", S.IN_PROGRESS): S.WAITING_ON_CLIENT,
    ("deliver", S.IN_PROGRESS): S.DELIVERED,
    ("accept", S.DELIVERED): S.COMPLETED,
    ("request_revision", S.DELIVERED): S.IN_PROGRESS,
    **{("cancel", s): S.CANCELLED for s in S if s not in (S.COMPLETED, S.CANCELLED)},
}
ACTIONS = ["start", "wait", "deliver", "accept", "request_revision", "cancel"]


def run(action, task):
    if action in ("start", "wait", "deliver"):
        kwargs = {"actor": task.assignee}
    else:
        kwargs = {"actor": task.client}
    return getattr(services, f"task_{action}")(task=task, **kwargs)


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_table(db, action, status):
    task = factories.TaskFactory(status=status, assignee=factories.AssistantFactory())
    target = ALLOWED.get((action, status))
    if target is None:
        with pytest.raises(ApplicationError) as exc:
            run(action, task)
        assert exc.value.status == 409 and exc.value.code == "invalid_transition"
        task.refresh_from_db()
        assert task.status == status
        assert not TaskEvent.objects.filter(task=task).exists()
    else:
        run(action, task)
        task.refresh_from_db()
        assert task.status == target
        event = TaskEvent.objects.get(task=task)
        assert (event.from_status, event.to_status) == (status, target)
        assert event.actor_id in (task.client_id, task.assignee_id)


def test_table_matches_services():
    for (action, status), target in ALLOWED.items():
        assert services.allowed_transition(action, status) == target
    assert services.allowed_transition("deliver", S.ASSIGNED) is None


def test_timestamps(db):
    task = factories.TaskFactory(status=S.IN_PROGRESS, assignee=factories.AssistantFactory())
    services.task_deliver(task=task, actor=task.assignee, message="Done")
    task.refresh_from_db()
    assert task.delivered_at is not None and task.messages.get().body == "Done"
    services.task_accept(task=task, actor=task.client, rating=5, comment="Great")
    task.refresh_from_db()
    assert task.completed_at is not None and task.rating == 5 and task.rating_comment == "Great"


def test_manager_may_cancel(db):
    task = factories.TaskFactory(status=S.ASSIGNED, assignee=factories.AssistantFactory())
    manager = factories.ManagerFactory()
    services.task_cancel(task=task, actor=manager, reason="Duplicate")
    task.refresh_from_db()
    assert task.status == S.CANCELLED and task.events.get().note == "Duplicate"
