import datetime

from django.core import mail
from django.utils import timezone

from concierge import jobs, services
from concierge.models import TaskStatus
from tests import factories

S = TaskStatus


def test_auto_complete_after_three_days(db, settings):
    settings.AUTO_COMPLETE_DAYS = 3
    now = timezone.now()
    old = factories.TaskFactory(
        status=S.DELIVERED, delivered_at=now - datetime.timedelta(days=3, minutes=1)
    )
    fresh = factories.TaskFactory(status=S.DELIVERED, delivered_at=now - datetime.timedelta(days=2))
    assert jobs.auto_complete_deliveries() == 1
    assert jobs.auto_complete_deliveries() == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == S.COMPLETED and old.completed_at is not None and old.rating is None
    assert old.events.get().actor is None
    assert fresh.status == S.DELIVERED


def test_auto_complete_service_rechecks(db):
    task = factories.TaskFactory(
        status=S.IN_PROGRESS, delivered_at=timezone.now() - datetime.timedelta(days=9)
    )
    assert services.task_auto_complete(task_id=task.pk) is None
    assert services.task_auto_complete(task_id=999_999) is None


def test_overdue_notified_once(db, django_capture_on_commit_callbacks):
    assistant = factories.AssistantFactory()
    manager = factories.ManagerFactory()
    past = timezone.now() - datetime.timedelta(hours=1)
    assigned = factories.TaskFactory(assignee=assistant, status=S.IN_PROGRESS, promised_due_at=past)
    unassigned = factories.TaskFactory(status=S.NEW, promised_due_at=past)
    factories.TaskFactory(status=S.COMPLETED, promised_due_at=past)
    factories.TaskFactory(
        status=S.NEW, promised_due_at=timezone.now() + datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.notify_overdue_tasks() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.notify_overdue_tasks() == 0
        assert services.task_notify_overdue(task_id=assigned.pk) is False
    assert sorted(m.to[0] for m in mail.outbox) == sorted([assistant.email, manager.email])
    assert all(m.subject.startswith("Overdue") for m in mail.outbox)
    assert unassigned.events.filter(kind="overdue").count() == 1
