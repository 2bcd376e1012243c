"""What a file is, decided from its bytes, never from its name; and the name it keeps.

`identify` reads the head (and, for containers, the directory) of a file on disk and
returns the `FileKind` it is, or raises 415 `file_type_not_allowed`. The signatures come
from puremagic (pure Python: nothing to install beside the package); the families it
cannot tell apart by their first bytes are looked into here: the zip-based office
formats by their members (and refused with macros), text by decoding it.

HTML, SVG, XML and scripts are refused whatever their name says, so no upload can ever be
rendered as a page of this site. What is accepted is served with its own content type,
`X-Content-Type-Options: nosniff`, and as a download unless `FileKind.preview` (raster
images, re-encoded on upload, and PDF).
"""

import codecs
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath

import puremagic
from django.utils.translation import gettext as _

from concierge import errors
from concierge.errors import ApplicationError

HEAD_BYTES = 8192
TEXT_SCAN_BYTES = 1024 * 1024  # text is checked on its first megabyte


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str  # the one a stored name gets
    # Other extensions a name may keep for the same kind (.jpeg for .jpg).
    aliases: frozenset[str] = field(default_factory=frozenset)
    # Safe to show in the browser (inline), rather than only downloaded.
    preview: bool = False
    # The Pillow format an image is re-encoded in; empty for other kinds.
    image_format: str = ""

    @property
    def is_image(self) -> bool:
        return bool(self.image_format)

    def keeps(self, extension: str) -> bool:
        return extension == self.extension or extension in self.aliases


def _kind(content_type, extension, *aliases, preview=False, image_format=""):
    return FileKind(content_type, extension, frozenset(aliases), preview, image_format)


JPEG = _kind("image/jpeg", ".jpg", ".jpeg", ".jfif", preview=True, image_format="JPEG")
PNG = _kind("image/png", ".png", preview=True, image_format="PNG")
GIF = _kind("image/gif", ".gif", preview=True, image_format="GIF")
WEBP = _kind("image/webp", ".webp", preview=True, image_format="WEBP")
PDF = _kind("application/pdf", ".pdf", preview=True)
DOCX = _kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = _kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
PPTX = _kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx")
ODT = _kind("application/vnd.oasis.opendocument.text", ".odt")
ODS = _kind("application/vnd.oasis.opendocument.spreadsheet", ".ods")
ODP = _kind("application/vnd.oasis.opendocument.presentation", ".odp")
ZIP = _kind("application/zip", ".zip")
RTF = _kind("application/rtf", ".rtf")
# Legacy Office files share one container (OLE): the name tells which of the three.
DOC = _kind("application/msword", ".doc")
XLS = _kind("application/vnd.ms-excel", ".xls")
PPT = _kind("application/vnd.ms-powerpoint", ".ppt")
TEXT = _kind("text/plain", ".txt", ".md", ".log", ".json", ".ics", ".vcf", ".eml")
CSV = _kind("text/csv", ".csv", ".tsv")

# Signature matches (puremagic's MIME types) that are accepted as they are.
BY_SIGNATURE = {kind.content_type: kind for kind in (JPEG, PNG, GIF, WEBP, PDF, RTF, ZIP, DOC)}
OPEN_DOCUMENT = {kind.content_type: kind for kind in (ODT, ODS, ODP)}
OLE = {kind.extension: kind for kind in (DOC, XLS, PPT)}

ALLOWED_TYPES = sorted(
    {k.content_type for k in (*BY_SIGNATURE.values(), *OPEN_DOCUMENT.values(), *OLE.values())}
    | {k.content_type for k in (DOCX, XLSX, PPTX, TEXT, CSV)}
)

# What can run in a browser (or be taken for a page) is refused, however it is named.
_ACTIVE_TYPES = re.compile(
    r"html|svg|xml|javascript|ecmascript|x-sh|x-python|x-php|x-perl|executable|x-msdownload"
    r"|x-dosexec|x-elf|x-mach|java-archive|x-shockwave"
)
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|\?xml|iframe|object|embed)\b", re.I
)


def not_allowed(detail: str) -> ApplicationError:
    return ApplicationError(errors.Code.FILE_TYPE_NOT_ALLOWED, detail, status=415)


def _refuse_markup(head: bytes) -> None:
    if _MARKUP.search(head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1024]):
        raise not_allowed(_("Web pages, SVG and XML files are not accepted: send a PDF instead."))


