"""The vault: items a client shares, metadata only in lists and details, secrets only
through a recorded reveal, and an audit nobody can edit."""

import logging

import pytest
from django.contrib import admin
from django.core import mail
from django.test import RequestFactory

from concierge.models import AppendOnly, TaskStatus, VaultItem, VaultReveal
from tests import factories
from tests.checks import assert_error

URL = "/api/v1/vault/"
SECRET = "correct-horse-in-the-vault"
PIN = "pin-4921-secret"


def url(item, suffix=""):
    return f"{URL}{item.pk}/{suffix}"


@pytest.fixture
def open_task(client_user, assistant_user):
    return factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )


@pytest.fixture
def former_assistant(client_user):
    """Had a task of the client, now completed: no longer serving."""
    former = factories.AssistantFactory()
    task = factories.TaskFactory(client=client_user, assignee=former, status=TaskStatus.COMPLETED)
    factories.task_event(task, "assign", data={"assistant": former.pk})
    return former


@pytest.fixture
def item(client_api, open_task):
    resp = client_api.post(
        URL,
        {
            "title": "Bank login",
            "kind": "login",
            "fields": {"username": "jdoe", "password": SECRET, "pin": PIN},
            "notes": "For paying the plumber",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    return VaultItem.objects.get(pk=resp.json()["id"])


@pytest.fixture
def actors(
    anon_api,
    client_api,
    other_client_api,
    assistant_api,
    other_assistant_api,
    manager_api,
    api_for,
    former_assistant,
):
    return {
        "anonymous": anon_api,
        "client": client_api,
        "other_client": other_client_api,
        "assigned": assistant_api,
        "former": api_for(former_assistant),
        "other_assistant": other_assistant_api,
        "manager": manager_api,
    }


def _body(actor, open_task):
    if actor in ("assigned", "former", "other_assistant"):
        return {"purpose": "Pay the plumber", "task": open_task.pk}
    return {"purpose": "Checking"}


# The access matrix: every vault path, every kind of person. ------------------------------

ACTORS = ("anonymous", "client", "other_client", "assigned", "former", "other_assistant", "manager")
MATRIX = {
    # path: expected status for each of ACTORS, in that order
    ("GET", ""): (401, 200, 404, 200, 404, 404, 404),
    ("PATCH", ""): (401, 200, 404, 403, 403, 403, 403),
    ("POST", "reveal/"): (401, 200, 404, 200, 404, 404, 404),
    ("GET", "reveals/"): (401, 200, 404, 403, 403, 403, 200),
    ("DELETE", ""): (401, 204, 404, 403, 403, 403, 403),
}
CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}


@pytest.mark.parametrize(("method", "suffix"), list(MATRIX))
def test_item_paths_matrix(method, suffix, item, actors, open_task):
    for actor, expected in zip(ACTORS, MATRIX[(method, suffix)], strict=True):
        if expected in (200, 204):
            continue  # the happy paths run last, below: DELETE would remove the item
        api = actors[actor]
        data = _body(actor, open_task) if suffix == "reveal/" else {"title": "x"}
        resp = getattr(api, method.lower())(url(item, suffix), data, format="json")
        assert_error(resp, expected, CODES[expected])
        assert SECRET not in resp.content.decode()
    for actor, expected in zip(ACTORS, MATRIX[(method, suffix)], strict=True):
        if expected not in (200, 204):
            continue
        data = _body(actor, open_task) if suffix == "reveal/" else {"title": "Bank"}
        resp = getattr(actors[actor], method.lower())(url(item, suffix), data, format="json")
        assert resp.status_code == expected, (actor, resp.content)
    item_exists = VaultItem.objects.filter(pk=item.pk).exists()
    assert item_exists is (method != "DELETE")
    # Only the reveals the matrix allowed were recorded.
    expected_reveals = 2 if suffix == "reveal/" else 0
    assert VaultReveal.objects.count() == expected_reveals


def test_collection_matrix(item, actors, open_task):
    assert_error(actors["anonymous"].get(URL), 401, "not_authenticated")
    assert_error(actors["manager"].get(URL), 403, "permission_denied")
    seen = {
        name: [row["id"] for row in actors[name].get(URL).json()["results"]]
        for name in ("client", "other_client", "assigned", "former", "other_assistant")
    }
    assert seen == {
        "client": [item.pk],
        "other_client": [],
        "assigned": [item.pk],
        "former": [],
        "other_assistant": [],
    }
    for name in ("anonymous",):
        assert_error(actors[name].post(URL, {}, format="json"), 401, "not_authenticated")
    for name in ("assigned", "former", "other_assistant", "manager"):
        assert_error(
            actors[name].post(URL, {"title": "x", "kind": "note", "fields": {"a": "b"}}),
            403,
            "permission_denied",
        )
    assert VaultItem.objects.count() == 1


def test_list_filters(item, client_api, assistant_api, client_user):
    assert [r["id"] for r in client_api.get(URL, {"kind": "login"}).json()["results"]] == [item.pk]
    assert client_api.get(URL, {"kind": "card"}).json()["results"] == []
    served = assistant_api.get(URL, {"client": client_user.pk}).json()["results"]
    assert [r["id"] for r in served] == [item.pk]
    assert assistant_api.get(URL, {"client": client_user.pk + 1000}).json()["results"] == []
    assert_error(client_api.get(URL, {"kind": "safe"}), 400, "invalid")


def test_audit_collection_matrix(item, actors, open_task):
    actors["assigned"].post(url(item, "reveal/"), _body("assigned", open_task), format="json")
    other_item = factories.ClientFactory()
    VaultReveal.objects.create(
        item_id=999, client=other_item, item_title="Elsewhere", revealed_by=other_item, purpose="x"
    )
    reveals = URL + "reveals/"
    assert_error(actors["anonymous"].get(reveals), 401, "not_authenticated")
    for name in ("assigned", "former", "other_assistant"):
        assert_error(actors[name].get(reveals), 403, "permission_denied")
    assert [r["item"] for r in actors["client"].get(reveals).json()["results"]] == [item.pk]
    assert actors["other_client"].get(reveals).json()["results"] == []
    assert actors["manager"].get(reveals).json()["count"] == 2
    assert actors["manager"].get(reveals, {"item": item.pk}).json()["count"] == 1
    assert_error(actors["manager"].get(reveals, {"item": "x"}), 400, "invalid")


# Secrets appear nowhere but in a reveal. -------------------------------------------------


def test_list_and_detail_show_names_never_values(item, client_api, assistant_api):
    for api in (client_api, assistant_api):
        for resp in (api.get(URL), api.get(url(item))):
            text = resp.content.decode()
            assert resp.status_code == 200
            assert SECRET not in text and PIN not in text and "jdoe" not in text
    detail = client_api.get(url(item)).json()
    assert detail["fields"] == ["password", "pin", "username"]
    assert detail["notes"] == "For paying the plumber"
    assert detail["kind"] == "login"


def test_assistant_reveals_for_a_task_and_it_is_recorded(
    item, assistant_api, assistant_user, open_task, client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resp = assistant_api.post(
            url(item, "reveal/"),
            {"purpose": "Pay the plumber's invoice", "task": open_task.pk},
            format="json",
            REMOTE_ADDR="203.0.113.7",
        )
    assert resp.status_code == 200, resp.content
    assert resp["Cache-Control"] == "no-store"
    assert resp.json()["fields"] == {"username": "jdoe", "password": SECRET, "pin": PIN}
    reveal = VaultReveal.objects.get()
    assert (reveal.item_id, reveal.client_id, reveal.revealed_by_id, reveal.task_id) == (
        item.pk,
        client_user.pk,
        assistant_user.pk,
        open_task.pk,
    )
    assert reveal.purpose == "Pay the plumber's invoice"
    assert reveal.ip_address == "203.0.113.7"
    assert reveal.item_title == "Bank login"
    # The client chose to be told (the default), without the secret in the message.
    assert [m.to for m in mail.outbox] == [[client_user.email]]
    assert "Pay the plumber's invoice" in mail.outbox[0].body
    assert SECRET not in mail.outbox[0].body + mail.outbox[0].subject
    # The client reads it in the item's access log.
    log = client_api_get(item, client_user)
    assert [(r["revealed_by"], r["task"], r["purpose"]) for r in log] == [
        (assistant_user.pk, open_task.pk, "Pay the plumber's invoice")
    ]


def client_api_get(item, client_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(client_user)
    return api.get(url(item, "reveals/")).json()["results"]


def test_no_notification_when_the_client_opted_out_or_reveals_themself(
    item, client_api, assistant_api, open_task, django_capture_on_commit_callbacks
):
    assert (
        client_api.patch(url(item), {"notify_on_reveal": False}, format="json").status_code == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client_api.post(url(item, "reveal/"), {"purpose": "mine"}).status_code == 200
        resp = assistant_api.post(url(item, "reveal/"), {"purpose": "p", "task": open_task.pk})
        assert resp.status_code == 200
    assert mail.outbox == []
    assert VaultReveal.objects.count() == 2  # every reveal is recorded, the client's too


def test_reveal_needs_a_purpose_and_for_assistants_an_open_task_of_theirs(
    item, assistant_api, assistant_user, client_user, open_task
):
    assert_error(assistant_api.post(url(item, "reveal/"), {"task": open_task.pk}), 400, "invalid")
    body = assert_error(assistant_api.post(url(item, "reveal/"), {"purpose": "p"}), 400, "invalid")
    assert "task" in body["fields"]
    done = factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.COMPLETED
    )
    elsewhere = factories.TaskFactory(assignee=assistant_user, status=TaskStatus.IN_PROGRESS)
    for task in (done, elsewhere):
        resp = assistant_api.post(url(item, "reveal/"), {"purpose": "p", "task": task.pk})
        assert_error(resp, 400, "reveal_task_invalid")
        assert SECRET not in resp.content.decode()
    assert VaultReveal.objects.count() == 0


def test_assistant_loses_access_when_the_task_closes(item, assistant_api, open_task):
    assert assistant_api.get(url(item)).status_code == 200
    open_task.status = TaskStatus.COMPLETED
    open_task.save()
    assert_error(assistant_api.get(url(item)), 404, "not_found")
    resp = assistant_api.post(url(item, "reveal/"), {"purpose": "p", "task": open_task.pk})
    assert_error(resp, 404, "not_found")


def test_reveal_logs_no_secret(item, assistant_api, open_task, caplog):
    with caplog.at_level(logging.DEBUG):
        resp = assistant_api.post(url(item, "reveal/"), {"purpose": "p", "task": open_task.pk})
        assistant_api.post(url(item, "reveal/"), {"purpose": "p", "task": 10**9})
    assert resp.status_code == 200
    assert caplog.records  # the capture did see the request's log lines
    assert SECRET not in caplog.text and PIN not in caplog.text


def test_patch_merges_fields_and_validation_never_echoes_values(item, client_api):
    resp = client_api.patch(
        url(item), {"fields": {"pin": None, "password": "new-pass-9"}}, format="json"
    )
    assert resp.status_code == 200
    assert resp.json()["fields"] == ["password", "username"]
    revealed = client_api.post(url(item, "reveal/"), {"purpose": "check"}).json()["fields"]
    assert revealed == {"username": "jdoe", "password": "new-pass-9"}
    resp = client_api.patch(url(item), {"fields": {"username": None, "password": None}})
    assert_error(resp, 400, "invalid")
    long_value = "leaky-" + "x" * 10_000
    resp = client_api.post(
        URL, {"title": "t", "kind": "note", "fields": {"text": long_value}}, format="json"
    )
    assert_error(resp, 400, "invalid")
    assert "leaky-" not in resp.content.decode()
    for bad in ({}, {"bad/name": "v"}, {f"f{i}": "v" for i in range(31)}, ["a"]):
        resp = client_api.post(URL, {"title": "t", "kind": "card", "fields": bad}, format="json")
        assert_error(resp, 400, "invalid")
    assert_error(
        client_api.post(URL, {"title": "t", "kind": "safe", "fields": {"a": "b"}}), 400, "invalid"
    )


def test_deleted_item_keeps_its_audit(item, client_api, manager_api):
    client_api.post(url(item, "reveal/"), {"purpose": "check"})
    assert client_api.delete(url(item)).status_code == 204
    assert_error(client_api.get(url(item, "reveals/")), 404, "not_found")
    rows = client_api.get(URL + "reveals/", {"item": item.pk}).json()["results"]
    assert [r["item_title"] for r in rows] == ["Bank login"]
    assert manager_api.get(URL + "reveals/").json()["count"] == 1


# The audit is append-only. ---------------------------------------------------------------


def test_audit_rows_cannot_be_changed_or_deleted(item, client_api, manager_api, manager_user):
    client_api.post(url(item, "reveal/"), {"purpose": "check"})
    reveal = VaultReveal.objects.get()
    reveal.purpose = "rewritten"
    with pytest.raises(AppendOnly):
        reveal.save()
    with pytest.raises(AppendOnly):
        reveal.delete()
    assert VaultReveal.objects.get().purpose == "check"
    # No API path writes one.
    for method in ("put", "patch", "delete", "post"):
        resp = getattr(manager_api, method)(URL + "reveals/", {})
        assert resp.status_code == 405, (method, resp.status_code)
    # The admin shows it read-only, with no way to add, change or delete.
    manager_user.is_staff = manager_user.is_superuser = True
    request = RequestFactory().get("/admin/")
    request.user = manager_user
    model_admin = admin.site._registry[VaultReveal]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, reveal)
    assert not model_admin.has_delete_permission(request, reveal)
    assert "delete_selected" not in model_admin.get_actions(request)
    item_admin = admin.site._registry[VaultItem]
    assert "secret" not in item_admin.get_fields(request, item)


def test_admin_pages_show_no_secret(item, client_api, client, manager_user):
    client_api.post(url(item, "reveal/"), {"purpose": "check"})
    manager_user.is_staff = manager_user.is_superuser = True
    manager_user.save()
    client.force_login(manager_user)
    pages = [
        "/admin/concierge/vaultitem/",
        f"/admin/concierge/vaultitem/{item.pk}/change/",
        "/admin/concierge/vaultreveal/",
        f"/admin/concierge/vaultreveal/{VaultReveal.objects.get().pk}/change/",
    ]
    for page in pages:
        resp = client.get(page)
        assert resp.status_code == 200, page
        text = resp.content.decode()
        assert "Bank login" in text
        assert SECRET not in text and item.secret not in text
    resp = client.post(f"/admin/concierge/vaultreveal/{VaultReveal.objects.get().pk}/delete/")
    assert resp.status_code == 403
    assert VaultReveal.objects.count() == 1


@pytest.mark.parametrize("size", [1, 6])
def test_list_query_counts(size, api_for, open_task, client_user, django_assert_num_queries):
    from concierge import vault_services

    for n in range(size):
        vault_services.vault_item_create(
            client=client_user, title=f"item {n}", kind="note", fields={"text": "t"}
        )
    assistant = api_for(open_task.assignee)
    with django_assert_num_queries(3):  # token, count, page (the serving check is a subquery)
        assert assistant.get(URL).json()["count"] == size
    reveal_api = api_for(client_user)
    for item in VaultItem.objects.all():
        reveal_api.post(url(item, "reveal/"), {"purpose": "p"})
    with django_assert_num_queries(3):  # token, count, page with the revealer joined
        assert reveal_api.get(URL + "reveals/").json()["count"] == size
    first = VaultItem.objects.first()
    for _ in range(size - 1):
        reveal_api.post(url(first, "reveal/"), {"purpose": "again"})
    with django_assert_num_queries(4):  # token, the item is theirs, count, page
        assert reveal_api.get(url(first, "reveals/")).json()["count"] == size
