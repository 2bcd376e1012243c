"""The inbox in the portal: unread first, marking read, e-mail choices per kind, and the
unread count in every page's header for one query."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from concierge.models import Notification, NotificationPreference
from tests import factories
from tests.web.checks import assert_fragment, assert_page, assert_sends_to_sign_in


def tell(user, subject, *, read=False, minutes_ago=0, **data):
    notification = Notification.objects.create(
        user=user,
        subject=subject,
        body=f"About {subject}.",
        data=data,
        read_at=timezone.now() if read else None,
    )
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    return notification


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert_sends_to_sign_in(client.get("/app/notifications/"), "/app/notifications/")
    assert client.post("/app/notifications/read-all/").status_code == 302


def test_unread_come_first_then_the_newest(client_web, client_user):
    task = factories.TaskFactory(client=client_user)
    tell(client_user, "Old and unread", minutes_ago=90)
    tell(client_user, "New but read", read=True, minutes_ago=1)
    tell(client_user, "Task delivered", minutes_ago=5, task=task.pk)
    body = assert_page(client_web.get("/app/notifications/"), "Mark all read")
    order = [body.index(s) for s in ("Task delivered", "Old and unread", "New but read")]
    assert order == sorted(order)
    assert f'href="/app/tasks/{task.pk}/"' in body
    # The header says how many are unread, on every page.
    header = assert_page(client_web.get("/app/account/"))
    assert '<span class="badge unread">2<span class="sr-only"> unread</span>' in header


def test_marking_one_read_in_place_refreshes_the_count(client_web, client_user):
    first = tell(client_user, "Invoice issued")
    tell(client_user, "Another")
    response = client_web.post(f"/app/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    body = assert_fragment(response, "Invoice issued", 'hx-swap-oob="true"')
    assert "Mark read" not in body
    # Both counts of the header: beside "Notifications", and on "Menu" (narrow screens).
    for count in (
        '<span id="unread-count" hx-swap-oob="true">',
        '<span id="menu-unread" hx-swap-oob="true">',
    ):
        assert count + ' <span class="badge unread">1<span' in body
    first.refresh_from_db()
    assert first.read_at is not None
    plain = client_web.post(f"/app/notifications/{first.pk}/read/")
    assert plain["Location"] == "/app/notifications/"


def test_mark_all_read(client_web, client_user):
    for n in range(3):
        tell(client_user, f"Note {n}")
    response = client_web.post("/app/notifications/read-all/", follow=True)
    body = assert_page(response, "Everything is marked read.")
    assert "badge unread" not in body
    assert not Notification.objects.filter(user=client_user, read_at__isnull=True).exists()


def test_another_persons_notification_is_not_found(other_client_web, client_user):
    mine = tell(client_user, "Private")
    assert other_client_web.post(f"/app/notifications/{mine.pk}/read/").status_code == 404
    assert "Private" not in other_client_web.get("/app/notifications/").content.decode()
    mine.refresh_from_db()
    assert mine.read_at is None


def test_e_mail_choices_per_kind(assistant_web, assistant_user):
    body = assert_page(assistant_web.get("/app/notifications/"), "A new message on a task")
    assert 'name="task_message" id="id_task_message" checked' in body
    fields = {"task_assigned": "on", "invoice_issued": "on"}
    response = assistant_web.post("/app/notifications/preferences/", fields, follow=True)
    body = assert_page(response, "Your choices are saved.")
    assert 'name="task_message" id="id_task_message" checked' not in body
    chosen = dict(
        NotificationPreference.objects.filter(user=assistant_user).values_list("kind", "email")
    )
    assert chosen["task_message"] is False
    assert chosen["task_assigned"] is True


def test_the_header_count_costs_one_query_whatever_the_inbox(web_for):
    def notification_queries(web):
        with CaptureQueriesContext(connection) as queries:
            assert_page(web.get("/app/account/"))
        return len(queries), [q["sql"] for q in queries if "concierge_notification" in q["sql"]]

    for user in (
        factories.ClientFactory(),
        factories.AssistantFactory(),
        factories.ManagerFactory(),
    ):
        web = web_for(user)
        empty_total, empty = notification_queries(web)
        for n in range(30):
            tell(user, f"Note {n}")
        full_total, full = notification_queries(web)
        assert len(empty) == len(full) == 1
        assert empty_total == full_total
        assert "COUNT(" in full[0]


def test_a_fragment_asks_nothing_of_the_inbox(client_web, client_user):
    task = factories.TaskFactory(client=client_user)
    with CaptureQueriesContext(connection) as queries:
        response = client_web.post(
            f"/app/tasks/{task.pk}/messages/", {"body": "Hello"}, HTTP_HX_REQUEST="true"
        )
    assert_fragment(response, "Hello")
    assert not [q for q in queries if 'concierge_notification"' in q["sql"] and "COUNT" in q["sql"]]
