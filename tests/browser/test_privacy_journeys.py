"""The vault, notifications and privacy pages in a real browser, on a desktop and a phone:
a client keeps an item and reads who opened it; an assistant reveals it from the task page,
copies a value and hides it again."""

import json
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from concierge import vault_services
from concierge.models import Notification, TaskStatus, VaultItem, VaultReveal
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_client_journeys import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "correct-horse-battery"


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def test_a_client_keeps_an_item_in_the_vault(visit):
    client = factories.ClientFactory(first_name="Nora")
    page = sign_in(visit, client.email)
    page.get_by_role("link", name="Vault").click()
    expect(page.get_by_text("Your vault is empty.")).to_be_visible()
    page.get_by_role("link", name="Add an item").click()
    page.get_by_label("Title").fill("Airline account")
    page.get_by_label("Kind").select_option(label="Login")
    page.get_by_label("Field name 1").fill("username")
    page.get_by_label("Value 1", exact=True).fill("nora")
    page.get_by_label("Field name 2").fill("password")
    page.get_by_label("Value 2", exact=True).fill(SECRET)
    visit.page_check("vault-new")
    page.get_by_role("button", name="Add to the vault").click()
    expect(page.get_by_role("heading", name="Airline account", level=1)).to_be_visible()
    expect(page.get_by_text("Nobody has opened this item yet.")).to_be_visible()
    item = VaultItem.objects.get(client=client)
    assert vault_services.vault_item_secrets(item)["password"] == SECRET

    assistant = factories.AssistantFactory(first_name="Ada", last_name="Helper")
    task = factories.TaskFactory(
        client=client, assignee=assistant, status=TaskStatus.IN_PROGRESS, title="Book a flight"
    )
    vault_services.vault_item_reveal(
        item=item, actor=assistant, purpose="to book the flight", task_id=task.pk
    )
    page.reload()
    log = page.locator("table")
    expect(log).to_contain_text("Ada Helper")
    expect(log).to_contain_text("to book the flight")
    assert SECRET not in page.content()
    visit.page_check("vault-detail")
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)

    page.get_by_role("link", name="Vault").first.click()
    expect(page.get_by_role("link", name="Airline account")).to_be_visible()
    no_sideways_scroll(page)
    visit.page_check("vault")


def test_an_assistant_reveals_an_item_from_the_task_page(visit):
    client = factories.ClientFactory()
    assistant = factories.AssistantFactory()
    vault_services.vault_item_create(
        client=client, title="Airline account", kind="login", fields={"password": SECRET}
    )
    task = factories.TaskFactory(
        client=client, assignee=assistant, status=TaskStatus.IN_PROGRESS, title="Book a flight"
    )
    page = sign_in(visit, assistant.email)
    page.goto(visit.base_url + f"/app/tasks/{task.pk}/")
    vault = page.locator("#task-vault")
    expect(vault).to_contain_text("Airline account")
    vault.locator("summary").click()
    vault.get_by_label("Purpose").fill("to book the flight")
    page.evaluate("window.notReloaded = true")
    vault.get_by_role("button", name="Reveal").click()
    field = vault.get_by_label("password", exact=True)
    expect(field).to_have_value(SECRET)
    assert page.evaluate("window.notReloaded") is True
    reveal = VaultReveal.objects.get()
    assert (reveal.task_id, reveal.purpose) == (task.pk, "to book the flight")
    visit.page_check("vault-revealed")

    vault.get_by_role("button", name="Copy").click()
    vault.get_by_role("button", name="Hide").click()
    expect(vault).to_contain_text("Hidden.")
    assert SECRET not in page.content()

    # Leaving and coming back (Back): the value is not on the page again.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
    expect(page).to_have_url(re.compile(r"/app/tasks/$"))
    page.go_back()
    expect(page.locator("#task-vault")).to_be_visible()
    assert SECRET not in page.content()


def test_notifications_unread_first_marked_read_in_place(visit):
    client = factories.ClientFactory()
    task = factories.TaskFactory(client=client, title="Renew the passport")
    Notification.objects.create(user=client, subject="An old note", body="Read already.")
    Notification.objects.filter(user=client).update(read_at=timezone.now())
    Notification.objects.create(
        user=client, subject="Your task is delivered", body="Have a look.", data={"task": task.pk}
    )
    Notification.objects.create(user=client, subject="A new invoice", body="For November.")
    page = sign_in(visit, client.email)
    header = page.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(header).to_have_text(re.compile(r"2\s*unread"))
    header.click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    items = page.locator(".inbox-list > li")
    expect(items.nth(2)).to_contain_text("An old note")
    visit.page_check("notifications")

    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Mark read “A new invoice”").click()
    expect(header).to_have_text(re.compile(r"1\s*unread"))
    expect(page.get_by_role("button", name="Mark read “A new invoice”")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True

    page.get_by_label("A new message on a task").uncheck()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Your choices are saved.")).to_be_visible()
    expect(page.get_by_label("A new message on a task")).not_to_be_checked()
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    page.get_by_role("link", name="Your task is delivered").click()
    expect(page.get_by_role("heading", name="Renew the passport", level=1)).to_be_visible()


def test_a_client_downloads_their_data_then_erases_it(visit):
    client = factories.ClientFactory()
    factories.TaskFactory(client=client, title="Renew the passport")
    page = sign_in(visit, client.email)
    page.get_by_role("link", name="Your data and privacy").click()
    expect(page.get_by_role("heading", name="What is kept, and why")).to_be_visible()
    visit.page_check("privacy")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    assert download.value.suggested_filename == "concierge-export.json"
    data = json.loads(Path(download.value.path()).read_text())
    assert data["tasks"][0]["title"] == "Renew the passport"

    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    page.get_by_label("Your password").fill(factories.PASSWORD)
    page.get_by_label("I understand that this cannot be undone.").check()
    page.get_by_role("button", name="Erase my data").click()
    expect(page.get_by_text("Your data is erased and you are signed out.")).to_be_visible()
    client.refresh_from_db()
    assert client.erased_at is not None


def test_a_client_keeps_a_document_and_downloads_it(visit, settings, tmp_path):
    from tests.concierge.attachments import samples

    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments"), "base_url": None},
        },
    }
    client = factories.ClientFactory()
    item = vault_services.vault_item_create(
        client=client, title="Passport", kind="document", fields={"number": "12AB34567"}
    )
    page = sign_in(visit, client.email)
    page.goto(visit.base_url + f"/app/vault/{item.pk}/")
    expect(page.get_by_text("No file yet.")).to_be_visible()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "passport.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()}
    )
    page.get_by_role("button", name="Keep a file").click()
    expect(page.get_by_text("“passport.pdf” is kept in the vault.")).to_be_visible()
    visit.page_check("vault-document")
    page.locator("#document-heading + p + form").get_by_label("Purpose").fill("renewal")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the file").click()
    assert download.value.suggested_filename == "passport.pdf"
    assert Path(download.value.path()).read_bytes() == samples.pdf()
    assert VaultReveal.objects.get().purpose == "renewal"
