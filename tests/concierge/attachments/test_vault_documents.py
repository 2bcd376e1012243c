"""A vault document holding a file: encrypted at rest, set and removed by its owner,
revealed (and recorded) like the vault's other secrets."""

import io

import pytest

from concierge.models import TaskStatus, VaultDocument, VaultItem, VaultReveal
from tests import factories
from tests.concierge.attachments import samples

pytestmark = pytest.mark.django_db
URL = "/api/v1/vault/"


@pytest.fixture
def open_task(client_user, assistant_user):
    return factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )


@pytest.fixture
def item(client_api, open_task):
    response = client_api.post(
        URL,
        {"title": "Passport", "kind": "document", "fields": {"number": "12AB34567"}},
        format="json",
    )
    assert response.status_code == 201, response.content
    return VaultItem.objects.get(pk=response.json()["id"])


def attach(api, item, name="passport.pdf", data=None):
    return api.post(
        f"{URL}{item.pk}/document/",
        {"file": samples.upload(name, data if data is not None else samples.pdf())},
        format="multipart",
    )


def test_the_owner_sets_a_document_stored_encrypted(client_api, item, attachment_root):
    response = attach(client_api, item)
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "passport.pdf"
    assert response.json()["content_type"] == "application/pdf"
    assert response.json()["size"] == len(samples.pdf())
    (stored,) = [p for p in attachment_root.rglob("*") if p.is_file()]
    assert b"%PDF" not in stored.read_bytes()  # a Fernet token, not the file
    assert client_api.get(f"{URL}{item.pk}/document/").json()["name"] == "passport.pdf"


def test_revealing_the_document_is_recorded(
    client_api, assistant_api, item, open_task, client_user
):
    photo = samples.jpeg()
    assert attach(client_api, item, "scan.jpg", photo).status_code == 201
    response = assistant_api.post(
        f"{URL}{item.pk}/document/reveal/",
        {"purpose": "Visa application", "task": open_task.pk},
        format="json",
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="scan.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content[:3] == b"\xff\xd8\xff"
    assert b"SpyCam" not in response.content  # cleaned like any photo
    reveal = VaultReveal.objects.get(pk=response["X-Vault-Reveal"])
    assert (reveal.purpose, reveal.task_id, reveal.client) == (
        "Visa application",
        open_task.pk,
        client_user,
    )


def test_who_may_not(
    anon_api, assistant_api, other_client_api, other_assistant_api, manager_api, client_api, item
):
    assert attach(client_api, item).status_code == 201
    assert anon_api.get(f"{URL}{item.pk}/document/").status_code == 401
    assert attach(anon_api, item).status_code == 401
    for api in (other_client_api, other_assistant_api):
        assert api.get(f"{URL}{item.pk}/document/").status_code == 404
        assert attach(api, item).status_code == 404
        response = api.post(f"{URL}{item.pk}/document/reveal/", {"purpose": "x"}, format="json")
        assert response.status_code == 404
    # The serving assistant reads its name, but may not replace it, nor reveal it without
    # naming a task; managers never see the file.
    assert assistant_api.get(f"{URL}{item.pk}/document/").status_code == 200
    response = attach(assistant_api, item)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    response = assistant_api.post(
        f"{URL}{item.pk}/document/reveal/", {"purpose": "x"}, format="json"
    )
    assert response.status_code == 400
    assert manager_api.post(
        f"{URL}{item.pk}/document/reveal/", {"purpose": "x"}, format="json"
    ).status_code in (403, 404)
    assert VaultReveal.objects.count() == 0


def test_only_documents_hold_a_file_and_the_rules_of_files_apply(client_api, settings):
    login = client_api.post(
        URL, {"title": "Bank", "kind": "login", "fields": {"user": "me"}}, format="json"
    ).json()
    response = client_api.post(
        f"{URL}{login['id']}/document/",
        {"file": samples.upload("a.pdf", samples.pdf())},
        format="multipart",
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    document = client_api.post(
        URL, {"title": "ID", "kind": "document", "fields": {"n": "1"}}, format="json"
    ).json()
    item = VaultItem.objects.get(pk=document["id"])
    response = attach(client_api, item, "page.pdf", samples.HTML)
    assert (response.status_code, response.json()["code"]) == (415, "file_type_not_allowed")
    settings.VAULT_DOCUMENT_MAX_BYTES = 1000
    response = attach(client_api, item, "big.pdf", samples.pdf(extra=4096))
    assert (response.status_code, response.json()["code"]) == (413, "file_too_large")
    assert not VaultDocument.objects.exists()


def test_replacing_and_deleting_remove_the_stored_file(
    client_api, item, attachment_root, django_capture_on_commit_callbacks
):
    def stored():
        return [p for p in attachment_root.rglob("*") if p.is_file()]

    with django_capture_on_commit_callbacks(execute=True):
        attach(client_api, item, "old.pdf")
    first = stored()
    with django_capture_on_commit_callbacks(execute=True):
        attach(client_api, item, "new.pdf")
    assert len(stored()) == 1 and stored() != first
    with django_capture_on_commit_callbacks(execute=True):
        assert client_api.delete(f"{URL}{item.pk}/document/").status_code == 204
    assert stored() == []
    with django_capture_on_commit_callbacks(execute=True):
        attach(client_api, item, "again.pdf")
        assert client_api.delete(f"{URL}{item.pk}/").status_code == 204  # the whole item
    assert stored() == []


def test_the_zip_export_carries_the_document_decrypted(client_api, item):
    import io
    import json
    import zipfile

    data = samples.pdf(extra=2048)
    attach(client_api, item, "passport.pdf", data)
    response = client_api.get("/api/v1/me/export/", {"format": "zip"})
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    (row,) = json.loads(archive.read("export.json"))["vault_documents"]
    assert row["in_zip"] == f"vault/{item.pk}/passport.pdf"
    assert archive.read(row["in_zip"]) == data


def test_key_rotation_rewrites_the_files(client_api, item, settings, attachment_root):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    data = samples.pdf()
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    attach(client_api, item, "passport.pdf", data)
    (before,) = [p for p in attachment_root.rglob("*") if p.is_file()]
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    document = VaultDocument.objects.get()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key dropped
    with document.file.open("rb") as stored:
        assert Fernet(new_key).decrypt(stored.read()) == data
    assert document.file.name != str(before.relative_to(attachment_root))
