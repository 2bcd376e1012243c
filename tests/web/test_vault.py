"""The vault in the portal: the client keeps items and reads their access log; an
assistant serving the client reveals one from the task page, naming the purpose."""

import pytest

from concierge import vault_services
from concierge.models import IdempotencyRecord, Notification, TaskStatus, VaultItem, VaultReveal
from tests import factories
from tests.web.checks import assert_fragment, assert_page, assert_sends_to_sign_in

SECRET = "correct-horse-battery"


@pytest.fixture
def item(client_user):
    return vault_services.vault_item_create(
        client=client_user,
        title="Airline account",
        kind="login",
        fields={"username": "nora", "password": SECRET},
        notes="For travel bookings.",
    )


@pytest.fixture
def task(client_user, assistant_user):
    return factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, item):
    for path in ("/app/vault/", "/app/vault/new/", f"/app/vault/{item.pk}/"):
        assert_sends_to_sign_in(client.get(path), path)
    response = client.post(f"/app/vault/{item.pk}/reveal/", {"purpose": "x"})
    assert response.status_code == 302
    assert not VaultReveal.objects.exists()


def test_managers_have_no_vault_pages(manager_web, item):
    assert manager_web.get("/app/vault/").status_code == 403
    assert manager_web.get(f"/app/vault/{item.pk}/").status_code == 403
    assert manager_web.post(f"/app/vault/{item.pk}/reveal/", {"purpose": "x"}).status_code == 403
    assert not VaultReveal.objects.exists()


def test_a_client_adds_an_item_and_lists_it_without_its_values(client_web, client_user):
    assert_page(client_web.get("/app/vault/new/"), "Add a vault item", "Field name 1")
    response = client_web.post(
        "/app/vault/new/",
        {
            "title": "Bank",
            "kind": "login",
            "notes": "Main account",
            "notify_on_reveal": "on",
            "new_name_0": "username",
            "secret_new_0": "nora",
            "new_name_1": "password",
            "secret_new_1": SECRET,
            "idempotency_key": "k1",
        },
    )
    item = VaultItem.objects.get(client=client_user)
    assert response["Location"] == f"/app/vault/{item.pk}/"
    assert vault_services.vault_item_secrets(item) == {"username": "nora", "password": SECRET}
    listing = assert_page(client_web.get("/app/vault/"), "Bank", "password, username")
    detail = assert_page(client_web.get(f"/app/vault/{item.pk}/"), "Main account", "Access log")
    assert SECRET not in listing + detail
    # The form's key never keeps a hash of a value.
    record = IdempotencyRecord.objects.get(key="k1")
    assert SECRET not in str(record.body)


def test_a_value_without_a_name_and_an_empty_item_are_refused(client_web, client_user):
    response = client_web.post(
        "/app/vault/new/", {"title": "Bank", "kind": "login", "secret_new_0": SECRET}
    )
    body = assert_page(response, "Name this field.", status=400)
    assert SECRET not in body
    empty = client_web.post("/app/vault/new/", {"title": "Bank", "kind": "login"})
    assert_page(empty, "Give the item at least one secret field.", status=400)
    bad = client_web.post(
        "/app/vault/new/",
        {"title": "Bank", "kind": "login", "new_name_0": "pass/word", "secret_new_0": "x"},
    )
    assert_page(bad, "Use 1 to 64 letters", status=400)
    assert not VaultItem.objects.exists()


