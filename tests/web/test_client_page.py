"""A manager's page for one client: plan and usage, primary and backup assistants chosen
with the room each has, the client's tasks, invoices and audit trail."""

import pytest

from billing.models import Invoice
from concierge.models import AuditLog, ClientProfile, TaskStatus
from tests import factories
from tests.web.checks import assert_page, assert_sends_to_sign_in


@pytest.fixture
def team(db):
    ada = factories.AssistantFactory(first_name="Ada", last_name="Lovelace")
    bob = factories.AssistantFactory(first_name="Bob", last_name="Builder")
    factories.TaskFactory(assignee=ada, status=TaskStatus.IN_PROGRESS, estimate_minutes=120)
    return ada, bob


def test_only_managers_open_a_client_page(client, client_web, assistant_web, client_user):
    path = f"/app/clients/{client_user.pk}/"
    assert_sends_to_sign_in(client.get(path), path)
    assert client_web.get(path).status_code == 403
    assert assistant_web.get(path).status_code == 403


def test_someone_who_is_not_a_client_is_not_found(manager_web, assistant_user, manager_user):
    for user in (assistant_user, manager_user):
        assert manager_web.get(f"/app/clients/{user.pk}/").status_code == 404
    assert manager_web.get("/app/clients/999999/").status_code == 404


def test_the_client_page_shows_plan_tasks_invoices(manager_web, month):
    client = month.subscription.client
    listing = assert_page(manager_web.get("/app/clients/"))
    assert f'href="/app/clients/{client.pk}/"' in listing
    body = assert_page(
        manager_web.get(f"/app/clients/{client.pk}/"),
        client.full_name,
        "Plan and usage",
        "Essential",
        'id="gauge-title"',
        "Who serves this client",
        month.tasks["assigned"].title,
        "Invoices",
    )
    invoice = Invoice.objects.filter(client=client).exclude(number="").get()
    assert f'href="/app/invoices/{invoice.pk}/">{invoice.number}</a>' in body


def test_a_manager_sets_primary_and_backup_seeing_their_room(
    manager_web, manager_user, client_user, team
):
    ada, bob = team
    page = assert_page(manager_web.get(f"/app/clients/{client_user.pk}/"))
    assert "Ada Lovelace — 38 h 00 min free of 40 h 00 min a week" in page
    assert "Bob Builder — 40 h 00 min free of 40 h 00 min a week" in page
    response = manager_web.post(
        f"/app/clients/{client_user.pk}/",
        {"primary_assistant": ada.pk, "backup_assistant": bob.pk, "idempotency_key": "k1"},
    )
    assert response["Location"] == f"/app/clients/{client_user.pk}/"
    profile = ClientProfile.objects.get(user=client_user)
    assert (profile.primary_assistant, profile.backup_assistant) == (ada, bob)
    trail = AuditLog.objects.get(about_id=client_user.pk)
    assert trail.actor == manager_user
    body = assert_page(manager_web.get(f"/app/clients/{client_user.pk}/"), trail.action)
    assert f'<option value="{ada.pk}" selected>' in body


def test_the_same_assistant_twice_is_refused_beside_the_backup(manager_web, client_user, team):
    ada, _bob = team
    response = manager_web.post(
        f"/app/clients/{client_user.pk}/", {"primary_assistant": ada.pk, "backup_assistant": ada.pk}
    )
    body = assert_page(response, "Must differ from the primary assistant.", status=400)
    assert body.index("field-error") > body.index('for="id_backup_assistant"')
    assert ClientProfile.objects.get(user=client_user).primary_assistant is None


def test_someone_who_is_not_an_assistant_cannot_be_chosen(
    manager_web, client_user, other_client_user
):
    response = manager_web.post(
        f"/app/clients/{client_user.pk}/", {"primary_assistant": other_client_user.pk}
    )
    assert_page(response, "Select a valid choice.", status=400)
    assert ClientProfile.objects.get(user=client_user).primary_assistant is None
