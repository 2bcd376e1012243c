"""Attachments on S3-compatible object storage (django-storages), against a real
S3-speaking server on loopback: stored privately, handed out as short-lived pre-signed
URLs only after the visibility check, deleted from the bucket."""

import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from concierge.models import Attachment, TaskStatus
from tests import factories
from tests.concierge.attachments import samples

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def task(client_user, assistant_user):
    return factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )


def keys(s3):
    client, bucket = s3
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def upload(api, task, name, data):
    response = api.post(
        f"/api/v1/tasks/{task.pk}/attachments/",
        {"file": samples.upload(name, data)},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_photo_goes_to_the_bucket_without_its_exif(s3, client_api, task):
    photo = upload(client_api, task, "boiler.jpg", samples.jpeg())
    stored = Attachment.objects.get(pk=photo["id"])
    assert keys(s3) == sorted([stored.file.name, stored.thumbnail.name])
    client, bucket = s3
    body = client.get_object(Bucket=bucket, Key=stored.file.name)["Body"].read()
    assert b"SpyCam" not in body
    assert Image.open(io.BytesIO(body)).getexif().get_ifd(0x8825) == {}
    assert "boiler" not in stored.file.name  # nothing about the file in its key


def test_a_download_is_a_short_lived_presigned_url_after_the_check(
    s3, client_api, assistant_api, other_client_api, task
):
    data = samples.docx()
    doc = upload(client_api, task, "letter.docx", data)
    assert other_client_api.get(doc["download_url"]).status_code == 404

    response = assistant_api.get(doc["download_url"])
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert query["response-content-disposition"] == ['attachment; filename="letter.docx"']
    fetched = requests.get(location, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="letter.docx"'
    assert fetched.headers["Content-Type"] == doc["content_type"]


def test_a_pdf_preview_is_inline_from_the_bucket_too(s3, client_api, task):
    pdf = upload(client_api, task, "quote.pdf", samples.pdf())
    location = client_api.get(pdf["download_url"])["Location"]
    fetched = requests.get(location, timeout=10)
    assert fetched.headers["Content-Disposition"] == 'inline; filename="quote.pdf"'
    assert fetched.headers["Content-Type"] == "application/pdf"


def test_a_deleted_file_leaves_the_bucket(s3, client_api, task, django_capture_on_commit_callbacks):
    photo = upload(client_api, task, "boiler.jpg", samples.jpeg())
    assert len(keys(s3)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert client_api.delete(f"/api/v1/attachments/{photo['id']}/").status_code == 204
    assert keys(s3) == []


def test_a_refused_delivery_leaves_nothing_in_the_bucket(s3, assistant_user, task):
    from concierge.attachments import services as attachment_services
    from concierge.errors import ApplicationError

    task.status = TaskStatus.COMPLETED
    task.save()
    with pytest.raises(ApplicationError):
        attachment_services.task_deliver_with_files(
            task=task, actor=assistant_user, files=[samples.upload("a.pdf", samples.pdf())]
        )
    task.status = TaskStatus.WAITING_ON_CLIENT  # open, but deliver is no move from here
    task.save()
    with pytest.raises(ApplicationError) as refused:
        attachment_services.task_deliver_with_files(
            task=task, actor=assistant_user, files=[samples.upload("a.pdf", samples.pdf())]
        )
    assert refused.value.code == "invalid_transition"
    assert keys(s3) == []
    assert not Attachment.objects.exists()


def test_the_settings_choose_s3_when_a_bucket_is_named():
    """`ATTACHMENTS_S3_BUCKET` and its companions, read by the production settings."""
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x",
        "ATTACHMENTS_S3_BUCKET": "files",
        "ATTACHMENTS_S3_ENDPOINT_URL": "https://s3.example.test",
        "ATTACHMENTS_S3_REGION": "fr-par",
        "ATTACHMENT_URL_SECONDS": "30",
    }
    code = (
        "from concierge import settings as s; o = s.STORAGES['attachments']; "
        "print(o['BACKEND'], o['OPTIONS']['bucket_name'], o['OPTIONS']['endpoint_url'], "
        "o['OPTIONS']['region_name'], o['OPTIONS']['querystring_expire'], "
        "o['OPTIONS']['default_acl'])"
    )
    out = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [
        "storages.backends.s3.S3Storage",
        "files",
        "https://s3.example.test",
        "fr-par",
        "30",
        "private",
    ]


def test_a_large_file_goes_up_in_parts(s3, client_api, task, settings):
    settings.ATTACHMENT_MAX_BYTES = 30 * 1024 * 1024
    data = samples.pdf(extra=20 * 1024 * 1024)
    pdf = upload(client_api, task, "scan.pdf", data)
    client, bucket = s3
    key = Attachment.objects.get(pk=pdf["id"]).file.name
    head = client.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(data)
    assert "-" in head["ETag"]  # a multipart upload's ETag: "<md5 of md5s>-<parts>"
    fetched = requests.get(client_api.get(pdf["download_url"])["Location"], timeout=30)
    assert fetched.content == data
