"""Files in a real browser: a client attaches a photo to a new task, the assistant
downloads it and delivers a PDF, the client downloads that; axe-clean at desktop and
phone widths, nothing loaded from outside."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from concierge.models import Task, TaskStatus
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_client_journeys import sign_in
from tests.concierge.attachments import samples

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": None},
        },
    }


def check_both_widths(visit, name):
    visit.page_check(name)
    visit.page.set_viewport_size(PHONE)
    visit.check_accessible()
    visit.page.set_viewport_size(DESKTOP)


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def test_a_photo_goes_in_and_a_pdf_comes_back(visit, tmp_path):
    assistant = factories.AssistantFactory(first_name="Ada")
    client = factories.ClientFactory(first_name="Nora")
    client.client_profile.primary_assistant = assistant
    client.client_profile.save()
    photo = tmp_path / "boiler.jpg"
    photo.write_bytes(samples.jpeg(size=(640, 480)))
    pdf_data = samples.pdf()
    pdf = tmp_path / "confirmation.pdf"
    pdf.write_bytes(pdf_data)

    # The client delegates, with the photo.
    page = sign_in(visit, client.email)
    page.get_by_role("link", name="Delegate a task").first.click()
    page.get_by_label("Title").fill("Fix the boiler")
    page.get_by_label("Description").fill("It leaks: see the photo.")
    page.get_by_label("Files (optional)").set_input_files(str(photo))
    check_both_widths(visit, "task-new-with-file")
    page.get_by_role("button", name="Create task").click()
    expect(page.get_by_role("heading", name="Fix the boiler", level=1)).to_be_visible()
    files = page.locator("#attachments")
    expect(files.get_by_role("link", name="boiler.jpg", exact=True)).to_be_visible()
    expect(files.locator("img")).to_have_count(1)
    check_both_widths(visit, "task-files")
    task = Task.objects.get(title="Fix the boiler")
    assert task.assignee == assistant
    sign_out(page)

    # The assistant downloads it: no camera, no position.
    page = sign_in(visit, assistant.email)
    page.goto(f"{visit.base_url}/app/tasks/{task.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download boiler.jpg").click()
    assert download.value.suggested_filename == "boiler.jpg"
    received = Image.open(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    assert received.format == "JPEG"
    assert received.size == (640, 480)
    assert dict(received.getexif()) == {}

    # … starts, and delivers with the confirmation.
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.locator("#status")).to_contain_text("In progress")
    page.get_by_label("Delivery note").fill("Booked for Tuesday; the confirmation is attached.")
    page.get_by_label("Documents for the client").set_input_files(str(pdf))
    check_both_widths(visit, "task-deliver-with-file")
    page.get_by_role("button", name="Deliver").click()
    expect(page.locator("#status")).to_contain_text("Delivered")
    files = page.locator("#attachments")
    delivered = files.get_by_role("link", name="confirmation.pdf", exact=True)
    expect(delivered).to_be_visible()
    task.refresh_from_db()
    assert task.status == TaskStatus.DELIVERED
    assert task.attachments.get(name="confirmation.pdf").deliverable
    sign_out(page)

    # The client downloads the deliverable.
    page = sign_in(visit, client.email)
    page.goto(f"{visit.base_url}/app/tasks/{task.pk}/")
    expect(page.locator("#attachments")).to_contain_text("Delivered")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download confirmation.pdf").click()
    assert open(download.value.path(), "rb").read() == pdf_data  # noqa: SIM115
    check_both_widths(visit, "task-delivered-files")
