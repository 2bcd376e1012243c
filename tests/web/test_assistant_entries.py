"""Editing and deleting a time entry from the portal's ledger: as the API's PATCH and
DELETE time-entries/{id}/, through the same services; refusals beside their field or
above the form."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from assistants.models import TimeEntry, TimeEntryEvent
from tests import factories
from tests.web.checks import assert_page, assert_sends_to_sign_in
from tests.web.test_assistant import entry_form, field_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(month):
    month.assistant = month.disputable.assistant
    month.task = month.tasks["in_progress"]
    return month


def _stopped_entry(work, hours_ago=5, minutes=30):
    start = timezone.now() - datetime.timedelta(hours=hours_ago)
    return factories.TimeEntryFactory(
        task=work.task,
        assistant=work.assistant,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
    )


def _paths(entry):
    return f"/app/time/{entry.pk}/edit/", f"/app/time/{entry.pk}/delete/"


def test_anonymous_visitors_go_to_sign_in(work):
    for path in _paths(work.disputable):
        assert_sends_to_sign_in(Client().get(path), path)
        assert_sends_to_sign_in(Client().post(path, {}), path)
    assert TimeEntry.objects.filter(pk=work.disputable.pk).exists()


def test_clients_may_not_change_entries(work, web_for):
    web = web_for(work.subscription.client)
    edit, delete = _paths(work.disputable)
    assert web.get(edit).status_code == 403
    assert web.post(delete).status_code == 403
    assert TimeEntry.objects.filter(pk=work.disputable.pk).exists()


def test_another_assistants_entry_is_a_404(work, web_for):
    web = web_for(factories.AssistantFactory())
    edit, delete = _paths(work.disputable)
    assert web.get(edit).status_code == 404
    start = timezone.now() - datetime.timedelta(hours=3)
    assert web.post(edit, entry_form(work.assistant, start, 10)).status_code == 404
    assert web.post(delete).status_code == 404
    assert TimeEntry.objects.filter(pk=work.disputable.pk).exists()


def test_the_ledger_offers_edit_and_delete_to_the_assistant(work, web_for):
    entry = _stopped_entry(work)
    edit, delete = _paths(entry)
    body = assert_page(web_for(work.assistant).get("/app/time/"), "Edit", "Delete")
    assert f'href="{edit}"' in body and f'href="{delete}"' in body
    client_body = assert_page(web_for(work.subscription.client).get("/app/time/"))
    assert edit not in client_body


def test_editing_an_entry_changes_it_through_the_service(work, web_for):
    entry = _stopped_entry(work)
    web = web_for(work.assistant)
    edit, _ = _paths(entry)
    form = assert_page(web.get(edit), "Edit time entry")
    assert 'name="started_at"' in form
    start = entry.started_at - datetime.timedelta(minutes=15)
    answer = web.post(edit, entry_form(work.assistant, start, 45, note="Called twice"))
    assert answer.status_code == 302 and answer["Location"] == "/app/time/"
    entry.refresh_from_db()
    assert entry.note == "Called twice"
    assert entry.duration_seconds == 45 * 60
    assert TimeEntryEvent.objects.filter(entry=entry, kind="edited").exists()


def test_an_edit_into_another_entry_is_refused_beside_started_at(work, web_for):
    entry = _stopped_entry(work, hours_ago=5)
    other = _stopped_entry(work, hours_ago=8, minutes=60)
    web = web_for(work.assistant)
    edit, _ = _paths(entry)
    answer = web.post(edit, entry_form(work.assistant, other.started_at, 30))
    assert answer.status_code == 400
    assert "overlaps" in field_error(answer.content.decode(), "started_at")
    assert TimeEntry.objects.get(pk=entry.pk).started_at == entry.started_at


def test_an_invoiced_entry_is_locked(work, web_for):
    invoiced = work.tasks["completed"].time_entries.first()
    web = web_for(invoiced.assistant)
    edit, delete = _paths(invoiced)
    answer = web.post(edit, entry_form(invoiced.assistant, invoiced.started_at, 5))
    assert answer.status_code == 400
    assert "invoiced" in answer.content.decode()
    refused = web.post(delete)
    assert refused.status_code == 409 and "invoiced" in refused.content.decode()
    assert TimeEntry.objects.filter(pk=invoiced.pk).exists()


def test_a_disputed_entry_waits_for_the_managers_decision(work, web_for):
    disputed = work.disputed
    web = web_for(disputed.assistant)
    edit, delete = _paths(disputed)
    answer = web.post(edit, entry_form(disputed.assistant, disputed.started_at, 5))
    assert answer.status_code == 400
    assert "The client disputes this entry" in answer.content.decode()
    assert web.post(delete).status_code == 409
    assert TimeEntry.objects.get(pk=disputed.pk).duration_seconds == disputed.duration_seconds


def test_deleting_asks_first_then_deletes_keeping_the_history(work, web_for):
    entry = _stopped_entry(work)
    web = web_for(work.assistant)
    _, delete = _paths(entry)
    assert_page(web.get(delete), "Delete time entry", work.task.title)
    assert TimeEntry.objects.filter(pk=entry.pk).exists()
    answer = web.post(delete)
    assert answer.status_code == 302 and answer["Location"] == "/app/time/"
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()
    assert TimeEntryEvent.objects.filter(entry_id=entry.pk, kind="deleted").exists()


def test_a_manager_may_change_any_entry(work, web_for):
    entry = _stopped_entry(work)
    web = web_for(factories.ManagerFactory())
    edit, delete = _paths(entry)
    assert_page(web.get(edit), "Edit time entry")
    assert web.post(delete).status_code == 302
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_with_htmx_the_form_answers_in_place(work, web_for):
    entry = _stopped_entry(work, hours_ago=5)
    other = _stopped_entry(work, hours_ago=8, minutes=60)
    web = web_for(work.assistant)
    edit, _ = _paths(entry)
    htmx = {"HTTP_HX_REQUEST": "true"}
    refused = web.post(edit, entry_form(work.assistant, other.started_at, 30), **htmx)
    body = refused.content.decode()
    assert refused.status_code == 200 and body.startswith('<form id="entry-form"')
    assert "overlaps" in field_error(body, "started_at")
    start = entry.started_at + datetime.timedelta(minutes=5)
    saved = web.post(edit, entry_form(work.assistant, start, 20), **htmx)
    assert saved["HX-Redirect"] == "/app/time/"
    assert TimeEntry.objects.get(pk=entry.pk).duration_seconds == 20 * 60
