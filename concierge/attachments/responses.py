"""Sending a stored file, once the caller has checked that the person may read it.

- Local storage: streamed from disk by `FileResponse` (gunicorn hands it to `sendfile`),
  or, behind a proxy configured for it (`ATTACHMENT_SENDFILE`), left to the proxy with
  `X-Accel-Redirect` (nginx) or `X-Sendfile` (Apache, lighttpd): the application never
  reads the bytes.
- Object storage: a redirect to a pre-signed URL that works for `ATTACHMENT_URL_SECONDS`,
  carrying the name, type and disposition the object storage must answer with.

Always `Content-Type` as decided from the content, `X-Content-Type-Options: nosniff`,
`Content-Disposition: attachment` except for previews (raster images and PDF), a policy
that lets nothing in a file run, and no caching beyond the person's own browser.
"""

from typing import Protocol, TypeGuard
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.utils.http import content_disposition_header

from concierge.attachments import content, storage
from concierge.models import Attachment

PREVIEW_TYPES = frozenset(
    kind.content_type
    for kind in (content.JPEG, content.PNG, content.GIF, content.WEBP, content.PDF)
)
# A PDF's viewer needs its plugin; an image needs nothing at all.
_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
_PDF_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


class SignedUrlStorage(Protocol):
    """S3-compatible object storage (django-storages' `S3Storage`): a bucket, and URLs
    pre-signed for a while, with what the storage must answer with."""

    bucket_name: str

    def url(
        self,
        name: str,
        parameters: dict[str, str] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str: ...


def _signs_urls(backend: Storage) -> TypeGuard[SignedUrlStorage]:
    return hasattr(backend, "bucket_name")


def _secure(response: HttpResponseBase, content_type: str, *, max_age: int = 0) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        _PDF_POLICY if content_type == content.PDF.content_type else _POLICY
    )
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = f"private, max-age={max_age}" if max_age else "private, no-store"


def file_response(
    attachment: Attachment, *, preview: bool = False, download: bool = False
) -> HttpResponseBase:
    """The file of `attachment` (its preview image when `preview`); shown in the browser
    when it is a safe preview and `download` was not asked for."""
    if preview:
        if not attachment.thumbnail:
            raise Http404("This file has no preview.")
        name, content_type = attachment.thumbnail.name, "image/webp"
        filename = f"{attachment.name}.webp"
        inline = True
    else:
        name, content_type, filename = (
            attachment.file.name,
            attachment.content_type,
            attachment.name,
        )
        inline = not download and content_type in PREVIEW_TYPES
    if not name:  # `file` is required, and `thumbnail` was checked above
        raise Http404("This file is missing from storage.")
    # Inline without a file name, Django names no disposition: "inline" says it.
    disposition = content_disposition_header(not inline, filename) or "inline"
    backend = storage.configured()
    response: HttpResponseBase
    if isinstance(backend, FileSystemStorage):
        response = _local(backend, name, content_type, disposition)
    elif _signs_urls(backend):  # S3-compatible (django-storages)
        url = backend.url(
            name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
                "ResponseCacheControl": "private, no-store",
            },
            expire=settings.ATTACHMENT_URL_SECONDS,
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    else:
        response = FileResponse(backend.open(name, "rb"), content_type=content_type)
        response["Content-Disposition"] = disposition
    _secure(response, content_type, max_age=300 if preview else 0)
    return response


def _local(
    backend: FileSystemStorage, name: str, content_type: str, disposition: str
) -> HttpResponseBase:
    sendfile = settings.ATTACHMENT_SENDFILE
    response: HttpResponseBase
    if sendfile == "x-accel-redirect":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.ATTACHMENT_ACCEL_PREFIX + quote(name)
    elif sendfile == "x-sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = backend.path(name)
    else:
        try:
            stream = open(backend.path(name), "rb")  # noqa: SIM115 - FileResponse closes it
        except FileNotFoundError as exc:
            raise Http404("The file is missing from storage.") from exc
        response = FileResponse(stream, content_type=content_type)
    response["Content-Disposition"] = disposition
    return response


def bytes_response(data: bytes, *, name: str, content_type: str) -> HttpResponse:
    """Bytes held in memory (a decrypted vault document), always as a download."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    _secure(response, content_type)
    return response
