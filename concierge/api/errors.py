"""One exception handler: every error, DRF's own included, as {"code", "detail", "fields"}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from concierge.accounts.throttles import AttemptsExhausted
from concierge.api.authentication import MfaRequired, TokenExpired
from concierge.errors import ApplicationError, Code, DrfCode

# DRF exception class -> our stable code (DRF's own codes are kept where they are stable).
_CODES = {
    TokenExpired: DrfCode.TOKEN_EXPIRED,
    MfaRequired: Code.MFA_REQUIRED,
    exceptions.NotAuthenticated: DrfCode.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: DrfCode.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: Code.PERMISSION_DENIED,
    exceptions.NotFound: Code.NOT_FOUND,
    exceptions.MethodNotAllowed: DrfCode.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: DrfCode.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: DrfCode.UNSUPPORTED_MEDIA_TYPE,
    exceptions.ParseError: DrfCode.PARSE_ERROR,
    exceptions.Throttled: DrfCode.THROTTLED,
}


def _flatten(detail):
    """DRF's ErrorDetail trees → plain lists of strings per field."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def error_body(code, detail, fields=None):
    body = {"code": code, "detail": str(detail)}
    if fields is not None:
        body["fields"] = fields
    return body


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        body = error_body(Code.REQUEST_TOO_LARGE, _("The request body is too large."))
        return Response(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, AttemptsExhausted):
        exc = exceptions.Throttled(exc.wait)
    if isinstance(exc, ApplicationError):
        body = error_body(exc.code, exc.detail, exc.fields)
        return Response(body, status=int(exc.status))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django report the 500

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        first = _first_message(fields)
        response.data = error_body(Code.INVALID, first or _("Invalid input."), fields)
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response

    code = next(
        (code for cls, code in _CODES.items() if isinstance(exc, cls)),
        getattr(exc, "default_code", DrfCode.ERROR),
    )
    response.data = error_body(code, exc.detail)
    return response


def _first_message(fields):
    """A human sentence for `detail`: the first field message, prefixed with its field."""
    for name, messages in fields.items():
        while isinstance(messages, dict | list) and messages:
            messages = next(iter(messages.values())) if isinstance(messages, dict) else messages[0]
        if isinstance(messages, str):
            if name == "non_field_errors":
                return messages
            return _("%(field)s: %(message)s") % {"field": name, "message": messages}
    return None
