"""Privacy in the portal: the export as a download, the erasure confirmed with the
password, and what is kept and why."""

import io
import json
import zipfile

from concierge import vault_services
from concierge.models import Task, User, VaultItem, VaultReveal
from tests import factories
from tests.web.checks import assert_page, assert_sends_to_sign_in


def test_anonymous_visitors_are_sent_to_sign_in(client, client_user):
    assert_sends_to_sign_in(client.get("/app/privacy/"), "/app/privacy/")
    assert client.post("/app/privacy/export/").status_code == 302
    assert client.post("/app/privacy/erase/", {"password": factories.PASSWORD}).status_code == 302
    client_user.refresh_from_db()
    assert client_user.erased_at is None


def test_the_page_says_what_is_kept_and_why(client_web):
    assert_page(
        client_web.get("/app/privacy/"),
        "What is kept, and why",
        "10 years from the invoice date, as accounting law requires",
        "Download my data",
        "Erase my data",
    )


def test_the_export_is_a_json_download_recorded_in_the_vault_log(client_web, client_user):
    item = vault_services.vault_item_create(
        client=client_user, title="Bank", kind="login", fields={"password": "s3cret"}
    )
    factories.TaskFactory(client=client_user, title="Renew the passport")
    response = client_web.post("/app/privacy/export/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="concierge-export.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["user"]["email"] == client_user.email
    assert [t["title"] for t in data["tasks"]] == ["Renew the passport"]
    assert data["vault_items"][0]["fields"] == {"password": "s3cret"}
    assert VaultReveal.objects.filter(item_id=item.pk, revealed_by=client_user).exists()


def test_the_export_as_a_zip(client_web, client_user):
    response = client_web.post("/app/privacy/export/", {"format": "zip"})
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "export.json" in archive.namelist()
    assert json.loads(archive.read("export.json"))["user"]["id"] == client_user.pk


def test_staff_export_but_do_not_erase_themselves(assistant_web, assistant_user):
    body = assert_page(assistant_web.get("/app/privacy/"), "Download my data")
    assert "Your password" not in body
    assert assistant_web.post("/app/privacy/export/").status_code == 200
    refused = assistant_web.post(
        "/app/privacy/erase/", {"password": factories.PASSWORD, "understood": "on"}
    )
    assert refused.status_code == 403
    assistant_user.refresh_from_db()
    assert assistant_user.erased_at is None


def test_a_wrong_password_erases_nothing(client_web, client_user):
    response = client_web.post("/app/privacy/erase/", {"password": "not-it", "understood": "on"})
    assert_page(response, "The password is wrong.", status=400)
    unticked = client_web.post("/app/privacy/erase/", {"password": factories.PASSWORD})
    assert_page(unticked, "Tick this to confirm.", status=400)
    client_user.refresh_from_db()
    assert client_user.erased_at is None


def test_a_client_erases_their_data_and_is_signed_out(client_web, client_user):
    vault_services.vault_item_create(
        client=client_user, title="Bank", kind="login", fields={"password": "s3cret"}
    )
    task = factories.TaskFactory(client=client_user, title="Renew the passport")
    response = client_web.post(
        "/app/privacy/erase/",
        {"password": factories.PASSWORD, "understood": "on"},
        follow=True,
    )
    assert_page(response, "Your data is erased and you are signed out.")
    user = User.objects.get(pk=client_user.pk)
    assert user.erased_at is not None and not user.is_active
    assert not VaultItem.objects.filter(client=user).exists()
    assert Task.objects.get(pk=task.pk).title != "Renew the passport"
    again = client_web.get("/app/")
    assert again.status_code == 302