def test_a_client_changes_an_items_values_and_removes_one(client_web, item):
    page = assert_page(client_web.get(f"/app/vault/{item.pk}/edit/"), "New value of “password”")
    assert SECRET not in page
    response = client_web.post(
        f"/app/vault/{item.pk}/edit/",
        {
            "title": "Airline",
            "kind": "login",
            "notes": "",
            # "password" is field 0 (names are sorted), "username" field 1.
            "secret_value_0": "new-secret",
            "remove_1": "on",
            "new_name_0": "pin",
            "secret_new_0": "1234",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Airline"
    assert not item.notify_on_reveal
    assert vault_services.vault_item_secrets(item) == {"password": "new-secret", "pin": "1234"}


def test_removing_every_field_is_refused(client_web, item):
    response = client_web.post(
        f"/app/vault/{item.pk}/edit/",
        {"title": "Airline", "kind": "login", "remove_0": "on", "remove_1": "on"},
    )
    assert_page(response, "Give the item at least one secret field.", status=400)
    assert vault_services.vault_item_secrets(item) == {"username": "nora", "password": SECRET}


def test_a_client_deletes_an_item_and_keeps_its_log(client_web, client_user, item):
    vault_services.vault_item_reveal(item=item, actor=client_user, purpose="checking")
    assert_page(client_web.get(f"/app/vault/{item.pk}/delete/"), "Delete vault item")
    response = client_web.post(f"/app/vault/{item.pk}/delete/")
    assert response["Location"] == "/app/vault/"
    assert not VaultItem.objects.exists()
    assert VaultReveal.objects.filter(client=client_user).count() == 1


def test_another_clients_item_is_not_found(other_client_web, item):
    for path in ("", "edit/", "delete/"):
        assert other_client_web.get(f"/app/vault/{item.pk}/{path}").status_code == 404
    assert other_client_web.post(f"/app/vault/{item.pk}/delete/").status_code == 404
    assert (
        other_client_web.post(f"/app/vault/{item.pk}/reveal/", {"purpose": "x"}).status_code == 404
    )
    assert VaultItem.objects.filter(pk=item.pk).exists()
    assert not VaultReveal.objects.exists()


def test_an_assistant_reveals_from_the_task_page_naming_the_purpose(
    assistant_web, client_web, client_user, assistant_user, item, task
):
    page = assert_page(
        assistant_web.get(f"/app/tasks/{task.pk}/"), 'id="task-vault"', "Airline account"
    )
    assert SECRET not in page
    response = assistant_web.post(
        f"/app/vault/{item.pk}/reveal/",
        {"purpose": "to book the flight", "task": task.pk, "on_task": "1"},
        HTTP_HX_REQUEST="true",
    )
    body = assert_fragment(response, SECRET, "nora", "Copy", "Hide")
    assert "no-store" in response["Cache-Control"]
    assert 'hx-history="false"' in body
    reveal = VaultReveal.objects.get()
    assert (reveal.revealed_by, reveal.task, reveal.purpose) == (
        assistant_user,
        task,
        "to book the flight",
    )
    assert Notification.objects.filter(user=client_user, subject__contains="Airline").exists()
    # The client reads it in the item's access log.
    log = assert_page(client_web.get(f"/app/vault/{item.pk}/"), "to book the flight", task.title)
    assert SECRET not in log


def test_a_reveal_without_a_purpose_shows_nothing_and_records_nothing(assistant_web, item, task):
    response = assistant_web.post(
        f"/app/vault/{item.pk}/reveal/", {"purpose": "", "task": task.pk}, HTTP_HX_REQUEST="true"
    )
    body = assert_fragment(response, "This field is required.")
    assert SECRET not in body
    plain = assistant_web.post(f"/app/vault/{item.pk}/reveal/", {"purpose": "", "task": task.pk})
    assert plain.status_code == 400
    assert not VaultReveal.objects.exists()


def test_an_assistant_not_serving_the_client_sees_no_item(
    web_for, other_assistant_user, item, task
):
    other = web_for(other_assistant_user)
    assert other.get(f"/app/vault/{item.pk}/").status_code == 404
    response = other.post(f"/app/vault/{item.pk}/reveal/", {"purpose": "x", "task": task.pk})
    assert response.status_code == 404
    assert "Airline account" not in other.get("/app/vault/").content.decode()
    assert not VaultReveal.objects.exists()


def test_the_assistants_list_names_the_items_of_clients_they_serve(assistant_web, item, task):
    body = assert_page(assistant_web.get("/app/vault/"), "Airline account", "password, username")
    assert SECRET not in body


def test_a_client_may_reveal_their_own_item_on_a_page_of_its_own(client_web, item):
    response = client_web.post(f"/app/vault/{item.pk}/reveal/", {"purpose": "checking"})
    assert_page(response, SECRET)
    assert "no-store" in response["Cache-Control"]
    assert VaultReveal.objects.get().purpose == "checking"
