"""Files in the portal: attached when delegating, on the task page (with a message), with
a delivery; downloads and previews through the same checks as the API; a resent form
adds nothing twice."""

import io
import re

import pytest
from django.test import Client
from PIL import Image

from concierge.models import Attachment, Message, Task, TaskStatus
from tests import factories
from tests.concierge.attachments import samples
from tests.web.checks import assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db

KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')


@pytest.fixture
def web_for(db):
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def task(client_user, assistant_user):
    return factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_anonymous_is_sent_to_sign_in(task):
    attachment_paths = [f"/app/tasks/{task.pk}/attachments/"]
    response = Client().post(attachment_paths[0], {"files": samples.upload("a.pdf", samples.pdf())})
    assert_sends_to_sign_in(response, attachment_paths[0])
    assert not Attachment.objects.exists()
    assert_sends_to_sign_in(
        Client().get("/app/attachments/1/download/"), "/app/attachments/1/download/"
    )


def test_a_client_delegates_with_a_photo(web_for, client_user):
    web = web_for(client_user)
    page = assert_page(web.get("/app/tasks/new/"), 'type="file"', 'enctype="multipart/form-data"')
    key = KEY.search(page).group(1)
    form = {
        "title": "Fix the boiler",
        "description": "It leaks; photo attached.",
        "priority": "normal",
        "idempotency_key": key,
        "files": [samples.upload("boiler.jpg", samples.jpeg())],
    }
    response = web.post("/app/tasks/new/", form)
    assert response.status_code == 302, response.content[:800]
    task = Task.objects.get(title="Fix the boiler")
    (photo,) = task.attachments.all()
    assert (photo.name, photo.content_type, photo.uploaded_by) == (
        "boiler.jpg",
        "image/jpeg",
        client_user,
    )
    # The form sent again (a double click, a reload) adds neither a task nor a file.
    form["files"] = [samples.upload("boiler.jpg", samples.jpeg())]
    again = web.post("/app/tasks/new/", form)
    assert again.status_code == 302
    assert Task.objects.filter(title="Fix the boiler").count() == 1
    assert Attachment.objects.count() == 1

    page = assert_page(web.get(f"/app/tasks/{task.pk}/"), "boiler.jpg", "Files")
    assert f"/app/attachments/{photo.pk}/preview/" in page
    preview = web.get(f"/app/attachments/{photo.pk}/preview/")
    assert Image.open(io.BytesIO(body_of(preview))).format == "WEBP"


def test_a_refused_file_leaves_no_task(web_for, client_user):
    web = web_for(client_user)
    response = web.post(
        "/app/tasks/new/",
        {
            "title": "Look at this",
            "priority": "normal",
            "files": [samples.upload("cat.png", samples.SVG)],
        },
    )
    body = assert_page(response, "Web pages, SVG and XML files are not accepted", status=400)
    assert 'value="Look at this"' in body  # the form keeps what was typed
    assert not Task.objects.exists()
    assert not Attachment.objects.exists()


def test_files_with_a_message_on_the_task_page(web_for, client_user, assistant_user, task):
    web = web_for(client_user)
    response = web.post(
        f"/app/tasks/{task.pk}/attachments/",
        {
            "message": "The two quotes",
            "files": [
                samples.upload("quote-a.pdf", samples.pdf()),
                samples.upload("quote-b.pdf", samples.pdf()),
            ],
        },
    )
    assert response.status_code == 302
    message = Message.objects.get(task=task)
    assert message.body == "The two quotes"
    assert sorted(a.name for a in message.attachments.all()) == ["quote-a.pdf", "quote-b.pdf"]
    page = assert_page(web_for(assistant_user).get(f"/app/tasks/{task.pk}/"), "quote-a.pdf")
    assert "2 files added." not in page  # the message was for the client's page


