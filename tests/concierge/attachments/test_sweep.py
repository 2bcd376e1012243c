"""Files left in storage by a process that died before committing their row are found and
deleted by `manage.py sweep_stored_files`; every file a row names stays."""

import datetime
import io
import os
import time

import pytest
from django.core.management import call_command

from concierge.attachments import services as attachment_services
from concierge.models import TaskStatus
from tests import factories
from tests.concierge.attachments import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(client_user):
    task = factories.TaskFactory(client=client_user, status=TaskStatus.NEW)
    (photo,) = attachment_services.attachments_add(
        task=task, actor=client_user, files=[samples.upload("boiler.jpg", samples.jpeg())]
    )
    return photo


def test_an_unreferenced_old_file_is_swept_and_named_ones_stay(kept, attachment_root):
    stray = attachment_root / "files" / "2026" / "01" / "stray.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(samples.pdf())
    recent = attachment_root / "files" / "2026" / "01" / "in-flight.pdf"
    recent.write_bytes(samples.pdf())
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(stray, (day_ago, day_ago))
    for path in (attachment_root / kept.file.name, attachment_root / kept.thumbnail.name):
        os.utime(path, (day_ago, day_ago))  # old, but named by their row

    out = io.StringIO()
    call_command("sweep_stored_files", "--dry-run", stdout=out)
    assert "files/2026/01/stray.pdf" in out.getvalue()
    assert stray.exists()
    call_command("sweep_stored_files", stdout=io.StringIO())
    assert not stray.exists()
    assert recent.exists()  # younger than a day: perhaps a request still committing
    assert (attachment_root / kept.file.name).exists()
    assert (attachment_root / kept.thumbnail.name).exists()


def test_the_sweep_reads_s3_too(s3, kept):
    client, bucket = s3
    client.put_object(Bucket=bucket, Key="files/2026/01/stray.pdf", Body=samples.pdf())
    swept = attachment_services.stored_files_sweep(older_than=datetime.timedelta(seconds=-60))
    assert swept == ["files/2026/01/stray.pdf"]
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {kept.file.name, kept.thumbnail.name}
