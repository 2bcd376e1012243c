"""A document item's file in the portal: the client keeps, replaces and removes it; the
client or an assistant serving them downloads it naming the purpose, recorded as a reveal."""

import pytest

from concierge import vault_services
from concierge.models import TaskStatus, VaultDocument, VaultReveal
from tests import factories
from tests.concierge.attachments import samples
from tests.web.checks import assert_page


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path):
    """The test's files in a folder of its own, on local storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments"), "base_url": None},
        },
    }


@pytest.fixture
def item(client_user):
    return vault_services.vault_item_create(
        client=client_user, title="Passport", kind="document", fields={"number": "12AB34567"}
    )


def upload(web, item, name="passport.pdf"):
    return web.post(
        f"/app/vault/{item.pk}/document/", {"file": samples.upload(name, samples.pdf())}
    )


def test_the_client_keeps_a_file_then_removes_it(client_web, item):
    assert_page(client_web.get(f"/app/vault/{item.pk}/"), "No file yet.", "Keep a file")
    response = upload(client_web, item)
    assert response["Location"] == f"/app/vault/{item.pk}/"
    document = VaultDocument.objects.get(item=item)
    assert document.name == "passport.pdf"
    page = assert_page(client_web.get(f"/app/vault/{item.pk}/"), "passport.pdf", "Replace the file")
    assert "Download the file" in page
    client_web.post(f"/app/vault/{item.pk}/document/remove/")
    assert not VaultDocument.objects.filter(item=item).exists()


def test_a_refused_file_is_said_and_kept_out(client_web, item):
    response = client_web.post(
        f"/app/vault/{item.pk}/document/",
        {"file": samples.upload("page.html", b"<html><script>x</script></html>")},
        follow=True,
    )
    assert response.status_code == 200
    assert (
        'class="flash flash-error"' in response.content.decode()
        or "error" in response.content.decode()
    )
    assert not VaultDocument.objects.exists()


def test_an_assistant_downloads_it_for_their_task(web_for, client_web, item, assistant_user):
    upload(client_web, item)
    task = factories.TaskFactory(
        client=item.client, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )
    web = web_for(assistant_user)
    assert_page(web.get(f"/app/tasks/{task.pk}/"), "The file of “Passport”")
    response = web.post(
        f"/app/vault/{item.pk}/document/download/", {"purpose": "visa form", "task": task.pk}
    )
    assert response.status_code == 200
    assert response.content == samples.pdf()
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    reveal = VaultReveal.objects.get()
    assert (reveal.revealed_by, reveal.task, reveal.purpose) == (assistant_user, task, "visa form")
    # Without a purpose: nothing is sent, nothing recorded.
    refused = web.post(f"/app/vault/{item.pk}/document/download/", {"task": task.pk})
    assert refused.status_code == 302
    assert VaultReveal.objects.count() == 1


def test_others_cannot_touch_the_file(other_client_web, web_for, client_web, item):
    upload(client_web, item)
    for path in ("document/", "document/remove/", "document/download/"):
        response = other_client_web.post(f"/app/vault/{item.pk}/{path}", {"purpose": "x"})
        assert response.status_code == 404, path
    stranger = web_for(factories.AssistantFactory())
    assert (
        stranger.post(f"/app/vault/{item.pk}/document/download/", {"purpose": "x"}).status_code
        == 404
    )
    assert VaultDocument.objects.filter(item=item).exists()
    assert not VaultReveal.objects.exists()
