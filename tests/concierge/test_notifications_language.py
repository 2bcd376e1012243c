"""Notifications speak to their reader: in the reader's language (the service's when they
chose none) with every time in the reader's zone, the zone named; the e-mail says the same.
The footer's language switch saves a signed-in person's choice, so their e-mails follow."""

import datetime

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from concierge import jobs, services
from concierge.models import Notification, TaskStatus
from concierge.notifications import addressed_to, local_time, notify
from tests import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# 02:01 UTC on 1 December 2026: 03:01 in Paris (CET), 21:01 on 30 November in New York (EST).
PROMISED = datetime.datetime(2026, 12, 1, 2, 1, tzinfo=UTC)
LATER = PROMISED + datetime.timedelta(hours=2)


def overdue_task(**fields):
    return factories.TaskFactory(promised_due_at=PROMISED, title="Book the flights", **fields)


def notify_overdue(task, capture):
    with capture(execute=True):
        assert services.task_notify_overdue(task_id=task.pk, now=LATER) is True


def told(user):
    return Notification.objects.get(user=user)


def mail_to(user):
    [message] = [m for m in mail.outbox if m.to == [user.email]]
    return message


def test_a_french_reader_in_paris_reads_french_and_paris_time(django_capture_on_commit_callbacks):
    assistant = factories.AssistantFactory(language="fr", timezone="Europe/Paris")
    task = overdue_task(assignee=assistant, status=TaskStatus.IN_PROGRESS)
    notify_overdue(task, django_capture_on_commit_callbacks)
    notification = told(assistant)
    assert notification.subject == "En retard : Book the flights"
    assert (
        notification.body == f"La tâche {task.pk} était promise pour le 1 décembre 2026 03:01 CET."
    )
    assert "UTC" not in notification.body
    sent = mail_to(assistant)  # the e-mail is the same words
    assert (sent.subject, sent.body) == (notification.subject, notification.body)


def test_an_english_reader_in_new_york_reads_english_and_new_york_time(
    django_capture_on_commit_callbacks,
):
    assistant = factories.AssistantFactory(language="en", timezone="America/New_York")
    task = overdue_task(assignee=assistant, status=TaskStatus.IN_PROGRESS)
    with translation.override("fr"):  # whatever the caller's language, the reader's wins
        notify_overdue(task, django_capture_on_commit_callbacks)
    notification = told(assistant)
    assert notification.subject == "Overdue: Book the flights"
    assert notification.body == f"Task {task.pk} was promised for Nov. 30, 2026, 9:01 p.m. EST."
    assert "UTC" not in notification.body
    assert mail_to(assistant).body == notification.body


def test_each_manager_reads_their_own_language_and_zone(django_capture_on_commit_callbacks):
    paris = factories.ManagerFactory(language="fr", timezone="Europe/Paris")
    new_york = factories.ManagerFactory(language="", timezone="America/New_York")
    task = overdue_task(status=TaskStatus.NEW)  # nobody holds it: the managers are told
    with translation.override("fr"):  # a blank language is the service's, not the caller's
        notify_overdue(task, django_capture_on_commit_callbacks)
    assert told(paris).body.endswith("promise pour le 1 décembre 2026 03:01 CET.")
    assert told(new_york).body.endswith("was promised for Nov. 30, 2026, 9:01 p.m. EST.")
    assert mail_to(paris).subject.startswith("En retard")
    assert mail_to(new_york).subject.startswith("Overdue")


def test_a_move_of_a_task_tells_the_client_in_their_language(django_capture_on_commit_callbacks):
    client = factories.ClientFactory(language="fr", timezone="Europe/Paris")
    assistant = factories.AssistantFactory(language="en")
    task = factories.TaskFactory(
        client=client, assignee=assistant, status=TaskStatus.IN_PROGRESS, title="Taxes"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.task_deliver(task=task, actor=assistant)
    notification = told(client)
    assert notification.subject == "Livrée : Taxes"
    assert notification.body.startswith("Acceptez-la ou demandez une révision")
    assert mail_to(client).subject == "Livrée : Taxes"


def test_addressed_to_restores_the_callers_language_and_zone(settings):
    reader = factories.ClientFactory(language="fr", timezone="America/New_York")
    with translation.override("en"):
        with addressed_to(reader.pk) as user:
            assert user == reader
            assert translation.get_language() == "fr"
            assert local_time(PROMISED) == "30 novembre 2026 21:01 EST"
        assert translation.get_language() == "en"
        assert local_time(PROMISED).endswith("CET")  # the service's zone again (Paris)


def test_an_unknown_zone_falls_back_to_the_services_zone():
    reader = factories.ClientFactory.build(language="fr", timezone="Mars/Olympus")
    with addressed_to(reader):
        assert local_time(PROMISED) == "1 décembre 2026 03:01 CET"


def test_the_footer_switch_saves_a_signed_in_persons_language(
    client, django_capture_on_commit_callbacks
):
    assistant = factories.AssistantFactory(language="", timezone="Europe/Paris")
    client.force_login(assistant)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/app/"})
    assert response.status_code == 302 and response.url == "/app/"
    assert response.cookies["django_language"].value == "fr"
    assistant.refresh_from_db()
    assert assistant.language == "fr"
    # Their next e-mail is French.
    task = overdue_task(assignee=assistant, status=TaskStatus.IN_PROGRESS)
    notify_overdue(task, django_capture_on_commit_callbacks)
    assert mail_to(assistant).subject == "En retard : Book the flights"
    assert "03:01 CET" in mail_to(assistant).body


def test_the_footer_switch_refuses_a_language_we_do_not_speak(client):
    manager = factories.ManagerFactory(language="en")
    client.force_login(manager)
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/app/"})
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.language == "en"


def test_the_footer_switch_is_a_cookie_only_for_someone_signed_out(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "fr"


def test_the_email_job_sends_the_words_written_for_the_reader():
    reader = factories.ClientFactory(language="fr")
    with addressed_to(reader):
        notification = notify(
            user_id=reader.pk, subject=gettext("Delivered: %(title)s") % {"title": "X"}, body="."
        )
    with translation.override("en"):  # the job runs in whatever language: it sends as written
        assert jobs.send_notification_email(notification.pk) == 1
    assert mail.outbox[0].subject == "Livrée : X"
