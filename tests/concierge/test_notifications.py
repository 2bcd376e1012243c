"""In-app notifications: written with the event they tell, e-mailed after commit when the
person wants it, read and marked read through the API by their owner only."""

import pytest
from django.core import mail
from django.db import transaction

from concierge import jobs
from concierge.models import Notification, NotificationKind, NotificationPreference
from concierge.notifications import notify
from tests import factories
from tests.checks import assert_access_matrix, assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def tell(user, subject="Hello", kind=None, **kwargs):
    return notify(user_id=user.pk, subject=subject, body="Body.", kind=kind, **kwargs)


def test_row_and_email_follow_the_callers_transaction(
    client_user, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tell(client_user, "Rolled back")
        raise RuntimeError
    assert not Notification.objects.exists() and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notification = tell(client_user, "Kept", kind=NotificationKind.INVOICE_ISSUED)
        assert mail.outbox == []  # nothing leaves before the commit
    assert [m.subject for m in mail.outbox] == ["Kept"]
    assert mail.outbox[0].to == [client_user.email]
    notification.refresh_from_db()
    assert notification.kind == "invoice_issued" and notification.emailed_at is not None


def test_the_old_call_and_unknown_kinds_fall_back_to_general(client_user):
    assert tell(client_user).kind == NotificationKind.GENERAL  # notify(user_id, subject, body)
    assert tell(client_user, kind="no_such_kind").kind == NotificationKind.GENERAL


def test_email_job_sends_once(client_user):
    notification = tell(client_user, "Once")
    assert jobs.send_notification_email(notification.pk) == 1
    assert jobs.send_notification_email(notification.pk) == 0  # delivered twice: sent once
    assert len(mail.outbox) == 1


def test_email_preference_per_kind(client_user, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(
        user=client_user, kind=NotificationKind.TASK_MESSAGE, email=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        tell(client_user, "In the service only", kind=NotificationKind.TASK_MESSAGE)
        tell(client_user, "Also by e-mail", kind=NotificationKind.TASK_DELIVERED)
    assert [m.subject for m in mail.outbox] == ["Also by e-mail"]
    assert Notification.objects.filter(user=client_user).count() == 2


def test_turning_email_off_stops_what_is_queued(client_user):
    notification = tell(client_user, kind=NotificationKind.INVOICE_ISSUED)
    NotificationPreference.objects.create(
        user=client_user, kind=NotificationKind.INVOICE_ISSUED, email=False
    )
    assert jobs.send_notification_email(notification.pk) == 0
    assert mail.outbox == []


def test_list_own_newest_first_with_unread_count(client_api, client_user, other_client_user):
    first = tell(client_user, "First")
    second = tell(client_user, "Second", data={"task": 7})
    tell(other_client_user, "Not yours")
    body = client_api.get(URL).json()
    assert body["count"] == 2 and body["unread_count"] == 2
    assert [n["id"] for n in body["results"]] == [second.pk, first.pk]
    assert body["results"][0]["data"] == {"task": 7}
    assert body["results"][0]["read"] is False

    resp = client_api.post(f"{URL}{first.pk}/read/")
    assert resp.status_code == 200 and resp.json()["read"] is True
    read_at = resp.json()["read_at"]
    assert client_api.post(f"{URL}{first.pk}/read/").json()["read_at"] == read_at  # idempotent
    body = client_api.get(URL).json()
    assert body["unread_count"] == 1 and body["count"] == 2
    assert [n["id"] for n in client_api.get(URL, {"unread": "true"}).json()["results"]] == [
        second.pk
    ]
    assert [n["id"] for n in client_api.get(URL, {"unread": "false"}).json()["results"]] == [
        first.pk
    ]
    assert_error(client_api.get(URL, {"unread": "maybe"}), 400, "invalid")


def test_read_all_marks_only_own(client_api, client_user, other_client_user):
    tell(client_user)
    tell(client_user)
    theirs = tell(other_client_user)
    resp = client_api.post(f"{URL}read-all/")
    assert resp.json() == {"marked": 2, "unread_count": 0}
    assert client_api.get(URL).json()["unread_count"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client_api.post(f"{URL}read-all/").json()["marked"] == 0


def test_access(anon_api, client_api, assistant_api, manager_api, other_client_user):
    theirs = tell(other_client_user)
    for method, path in (
        ("get", URL),
        ("post", f"{URL}{theirs.pk}/read/"),
        ("post", f"{URL}read-all/"),
        ("get", f"{URL}preferences/"),
        ("patch", f"{URL}preferences/"),
    ):
        assert_access_matrix(method=method, url=path, anonymous=anon_api)
    # Every role has notifications, so no role is refused; another person's is a 404.
    for api in (client_api, assistant_api, manager_api):
        assert_error(api.post(f"{URL}{theirs.pk}/read/"), 404, "not_found")
        assert api.get(URL).json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert_error(client_api.post(f"{URL}999999/read/"), 404, "not_found")


def test_preferences(client_api, client_user):
    body = client_api.get(f"{URL}preferences/").json()
    assert set(body["email"]) == set(NotificationKind.values)
    assert all(body["email"].values())  # e-mail for everything until one says otherwise
    assert {"kind": "invoice_issued", "label": "A new invoice"} in body["kinds"]

    resp = client_api.patch(f"{URL}preferences/", {"email": {"task_message": False}}, format="json")
    assert resp.status_code == 200 and resp.json()["email"]["task_message"] is False
    assert resp.json()["email"]["invoice_issued"] is True
    assert NotificationPreference.objects.get(user=client_user, kind="task_message").email is False
    client_api.patch(f"{URL}preferences/", {"email": {"task_message": True}}, format="json")
    assert client_api.get(f"{URL}preferences/").json()["email"]["task_message"] is True

    body = assert_error(
        client_api.patch(f"{URL}preferences/", {"email": {"lottery": False}}, format="json"),
        400,
        "unknown_notification_kind",
    )
    assert "email" in body["fields"]
    assert_error(
        client_api.patch(f"{URL}preferences/", {"email": {"task_message": "x"}}, format="json"),
        400,
        "invalid",
    )
    assert_error(client_api.patch(f"{URL}preferences/", {}, format="json"), 400, "invalid")


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count(size, api_for, django_assert_num_queries):
    user = factories.ClientFactory()
    for n in range(size):
        tell(user, f"n{n}")
    api = api_for(user)
    with django_assert_num_queries(4):  # token with its user, unread count, count, page
        body = api.get(URL, {"page_size": 200}).json()
    assert body["count"] == size and len(body["results"]) == size


def test_task_events_are_notifications(client_api, client_user, assistant_user, api_for):
    """What was only e-mailed before is now also readable in the service."""
    from concierge import services

    task = factories.TaskFactory(client=client_user, assignee=assistant_user, status="assigned")
    services.task_start(task=task, actor=assistant_user)
    services.task_deliver(task=task, actor=assistant_user, message="Done")
    body = client_api.get(URL).json()
    assert [(n["kind"], n["data"]) for n in body["results"]] == [
        ("task_delivered", {"task": task.pk})
    ]