def test_a_refused_file_is_said_on_the_task_page(web_for, client_user, task, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    web = web_for(client_user)
    response = web.post(
        f"/app/tasks/{task.pk}/attachments/",
        {"files": [samples.upload("big.pdf", samples.pdf(extra=4096))]},
        HTTP_REFERER=f"http://testserver/app/tasks/{task.pk}/",
        follow=True,
    )
    assert_page(response, "files of at most 0.0 MB are accepted")
    assert not Attachment.objects.exists()


def test_another_client_gets_404(web_for, other_client_user, client_user, task):
    web_for(client_user).post(
        f"/app/tasks/{task.pk}/attachments/", {"files": [samples.upload("a.pdf", samples.pdf())]}
    )
    (attachment,) = Attachment.objects.all()
    other = web_for(other_client_user)
    assert other.get(f"/app/attachments/{attachment.pk}/download/").status_code == 404
    assert other.post(f"/app/attachments/{attachment.pk}/delete/").status_code == 404
    response = other.post(
        f"/app/tasks/{task.pk}/attachments/", {"files": [samples.upload("b.pdf", samples.pdf())]}
    )
    assert response.status_code == 404
    assert Attachment.objects.count() == 1


def test_the_assistant_delivers_with_a_pdf_and_the_client_downloads_it(
    web_for, client_user, assistant_user, task
):
    assistant = web_for(assistant_user)
    page = assert_page(assistant.get(f"/app/tasks/{task.pk}/"), "Documents for the client")
    key = KEY.search(page).group(1)
    response = assistant.post(
        f"/app/tasks/{task.pk}/deliver/",
        {
            "message": "Booked; the confirmation is attached.",
            "files": [samples.upload("confirmation.pdf", samples.pdf())],
            "idempotency_key": key,
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DELIVERED
    (pdf,) = task.attachments.all()
    assert pdf.deliverable

    client = web_for(client_user)
    assert_page(client.get(f"/app/tasks/{task.pk}/"), "confirmation.pdf", "Delivered")
    download = client.get(f"/app/attachments/{pdf.pk}/download/?download=1")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="confirmation.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert body_of(download) == samples.pdf()


def test_a_delivery_refused_keeps_no_file(web_for, assistant_user, task):
    task.status = TaskStatus.WAITING_ON_CLIENT  # deliver is not a move from here
    task.save()
    response = web_for(assistant_user).post(
        f"/app/tasks/{task.pk}/deliver/",
        {"files": [samples.upload("x.pdf", samples.pdf())]},
        HTTP_REFERER=f"http://testserver/app/tasks/{task.pk}/",
    )
    assert response.status_code == 302
    assert not Attachment.objects.exists()


def test_the_uploader_deletes_from_the_page(
    web_for, client_user, assistant_user, task, attachment_root, django_capture_on_commit_callbacks
):
    client = web_for(client_user)
    client.post(
        f"/app/tasks/{task.pk}/attachments/", {"files": [samples.upload("a.pdf", samples.pdf())]}
    )
    (attachment,) = Attachment.objects.all()
    page = assert_page(client.get(f"/app/tasks/{task.pk}/"), "Delete a.pdf")
    assert "Delete a.pdf" not in assert_page(web_for(assistant_user).get(f"/app/tasks/{task.pk}/"))
    refused = web_for(assistant_user).post(f"/app/attachments/{attachment.pk}/delete/")
    assert refused.status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/app/attachments/{attachment.pk}/delete/")
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not [p for p in attachment_root.rglob("*") if p.is_file()]
    assert page


def test_a_message_shows_its_files(web_for, client_user, assistant_user, task):
    web_for(client_user).post(
        f"/app/tasks/{task.pk}/attachments/",
        {"message": "Both quotes", "files": [samples.upload("quote-a.pdf", samples.pdf())]},
    )
    (attachment,) = Attachment.objects.all()
    page = assert_page(web_for(assistant_user).get(f"/app/tasks/{task.pk}/"), "Both quotes")
    messages = page[page.index('id="messages"') : page.index('id="attachments"')]
    assert f"/app/attachments/{attachment.pk}/download/" in messages
