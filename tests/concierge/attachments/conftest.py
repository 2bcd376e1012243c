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
