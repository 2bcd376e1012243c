"""The monthly summary: told once the month's invoice is issued, in the client's language,
once per month, and by e-mail only while the client wants it."""

import datetime

import pytest
from django.core import mail

from billing import jobs
from billing.models import Invoice
from concierge.models import Notification, NotificationKind, TaskStatus
from tests import factories
from tests.billing.helpers import at, freeze

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"
    settings.PORTAL_URL = "https://concierge.example"


@pytest.fixture
def october(monkeypatch, django_capture_on_commit_callbacks):
    """Chloé (who reads French) and Dan: a plan since October, October's work, closed."""
    chloe = factories.ClientFactory(first_name="Chloé", language="fr")
    dan = factories.ClientFactory(first_name="Dan", language="en")
    assistant = factories.AssistantFactory()
    for day, client in enumerate((chloe, dan), start=5):
        factories.SubscriptionFactory(client=client, start_date=datetime.date(2026, 10, 1))
        done = factories.TaskFactory(
            client=client,
            assignee=assistant,
            title=f"Passeport de {client.first_name}",
            status=TaskStatus.COMPLETED,
            completed_at=at(2026, 10, 20),
        )
        start = at(2026, 10, day, 9)  # one assistant, never two places at once
        factories.TimeEntryFactory(
            task=done,
            assistant=assistant,
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=95),
        )
    freeze(monkeypatch, at(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.close_periods()
    mail.outbox.clear()
    return {"chloe": chloe, "dan": dan}


def summaries(user):
    return list(Notification.objects.filter(user=user, kind=NotificationKind.MONTH_SUMMARY))


def test_each_client_is_told_their_month_in_their_language(
    october, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.month_summaries() == 2
    by_reader = {message.to[0]: message for message in mail.outbox}
    french = by_reader[october["chloe"].email]
    assert french.subject == "Votre mois en résumé : 2026-10"
    assert "En 2026-10, nous avons terminé 1 tâche pour vous." in french.body
    assert "Temps saisi sur vos tâches : 1 h 35 min ; facturé : 1 h 45 min." in french.body
    assert "- Passeport de Chloé : 1 h 35 min" in french.body
    invoice = Invoice.objects.get(client=october["chloe"])
    assert f"Facture {invoice.number} : {invoice.total} EUR." in french.body
    assert "https://concierge.example/app/reports/?month=2026-10" in french.body
    english = by_reader[october["dan"].email]
    assert english.subject == "Your month in summary: 2026-10"
    assert "In 2026-10 we completed 1 task for you." in english.body
    assert "Chloé" not in english.body
    assert [n.data for n in summaries(october["chloe"])] == [{"month": "2026-10"}]


def test_a_month_is_told_once(october, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        jobs.month_summaries()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.month_summaries() == 0
        # The job delivered twice tells nobody twice.
        assert jobs.month_summary_client(october["dan"].pk, "2026-10-01") is False
    assert len(mail.outbox) == 2
    assert len(summaries(october["dan"])) == 1


def test_a_client_who_turned_it_off_gets_no_email(
    october, api_for, django_capture_on_commit_callbacks
):
    answer = api_for(october["dan"]).patch(
        "/api/v1/notifications/preferences/", {"email": {"month_summary": False}}, format="json"
    )
    assert answer.status_code == 200, answer.content
    with django_capture_on_commit_callbacks(execute=True):
        jobs.month_summaries()
    assert [m.to[0] for m in mail.outbox] == [october["chloe"].email]
    # Still in the inbox.
    assert len(summaries(october["dan"])) == 1


def test_nobody_is_told_before_the_month_is_invoiced(monkeypatch):
    factories.SubscriptionFactory(start_date=datetime.date(2026, 10, 1))
    freeze(monkeypatch, at(2026, 11, 1, 0, 30))
    assert jobs.month_summaries() == 0
    assert not Notification.objects.filter(kind=NotificationKind.MONTH_SUMMARY).exists()