# Members that make an archive a program (a Java or Android package) or carry one.
_PROGRAMS = (
    ".class", "classes.dex", ".exe", ".dll", ".msi", ".bat", ".cmd", ".com", ".scr", ".vbs",
    ".js", ".jse", ".wsf", ".ps1", ".sh", ".jar", ".apk", ".app", ".lnk",
)  # fmt: skip
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip_kind(path: str) -> FileKind:
    """A zip's kind from its members: an Office Open XML or OpenDocument file, else a zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared in OPEN_DOCUMENT:
                    return OPEN_DOCUMENT[declared]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise not_allowed(_("This archive cannot be read.")) from exc
    lowered = [name.lower() for name in names]
    if any(name.endswith("vbaproject.bin") for name in lowered):
        raise not_allowed(_("Documents with macros are not accepted: save them without macros."))
    if any(name.endswith(_PROGRAMS) for name in lowered):
        raise not_allowed(_("Archives holding programs are not accepted."))
    if "[Content_Types].xml" in names:
        for prefix, kind in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
            if any(name.startswith(prefix) for name in names):
                return kind
    return ZIP


def _is_text(path: str) -> bool:
    """UTF-8 text (its first megabyte) without NUL bytes."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    read = 0
    with open(path, "rb") as stream:
        while read < TEXT_SCAN_BYTES:
            chunk = stream.read(65536)
            if not chunk:
                break
            read += len(chunk)
            if b"\0" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    return read > 0


def identify(path: str, name: str) -> FileKind:
    """The kind of the file at `path` (uploaded as `name`), or 415 `file_type_not_allowed`."""
    with open(path, "rb") as stream:
        head = stream.read(HEAD_BYTES)
    _refuse_markup(head)
    # Containers whose first bytes say only "zip" or "OLE": what is inside decides.
    if head.startswith(_ZIP):
        return _zip_kind(path)
    if head.startswith(_OLE):
        extension = PurePosixPath(sanitised_name(name)).suffix.lower()
        if extension in OLE:
            return OLE[extension]
        raise not_allowed(_("Old Office files are accepted named .doc, .xls or .ppt."))
    try:
        matches = puremagic.magic_file(path)
    except (puremagic.PureError, ValueError):
        matches = []
    if matches:
        best = max(match.confidence for match in matches)
        contenders = [m for m in matches if m.confidence >= best]
        if any(_ACTIVE_TYPES.search(m.mime_type or m.name.lower()) for m in contenders):
            raise not_allowed(_("Programs, scripts and web pages are not accepted."))
        for match in contenders:
            kind = BY_SIGNATURE.get(match.mime_type)
            if kind is not None and kind not in (ZIP, DOC):  # those two are seen above
                return kind
    if _is_text(path):
        extension = PurePosixPath(sanitised_name(name)).suffix.lower()
        return CSV if CSV.keeps(extension) else TEXT
    raise not_allowed(
        _("This kind of file is not accepted: send images, PDF, office documents or text.")
    )


# Names -------------------------------------------------------------------------------------

NAME_MAX = 200
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069]')
_SPACES = re.compile(r"\s+")


def sanitised_name(name: str) -> str:
    """A name that is safe to show and to send back in a header: no folders, no control or
    bidirectional-override characters, nothing a file system forbids, no leading dot,
    at most NAME_MAX characters (the extension kept)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = PureWindowsPath(PurePosixPath(name).name).name  # both kinds of folder separator
    name = _UNSAFE.sub("", _SPACES.sub(" ", name)).strip().lstrip(".").strip()
    if len(name) > NAME_MAX:
        path = PurePosixPath(name)
        suffix = path.suffix if len(path.suffix) <= 16 else ""
        name = name[: NAME_MAX - len(suffix)].rstrip() + suffix
    return name or "file"


def stored_name(name: str, kind: FileKind) -> str:
    """The sanitised `name` with an extension that matches what the file is: kept when it
    does (.jpeg for a JPEG), else the kind's own added (a JPEG named .png becomes .jpg)."""
    name = sanitised_name(name)
    path = PurePosixPath(name)
    if kind.keeps(path.suffix.lower()):
        return name
    stem = path.stem if path.suffix.lower() in KNOWN_EXTENSIONS else name
    return sanitised_name(f"{stem or 'file'}{kind.extension}")


KNOWN_EXTENSIONS = {
    extension
    for kind in (
        JPEG, PNG, GIF, WEBP, PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, ZIP, RTF, DOC, XLS, PPT,
        TEXT, CSV,
    )
    for extension in (kind.extension, *kind.aliases)
}  # fmt: skip
