"""Files on tasks through the API: who may list, add, read, download and delete them,
and every way an upload is refused."""

import io

import pytest
from PIL import Image

from concierge import services
from concierge.models import Attachment, Message, Notification, TaskStatus
from tests import factories
from tests.concierge.attachments import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(client_user, assistant_user):
    return factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )


def url(task):
    return f"/api/v1/tasks/{task.pk}/attachments/"


def post(api, task, name, data, **extra):
    return api.post(url(task), {"file": samples.upload(name, data), **extra}, format="multipart")


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def photo(client_api, task):
    response = post(client_api, task, "boiler.jpg", samples.jpeg())
    assert response.status_code == 201, response.json()
    return response.json()


# Anonymous, other tenants, former assignees ------------------------------------------------


def test_anonymous_is_401_everywhere(anon_api, task, photo):
    for path in (
        url(task),
        f"/api/v1/attachments/{photo['id']}/",
        f"/api/v1/attachments/{photo['id']}/download/",
        f"/api/v1/attachments/{photo['id']}/preview/",
    ):
        response = anon_api.get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"
    assert post(anon_api, task, "x.pdf", samples.pdf()).status_code == 401
    assert anon_api.delete(f"/api/v1/attachments/{photo['id']}/").status_code == 401


def test_another_client_and_an_unassigned_assistant_get_404(
    other_client_api, other_assistant_api, task, photo
):
    for api in (other_client_api, other_assistant_api):
        assert api.get(url(task)).status_code == 404
        assert post(api, task, "x.pdf", samples.pdf()).status_code == 404
        for suffix in ("", "download/", "preview/"):
            response = api.get(f"/api/v1/attachments/{photo['id']}/{suffix}")
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"
        assert api.delete(f"/api/v1/attachments/{photo['id']}/").status_code == 404
    assert Attachment.objects.count() == 1


def test_a_former_assignee_loses_the_files_with_the_task(
    assistant_api, manager_user, other_assistant_user, api_for, task, photo
):
    services.task_assign(task=task, actor=manager_user, assistant=other_assistant_user)
    assert assistant_api.get(f"/api/v1/attachments/{photo['id']}/download/").status_code == 404
    assert assistant_api.get(url(task)).status_code == 404
    new = api_for(other_assistant_user)
    assert new.get(f"/api/v1/attachments/{photo['id']}/download/").status_code == 200


def test_a_client_never_sees_a_file_on_an_internal_note(client_api, assistant_user, task):
    from concierge.attachments import services as attachment_services

    (note_file,) = attachment_services.attachments_add(
        task=task,
        actor=assistant_user,
        files=[samples.upload("notes.txt", samples.TEXT)],
        message="For the team only",
        internal=True,
    )
    assert client_api.get(url(task)).json()["count"] == 0
    assert client_api.get(f"/api/v1/attachments/{note_file.pk}/").status_code == 404


def test_a_client_cannot_attach_to_an_internal_note(client_user, task):
    from concierge.attachments import services as attachment_services
    from concierge.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        attachment_services.attachments_add(
            task=task,
            actor=client_user,
            files=[samples.upload("a.pdf", samples.pdf())],
            internal=True,
        )
    assert refused.value.code == "internal_note_staff_only"
    assert Attachment.objects.count() == 0


# The happy path ----------------------------------------------------------------------------


