"""Intake that never strands a task: the portal offers the category vocabulary as a
picker, and the managers' queue shows every open task nobody holds or could take."""

import pytest
from django.utils import translation

from concierge.models import Category, Task
from tests import factories
from tests.web.checks import assert_page

pytestmark = pytest.mark.django_db


def test_the_new_task_form_offers_the_vocabulary_in_the_readers_language(client_web):
    Category.objects.filter(code="errands").update(active=False)  # retired: not offered
    body = assert_page(client_web.get("/app/tasks/new/"), "Bookings", "Tradespeople")
    assert 'value="booking"' in body and 'value="errands"' not in body
    with translation.override("fr"):
        french = client_web.get("/app/tasks/new/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Réservations" in french.content.decode()


def test_a_category_outside_the_vocabulary_is_refused_and_nothing_made(client_web):
    answer = client_web.post(
        "/app/tasks/new/", {"title": "Book a table", "category": "bookings", "priority": "normal"}
    )
    assert answer.status_code == 400
    assert "Select a valid choice" in answer.content.decode()
    assert not Task.objects.filter(title="Book a table").exists()


def test_a_task_nobody_takes_reaches_the_managers_queue(client_web, client_user, manager_web):
    # A new client, no assistant of their own, and nobody takes bookings.
    client_user.client_profile.primary_assistant = None
    client_user.client_profile.save()
    factories.AssistantFactory(profile__skills=["research"])
    answer = client_web.post(
        "/app/tasks/new/", {"title": "Book a table", "category": "booking", "priority": "normal"}
    )
    assert answer.status_code == 302
    task = Task.objects.get(title="Book a table")
    assert task.assignee is None and task.flagged_at is not None
    held = factories.TaskFactory(
        title="Held elsewhere", assignee=factories.AssistantFactory(), status="assigned"
    )
    body = assert_page(manager_web.get("/app/team/unassigned/"), "Book a table", "booking")
    assert held.title not in body
    assert f"/app/team/tasks/{task.pk}/reassign/" in body
