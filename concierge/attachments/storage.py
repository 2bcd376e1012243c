"""Where attached files are kept: a private storage, never served as is.

`settings.STORAGES["attachments"]` configures it: the local filesystem under
`DJANGO_MEDIA_ROOT` (var/media by default), or S3-compatible object storage when
`ATTACHMENTS_S3_BUCKET` is set (concierge/settings.py). Neither gives a public URL: a file
is read through the views that check who may see it (concierge/api/attachment_views.py).

The model fields name `attachment_storage`, a callable, so migrations do not depend on
the back end configured; it returns `ConfiguredStorage`, which looks the configured
storage up at each use (a change of settings, in tests, takes effect at once).
"""

import secrets
from pathlib import PurePosixPath

from django.core.files.storage import Storage, storages
from django.utils import timezone

ALIAS = "attachments"


def configured() -> Storage:
    """The storage `STORAGES["attachments"]` names now."""
    return storages[ALIAS]


class ConfiguredStorage(Storage):
    """Every operation is the configured storage's."""

    def open(self, name, mode="rb"):
        return configured().open(name, mode)

    def save(self, name, content, max_length=None):
        return configured().save(name, content, max_length=max_length)

    def get_valid_name(self, name):
        return configured().get_valid_name(name)

    def get_available_name(self, name, max_length=None):
        return configured().get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return configured().generate_filename(filename)

    def path(self, name):
        return configured().path(name)

    def delete(self, name):
        return configured().delete(name)

    def exists(self, name):
        return configured().exists(name)

    def listdir(self, path):
        return configured().listdir(path)

    def size(self, name):
        return configured().size(name)

    def url(self, name):
        return configured().url(name)

    def get_modified_time(self, name):
        return configured().get_modified_time(name)


_storage = ConfiguredStorage()


def attachment_storage() -> Storage:
    return _storage


def _random_path(prefix: str, extension: str) -> str:
    # A random name: nothing about the file or its owner shows in the key, and two
    # uploads never collide. The extension is the one its content was found to have.
    return f"{prefix}/{timezone.now():%Y/%m}/{secrets.token_urlsafe(18)}{extension}"


def attachment_path(instance, filename: str) -> str:
    """`files/YYYY/MM/<random>.<ext>`. The services pass a name whose extension is the
    one the content was found to have; the name as uploaded is kept on the row only."""
    extension = PurePosixPath(filename).suffix.lower()
    return _random_path("files", extension if extension[1:].isalnum() else "")


def thumbnail_path(instance, filename: str) -> str:
    return _random_path("thumbnails", ".webp")


def vault_document_path(instance, filename: str) -> str:
    return _random_path("vault", ".bin")
