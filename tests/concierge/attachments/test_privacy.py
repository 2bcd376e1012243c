"""A person's files in their export (the zip carries the bytes), and out of storage, local
and S3, when a client's data is erased."""

import io
import json
import zipfile

import pytest

from concierge import privacy
from concierge.attachments import services as attachment_services
from concierge.models import Attachment, TaskStatus
from tests import factories
from tests.concierge.attachments import samples

pytestmark = pytest.mark.django_db
EXPORT = "/api/v1/me/export/"


@pytest.fixture
def files(client_user, assistant_user, other_client_user):
    task = factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )
    (photo,) = attachment_services.attachments_add(
        task=task, actor=client_user, files=[samples.upload("boiler.jpg", samples.jpeg())]
    )
    deliverable_data = samples.pdf()
    (pdf,) = attachment_services.attachments_add(
        task=task, actor=assistant_user, files=[samples.upload("quote.pdf", deliverable_data)]
    )
    (note,) = attachment_services.attachments_add(
        task=task,
        actor=assistant_user,
        files=[samples.upload("team.txt", samples.TEXT)],
        message="staff only",
        internal=True,
    )
    other_task = factories.TaskFactory(client=other_client_user, status=TaskStatus.NEW)
    (other,) = attachment_services.attachments_add(
        task=other_task,
        actor=other_client_user,
        files=[samples.upload("theirs.pdf", samples.pdf())],
    )
    return {"photo": photo, "pdf": pdf, "note": note, "other": other, "pdf_data": deliverable_data}


def test_the_export_lists_the_clients_files(client_api, files):
    rows = client_api.get(EXPORT).json()["attachments"]
    assert [row["id"] for row in rows] == [files["photo"].pk, files["pdf"].pk]  # no note
    assert rows[1]["name"] == "quote.pdf"
    assert rows[1]["sha256"] == files["pdf"].sha256
    assert rows[1]["in_zip"] == f"files/{files['pdf'].pk}/quote.pdf"


def test_the_zip_export_carries_the_files(client_api, files):
    response = client_api.get(EXPORT, {"format": "zip"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    exported = json.loads(archive.read("export.json"))["attachments"]
    assert {row["in_zip"] for row in exported} <= set(archive.namelist())
    assert archive.read(f"files/{files['pdf'].pk}/quote.pdf") == files["pdf_data"]
    assert not [n for n in archive.namelist() if "theirs" in n or "team.txt" in n]


def test_an_assistant_exports_the_files_of_the_tasks_they_hold(assistant_api, files):
    rows = assistant_api.get(EXPORT).json()["attachments"]
    assert sorted(row["id"] for row in rows) == sorted(
        [files["photo"].pk, files["pdf"].pk, files["note"].pk]
    )


def _stored(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_erasure_deletes_the_clients_files_from_storage(
    client_user, files, attachment_root, django_capture_on_commit_callbacks
):
    theirs = files["other"].file.name.rsplit("/", 1)[1]
    assert len(_stored(attachment_root)) == 5  # photo and preview, pdf, note, the other's
    with django_capture_on_commit_callbacks(execute=True):
        privacy.person_erase(user=client_user)
    assert list(Attachment.objects.values_list("pk", flat=True)) == [files["other"].pk]
    assert _stored(attachment_root) == [theirs]


def test_erasure_deletes_the_clients_files_from_s3(
    s3, client_user, assistant_user, django_capture_on_commit_callbacks
):
    task = factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )
    attachment_services.attachments_add(
        task=task, actor=client_user, files=[samples.upload("boiler.jpg", samples.jpeg())]
    )
    client, bucket = s3
    assert client.list_objects_v2(Bucket=bucket)["KeyCount"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        privacy.person_erase(user=client_user)
    assert client.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert not Attachment.objects.exists()
