"""Request body parsing with limits: a JSON body is read up to Django's
`DATA_UPLOAD_MAX_MEMORY_SIZE` (DRF reads the raw stream, past Django's own check) and a
document nested deeper than the parser's recursion limit is bad input, not a crash."""

import codecs
import json
from http import HTTPStatus

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings

from concierge import errors
from concierge.errors import ApplicationError


def body_limit() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440


class RequestTooLarge(ApplicationError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE  # 413


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        limit = body_limit()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(
                errors.Code.REQUEST_TOO_LARGE,
                _("The request body is larger than %(limit)s bytes.") % {"limit": limit},
            )
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            # STRICT_JSON (DRF's default): NaN and Infinity are not JSON.
            parse_constant = _refuse_constant if api_settings.STRICT_JSON else None
            return json.loads(text, parse_constant=parse_constant)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
        except (ValueError, LookupError) as exc:  # LookupError: unknown charset
            raise ParseError(f"JSON parse error - {exc}") from exc


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON.")