def test_client_attaches_a_photo_and_the_assignee_downloads_it(
    client_user, assistant_api, photo, task
):
    assert photo["task"] == task.pk
    assert photo["name"] == "boiler.jpg"
    assert photo["content_type"] == "image/jpeg"
    assert photo["uploaded_by"] == client_user.pk
    assert photo["uploaded_by_name"] == client_user.full_name
    assert photo["message"] is None
    assert photo["deliverable"] is False
    assert photo["preview_url"].endswith(f"/api/v1/attachments/{photo['id']}/preview/")
    assert photo["download_url"].endswith(f"/api/v1/attachments/{photo['id']}/download/")

    listed = assistant_api.get(url(task)).json()
    assert [row["id"] for row in listed["results"]] == [photo["id"]]
    assert assistant_api.get(f"/api/v1/attachments/{photo['id']}/").json() == photo

    response = assistant_api.get(f"/api/v1/attachments/{photo['id']}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="boiler.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]  # nothing in it ever runs
    assert "private" in response["Cache-Control"]
    data = body_of(response)
    assert len(data) == photo["size"]
    assert Image.open(io.BytesIO(data)).format == "JPEG"

    forced = assistant_api.get(f"/api/v1/attachments/{photo['id']}/download/?download=1")
    assert forced["Content-Disposition"] == 'attachment; filename="boiler.jpg"'

    preview = assistant_api.get(f"/api/v1/attachments/{photo['id']}/preview/")
    assert preview.status_code == 200
    assert preview["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(body_of(preview))).format == "WEBP"


def test_the_client_is_told_of_a_file_the_assignee_adds(client_user, assistant_api, task):
    response = post(assistant_api, task, "quote.pdf", samples.pdf())
    assert response.status_code == 201
    notice = Notification.objects.get(user=client_user)
    assert "quote.pdf" in notice.body
    assert notice.data == {"task": task.pk}


def test_a_message_posted_with_the_file(client_api, assistant_user, task):
    response = post(client_api, task, "bill.pdf", samples.pdf(), message="Here is the bill")
    assert response.status_code == 201
    message = Message.objects.get(task=task)
    assert message.body == "Here is the bill"
    assert response.json()["message"] == message.pk
    assert Notification.objects.filter(user=assistant_user).count() == 1  # one, the message


def test_a_manager_reads_and_adds_files(manager_api, task, photo):
    assert manager_api.get(f"/api/v1/attachments/{photo['id']}/download/").status_code == 200
    assert post(manager_api, task, "note.txt", samples.TEXT).status_code == 201


def test_a_pdf_shows_inline_other_files_download(client_api, task):
    pdf = post(client_api, task, "quote.pdf", samples.pdf()).json()
    data = samples.docx()
    doc = post(client_api, task, "letter.docx", data).json()
    assert doc["content_type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert doc["preview_url"] is None
    shown = client_api.get(pdf["download_url"])
    assert shown["Content-Disposition"].startswith("inline;")
    assert shown["Content-Type"] == "application/pdf"
    # The browser's PDF viewer would not open in a sandbox; scripts still may not load.
    assert shown["Content-Security-Policy"].startswith("default-src 'none'")
    assert "sandbox" not in shown["Content-Security-Policy"]
    downloaded = client_api.get(doc["download_url"])
    assert downloaded["Content-Disposition"] == 'attachment; filename="letter.docx"'
    assert downloaded["X-Content-Type-Options"] == "nosniff"
    assert body_of(downloaded) == data


def test_the_uploader_deletes_a_file_while_the_task_is_open(
    client_api, task, photo, attachment_root, django_capture_on_commit_callbacks
):
    assert len(stored_files(attachment_root)) == 2  # the photo and its preview
    with django_capture_on_commit_callbacks(execute=True):
        response = client_api.delete(f"/api/v1/attachments/{photo['id']}/")
    assert response.status_code == 204
    assert not Attachment.objects.exists()
    assert stored_files(attachment_root) == []


def test_only_the_uploader_deletes(assistant_api, manager_api, photo):
    for api in (assistant_api, manager_api):
        response = api.delete(f"/api/v1/attachments/{photo['id']}/")
        assert response.status_code == 403
        assert response.json()["code"] == "not_uploader"
    assert Attachment.objects.count() == 1


def test_a_closed_task_keeps_its_files_and_takes_no_more(client_api, task, photo):
    task.status = TaskStatus.COMPLETED
    task.save()
    response = client_api.delete(f"/api/v1/attachments/{photo['id']}/")
    assert (response.status_code, response.json()["code"]) == (409, "task_closed")
    response = post(client_api, task, "late.pdf", samples.pdf())
    assert (response.status_code, response.json()["code"]) == (409, "task_closed")
    assert client_api.get(f"/api/v1/attachments/{photo['id']}/download/").status_code == 200


def test_a_repeated_upload_with_its_idempotency_key_is_stored_once(client_api, task):
    first = client_api.post(
        url(task),
        {"file": samples.upload("a.pdf", samples.pdf())},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    again = client_api.post(
        url(task),
        {"file": samples.upload("a.pdf", samples.pdf())},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Attachment.objects.count() == 1


# Bad input ---------------------------------------------------------------------------------


def test_no_file_is_400(client_api, task):
    response = client_api.post(url(task), {"message": "hello"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "file" in response.json()["fields"]


def test_an_empty_file_is_400(client_api, task):
    response = post(client_api, task, "empty.pdf", b"")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_json_is_415(client_api, task):
    response = client_api.post(url(task), {"file": "x"}, format="json")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_file_over_the_limit_is_413_and_nothing_is_kept(
    client_api, task, settings, attachment_root
):
    settings.ATTACHMENT_MAX_BYTES = 100_000
    response = post(client_api, task, "big.pdf", samples.pdf(extra=200_000))
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert "0.1 MB" in response.json()["detail"]
    assert not Attachment.objects.exists()
    assert stored_files(attachment_root) == []


def test_an_image_with_too_many_pixels_is_413(client_api, task, settings):
    settings.ATTACHMENT_IMAGE_MAX_PIXELS = 1000
    response = post(client_api, task, "huge.jpg", samples.jpeg(size=(100, 100)))
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cute.png", samples.HTML),
        ("cute.png", samples.SVG),
        ("logo.svg", samples.SVG),
        ("page.html", samples.HTML),
        ("setup.pdf", samples.EXE),
        ("report.docx", samples.docx(macros=True)),
        ("noise.bin", bytes(range(256)) * 8),
        ("notes.txt", b"  <script>alert(1)</script> hello"),
        ("broken.jpg", b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20),
    ],
)
def test_what_is_not_accepted_is_415(client_api, task, name, data, attachment_root):
    response = post(client_api, task, name, data, content_type="image/png")
    assert response.status_code == 415, response.json()
    assert response.json()["code"] == "file_type_not_allowed"
    assert stored_files(attachment_root) == []


@pytest.mark.parametrize(
    ("name", "data", "content_type", "stored_as"),
    [
        ("photo.png", samples.jpeg(), "image/jpeg", "photo.jpg"),  # the content decides
        ("photo.jpeg", samples.jpeg(), "image/jpeg", "photo.jpeg"),
        ("scan", samples.pdf(), "application/pdf", "scan.pdf"),
        ("list.csv", b"a,b\n1,2\n", "text/csv", "list.csv"),
        ("list.html", samples.TEXT, "text/plain", "list.html.txt"),
        ("letter.odt", samples.odt(), "application/vnd.oasis.opendocument.text", "letter.odt"),
        ("anim.gif", samples.gif(), "image/gif", "anim.gif"),
        ("../../etc/pass\u202ewd.pdf", samples.pdf(), "application/pdf", "passwd.pdf"),
        ("C:\\Users\\me\\.hidden.pdf", samples.pdf(), "application/pdf", "hidden.pdf"),
        ("two   spaces .pdf", samples.pdf(), "application/pdf", "two spaces .pdf"),
    ],
)
def test_types_from_content_and_names_sanitised(
    client_api, task, name, data, content_type, stored_as
):
    response = post(client_api, task, name, data)
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == content_type
    assert response.json()["name"] == stored_as


def test_a_long_name_keeps_its_extension(client_api, task):
    response = post(client_api, task, "a" * 300 + ".pdf", samples.pdf())
    assert response.status_code == 201
    name = response.json()["name"]
    assert len(name) == 200
    assert name.endswith("a.pdf")


def test_a_task_holds_a_limited_number_of_files(client_api, task, settings):
    settings.ATTACHMENT_TASK_MAX_FILES = 2
    for _ in range(2):
        assert post(client_api, task, "a.pdf", samples.pdf()).status_code == 201
    response = post(client_api, task, "c.pdf", samples.pdf())
    assert (response.status_code, response.json()["code"]) == (409, "attachment_limit_reached")


def test_a_task_holds_a_limited_size_of_files(client_api, task, settings):
    settings.ATTACHMENT_TASK_MAX_BYTES = len(samples.pdf(extra=4096)) + 10
    assert post(client_api, task, "a.pdf", samples.pdf(extra=4096)).status_code == 201
    response = post(client_api, task, "b.pdf", samples.pdf())
    assert (response.status_code, response.json()["code"]) == (409, "attachment_limit_reached")
    assert "left" in response.json()["detail"]


@pytest.mark.parametrize("files", [1, 6])
def test_the_list_pins_its_queries(client_api, client_user, task, files, django_assert_num_queries):
    from concierge.attachments import services as attachment_services

    for n in range(files):
        attachment_services.attachments_add(
            task=task, actor=client_user, files=[samples.upload(f"f{n}.txt", samples.TEXT)]
        )
    # token and its session, the task, the count, the page (uploaders joined)
    with django_assert_num_queries(5):
        response = client_api.get(url(task))
    assert response.json()["count"] == files


def test_behind_nginx_the_proxy_sends_the_file(assistant_api, photo, settings):
    settings.ATTACHMENT_SENDFILE = "x-accel-redirect"
    stored = Attachment.objects.get(pk=photo["id"]).file.name
    response = assistant_api.get(photo["download_url"])
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-attachments/{stored}"
    assert response.content == b""
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="boiler.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_behind_apache_the_proxy_sends_the_file(assistant_api, photo, settings, attachment_root):
    settings.ATTACHMENT_SENDFILE = "x-sendfile"
    stored = Attachment.objects.get(pk=photo["id"]).file.name
    response = assistant_api.get(photo["download_url"])
    assert response["X-Sendfile"] == str(attachment_root / stored)
    assert response.content == b""


def test_a_file_missing_from_storage_is_404_not_500(assistant_api, photo, attachment_root):
    stored = Attachment.objects.get(pk=photo["id"]).file.name
    (attachment_root / stored).unlink()
    response = assistant_api.get(photo["download_url"])
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_same_idempotency_key_with_another_file_is_409(client_api, task):
    first = client_api.post(
        url(task),
        {"file": samples.upload("a.pdf", samples.pdf())},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="upload-2",
    )
    other = client_api.post(
        url(task),
        {"file": samples.upload("a.pdf", samples.pdf(extra=2048))},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="upload-2",
    )
    assert first.status_code == 201
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")
    assert Attachment.objects.count() == 1


def test_files_alone_answer_a_task_waiting_on_the_client(client_api, assistant_user, task):
    task.status = TaskStatus.WAITING_ON_CLIENT
    task.save()
    response = post(client_api, task, "policy.pdf", samples.pdf())
    assert response.status_code == 201
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert response.json()["message"] == Message.objects.get(task=task).pk
    assert Notification.objects.filter(user=assistant_user).count() == 1


def test_a_name_beyond_ascii_reaches_the_header_encoded(client_api, task):
    pdf = post(client_api, task, "Facture été.pdf", samples.pdf()).json()
    assert pdf["name"] == "Facture été.pdf"
    response = client_api.get(pdf["download_url"] + "?download=1")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Facture%20%C3%A9t%C3%A9.pdf"
    )
