"""Receiving an uploaded file without holding it in memory (settings.FILE_UPLOAD_HANDLERS).

Each file of a multipart body is written to a temporary file chunk by chunk (64 KB) as
it arrives, counted and hashed on the way. Past `ATTACHMENT_MAX_BYTES` nothing more is
kept: the rest of that file is read and dropped, and the view gets an `OversizeFile`
saying how much was sent, which the services refuse as 413 `file_too_large`. A file the
service keeps is moved (local storage) or streamed (object storage) from that temporary
file, never read whole.
"""

import hashlib
import io

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class ReceivedFile(TemporaryUploadedFile):
    """An upload on disk, with the SHA-256 of its bytes."""

    sha256 = ""


class OversizeFile(UploadedFile):
    """An upload that passed the size limit: its bytes were not kept, only their count
    (at least the limit plus one)."""

    def __init__(self, name, content_type, size):
        super().__init__(io.BytesIO(), name, content_type, size)


class LimitedUploadHandler(TemporaryFileUploadHandler):
    file: ReceivedFile

    def new_file(
        self,
        field_name: str,
        file_name: str,
        content_type: str,
        content_length: int | None,
        charset: str | None = None,
        content_type_extra: dict[str, bytes] | None = None,
    ) -> None:
        super().new_file(
            field_name, file_name, content_type, content_length, charset, content_type_extra
        )
        self.file.close()  # the plain temporary file: ours below replaces it
        self.file = ReceivedFile(file_name, content_type, 0, charset, content_type_extra)
        self.digest = hashlib.sha256()
        self.received = 0
        self.oversize = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.oversize:
            return None
        if self.received > settings.ATTACHMENT_MAX_BYTES:
            self.oversize = True
            self.file.close()  # the temporary file goes with it
            return None
        self.digest.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.oversize:
            return OversizeFile(self.file_name, self.content_type, self.received)
        self.file.sha256 = self.digest.hexdigest()
        return super().file_complete(file_size)
