"""Photos without their secrets: every accepted image is decoded and encoded again.

What a camera or a phone writes beside the pixels (EXIF with its GPS position, XMP, IPTC,
comments, maker notes, embedded thumbnails) is not copied: only the pixels are, turned
upright first as the EXIF orientation said, with the colour profile (which says nothing
about the person). Re-encoding also destroys anything hidden after or inside the image
data, so an image served inline is only ever an image. A preview (a small WebP) is made
from the same pixels.
"""

import io
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from concierge import errors
from concierge.attachments.content import FileKind, not_allowed
from concierge.errors import ApplicationError

THUMBNAIL_SIZE = (480, 480)
# What survives from an image's info: how to show it, nothing about who took it.
_KEPT_INFO = ("icc_profile", "transparency", "duration", "loop", "background", "disposal")


@dataclass
class CleanImage:
    file: tempfile._TemporaryFileWrapper  # the re-encoded image, rewound
    width: int
    height: int
    thumbnail: bytes  # WebP


def _too_many_pixels(size: tuple[int, int] | None = None) -> ApplicationError:
    limit = number_format(settings.ATTACHMENT_IMAGE_MAX_PIXELS, force_grouping=True)
    if size:
        detail = _(
            "This image has %(width)s by %(height)s pixels; at most %(limit)s are accepted."
        ) % {"width": size[0], "height": size[1], "limit": limit}
    else:
        detail = _("This image has too many pixels; at most %(limit)s are accepted.") % {
            "limit": limit
        }
    return ApplicationError(errors.Code.FILE_TOO_LARGE, detail, status=413)


def _bare(image: Image.Image, source_info: dict) -> Image.Image:
    image.info = {key: source_info[key] for key in _KEPT_INFO if key in source_info}
    return image


def _thumbnail(image: Image.Image) -> bytes:
    preview = image.copy()
    if preview.mode not in ("RGB", "RGBA"):
        preview = preview.convert("RGBA" if "transparency" in image.info else "RGB")
    preview.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    preview.save(out, "WEBP", quality=80)
    return out.getvalue()


def clean(path: str, kind: FileKind) -> CleanImage:
    """The image at `path` re-encoded in its own format without its metadata, and its
    preview; 415 when it is not an image of that format, 413 past the pixel limit."""
    try:
        with Image.open(path, formats=[kind.image_format]) as source:
            width, height = source.size
            if width * height > settings.ATTACHMENT_IMAGE_MAX_PIXELS:
                raise _too_many_pixels((width, height))
            out = tempfile.NamedTemporaryFile(suffix=kind.extension)  # noqa: SIM115
            frames = getattr(source, "n_frames", 1)
            if frames > 1:  # animated GIF or WebP: every frame, as it was timed
                images = [
                    _bare(frame.copy(), source.info) for frame in ImageSequence.Iterator(source)
                ]
                first = images[0]
                first.save(
                    out,
                    kind.image_format,
                    save_all=True,
                    append_images=images[1:],
                    exif=b"",
                    **({"lossless": True} if kind.image_format == "WEBP" else {}),
                )
            else:
                first = _bare(ImageOps.exif_transpose(source), source.info)
                options: dict[str, object] = {"exif": b""}
                if kind.image_format == "JPEG":
                    if first.mode not in ("RGB", "L", "CMYK"):
                        first = _bare(first.convert("RGB"), first.info)
                    options.update(quality=90, optimize=True)
                elif kind.image_format == "WEBP":
                    options.update(quality=90)
                first.save(out, kind.image_format, **options)
            thumbnail = _thumbnail(first)
    except ApplicationError:
        raise
    except Image.DecompressionBombError as exc:  # far past our own limit
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise not_allowed(_("This image cannot be read.")) from exc
    out.seek(0)
    return CleanImage(file=out, width=width, height=height, thumbnail=thumbnail)
