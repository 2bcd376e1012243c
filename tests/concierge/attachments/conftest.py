import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path):
    """Each test's files in a folder of its own, on local storage."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root / "attachments"), "base_url": None},
        },
    }
    return root / "attachments"


S3_BUCKET = "concierge-attachments"
S3_KEY = "testing-key-id"
S3_SECRET = "testing-secret"  # moto's server accepts any


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-speaking server (moto's server mode) on loopback; yields its URL. Skips,
    saying why, only when it cannot start here."""
    binary = Path(sys.executable).with_name("moto_server")
    if not binary.exists():
        pytest.skip("moto_server is not installed (moto[server], a dev dependency)")
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as output:
        proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            [str(binary), "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.skip(f"moto_server could not start: {log.read_text()[-500:]}")
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def s3(s3_server, settings):
    """Attachments on S3 (the server above, a fresh bucket per test); yields the bucket's
    boto3 client and name."""
    import boto3
    from boto3.s3.transfer import TransferConfig

    bucket = f"{S3_BUCKET}-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="eu-west-3",
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET,
    )
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "region_name": "eu-west-3",
                "access_key": S3_KEY,
                "secret_key": S3_SECRET,
                "signature_version": "s3v4",
                "addressing_style": "path",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": settings.ATTACHMENT_URL_SECONDS,
                "file_overwrite": False,
                "transfer_config": TransferConfig(
                    multipart_threshold=8 * 1024 * 1024,
                    multipart_chunksize=8 * 1024 * 1024,
                    max_concurrency=2,
                ),
            },
        },
    }
    return client, bucket
