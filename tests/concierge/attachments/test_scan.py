"""The optional malware scan: each upload streamed to a real clamd (started here with a
signature database of its own, since the public one cannot be downloaded in tests)
before it is stored; refused when infected, and refused while clamd cannot answer."""

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from concierge.models import Attachment, TaskStatus
from tests import factories
from tests.concierge.attachments import samples

pytestmark = pytest.mark.django_db
MARKER = b"CONCIERGE-TEST-MALWARE-MARKER"


def clamd_binary():
    return shutil.which("clamd") or next(
        (p for p in ("/usr/sbin/clamd", "/usr/bin/clamd") if Path(p).exists()), None
    )


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    """A clamd on a Unix socket whose only signature matches MARKER; yields the socket."""
    binary = clamd_binary()
    if binary is None:
        pytest.skip("no clamd here (Debian: apt-get install clamav-daemon)")
    root = tmp_path_factory.mktemp("clamd")
    (root / "db").mkdir()
    (root / "db" / "concierge.ndb").write_text(f"Concierge.Test.Marker:0:*:{MARKER.hex()}\n")
    socket_path = root / "clamd.sock"
    (root / "clamd.conf").write_text(
        f"LocalSocket {socket_path}\nDatabaseDirectory {root / 'db'}\nForeground yes\n"
        f"LogFile {root / 'clamd.log'}\nTemporaryDirectory {root}\nStreamMaxLength 30M\n"
    )
    proc = subprocess.Popen(  # noqa: S603 - fixed arguments
        [binary, "-c", str(root / "clamd.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not socket_path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log = (root / "clamd.log").read_text() if (root / "clamd.log").exists() else ""
            pytest.skip(f"clamd could not start: {log[-300:]}")
        time.sleep(0.1)
    try:
        yield str(socket_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def task(client_user, assistant_user):
    return factories.TaskFactory(
        client=client_user, assignee=assistant_user, status=TaskStatus.IN_PROGRESS
    )


def post(api, task, name, data):
    return api.post(
        f"/api/v1/tasks/{task.pk}/attachments/",
        {"file": samples.upload(name, data)},
        format="multipart",
    )


def test_a_clean_file_is_scanned_and_kept(clamd, settings, client_api, task):
    settings.CLAMD_SOCKET = clamd
    response = post(client_api, task, "quote.pdf", samples.pdf())
    assert response.status_code == 201, response.json()
    assert Attachment.objects.get().scanned_at is not None


def test_an_infected_file_is_refused_and_not_kept(
    clamd, settings, client_api, task, attachment_root
):
    settings.CLAMD_SOCKET = clamd
    response = post(client_api, task, "notes.txt", b"Shopping list\n" + MARKER + b"\n")
    assert response.status_code == 400
    assert response.json()["code"] == "malware_detected"
    assert "Concierge.Test.Marker" in response.json()["detail"]
    assert not Attachment.objects.exists()
    assert not [p for p in attachment_root.rglob("*") if p.is_file()]


def test_while_the_scanner_cannot_answer_uploads_wait(settings, client_api, task, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "nobody-listens.sock")
    response = post(client_api, task, "quote.pdf", samples.pdf())
    assert response.status_code == 503
    assert response.json()["code"] == "scanner_unavailable"
    assert not Attachment.objects.exists()


def test_without_a_scanner_nothing_is_scanned(client_api, task):
    assert post(client_api, task, "quote.pdf", samples.pdf()).status_code == 201
    assert Attachment.objects.get().scanned_at is None
