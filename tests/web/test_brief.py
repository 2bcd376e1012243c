"""The client brief: written by the client and the managers, read by every assistant who
serves the client (task page, their clients, the brief page), carried through
reassignment, its changes in the history, exported and erased with the client."""

import pytest

from assistants.models import ClientBrief
from concierge import privacy, services
from concierge.models import AuditLog, TaskStatus
from tests import factories
from tests.web.checks import assert_page, assert_sends_to_sign_in

BRIEF = {
    "instructions": "Book aisle seats; never call before 9.",
    "preferences": "Vegetarian. Prefers trains under six hours.",
    "contacts": "Landlord: Mr Dupont, 06 12 34 56 78.",
}


@pytest.fixture
def task(client_user, assistant_user):
    return factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, client_user):
    assert_sends_to_sign_in(client.get("/app/brief/"), "/app/brief/")
    path = f"/app/clients/{client_user.pk}/brief/"
    assert_sends_to_sign_in(client.get(path), path)


def test_the_client_writes_their_brief(client_web, client_user):
    assert_page(client_web.get("/app/"), "Your brief for the assistants", "Nothing written yet.")
    response = client_web.post("/app/brief/", {**BRIEF, "idempotency_key": "k1"})
    assert response["Location"] == "/app/brief/"
    brief = ClientBrief.objects.get(client=client_user)
    assert brief.instructions == BRIEF["instructions"]
    assert_page(client_web.get("/app/"), "Book aisle seats")
    history = assert_page(client_web.get("/app/brief/"), "Changes", "Standing instructions")
    assert client_user.full_name in history


def test_the_assignee_and_a_stand_in_read_it_on_the_task_page(
    web_for, client_user, assistant_user, manager_user, task
):
    services_brief(client_user)
    assert_page(web_for(assistant_user).get(f"/app/tasks/{task.pk}/"), "Book aisle seats")
    # Reassigned: the new assignee reads it, the former one no longer.
    stand_in = factories.AssistantFactory()
    services.task_assign(task=task, actor=manager_user, assistant=stand_in)
    assert_page(web_for(stand_in).get(f"/app/tasks/{task.pk}/"), "Book aisle seats")
    assert_page(web_for(stand_in).get(f"/app/clients/{client_user.pk}/brief/"), "Mr Dupont")
    assert web_for(assistant_user).get(f"/app/clients/{client_user.pk}/brief/").status_code == 404


def test_a_backup_reads_it_from_their_clients(web_for, client_user):
    services_brief(client_user)
    backup = factories.AssistantFactory()
    client_user.client_profile.backup_assistant = backup
    client_user.client_profile.save()
    home = assert_page(web_for(backup).get("/app/"), f"/app/clients/{client_user.pk}/brief/")
    assert "Your clients" in home
    page = assert_page(web_for(backup).get(f"/app/clients/{client_user.pk}/brief/"), "Mr Dupont")
    assert "Save the brief" not in page
    refused = web_for(backup).post(f"/app/clients/{client_user.pk}/brief/", BRIEF)
    assert refused.status_code == 403


def test_a_manager_writes_a_clients_brief(manager_web, manager_user, client_user):
    assert_page(manager_web.get(f"/app/clients/{client_user.pk}/"), 'id="brief-heading"')
    response = manager_web.post(
        f"/app/clients/{client_user.pk}/brief/", {**BRIEF, "contacts": "Doctor: Dr Martin."}
    )
    assert response["Location"] == f"/app/clients/{client_user.pk}/brief/"
    row = AuditLog.objects.get(action="client.brief_changed")
    assert (row.actor, row.about) == (manager_user, client_user)
    assert_page(manager_web.get(f"/app/clients/{client_user.pk}/"), "Dr Martin")


def test_others_cannot_read_it(web_for, other_client_web, client_user, other_client_user):
    services_brief(client_user)
    stranger = factories.AssistantFactory()
    assert web_for(stranger).get(f"/app/clients/{client_user.pk}/brief/").status_code == 404
    assert other_client_web.get(f"/app/clients/{client_user.pk}/brief/").status_code == 403
    assert "Book aisle" not in other_client_web.get("/app/brief/").content.decode()


def test_it_is_exported_and_erased(client_user):
    services_brief(client_user)
    data = privacy.person_export(user=client_user)
    assert data["client_brief"]["contacts"] == BRIEF["contacts"]
    privacy.person_erase(user=client_user)
    assert not ClientBrief.objects.exists()
    changes = AuditLog.objects.get(action="client.brief_changed").changes
    assert "Dupont" not in str(changes)


def services_brief(client):
    from assistants import briefs

    briefs.brief_update(actor=client, client_id=client.pk, **BRIEF)
