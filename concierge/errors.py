"""The one application error type.

Services raise `ApplicationError` (never a DRF exception); the API's exception handler
renders it as `{"code", "detail", "fields"}` with its HTTP status. Every app lists its
codes in one place: this module for the core domain, `<app>/errors.py` for the others.
"""

from enum import StrEnum
from http import HTTPStatus


class ApplicationError(Exception):
    status = HTTPStatus.BAD_REQUEST

    def __init__(self, code, detail, *, status=None, fields=None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        if status is not None:
            self.status = HTTPStatus(status)
        self.fields = fields


class Invalid(ApplicationError):
    status = HTTPStatus.BAD_REQUEST


class Forbidden(ApplicationError):
    status = HTTPStatus.FORBIDDEN


class NotFound(ApplicationError):
    status = HTTPStatus.NOT_FOUND


class Conflict(ApplicationError):
    status = HTTPStatus.CONFLICT


class PaymentRequired(ApplicationError):
    status = HTTPStatus.PAYMENT_REQUIRED


class Code(StrEnum):
    """Stable error codes of the core domain, rendered as `{"code", "detail", "fields"}`."""

    # Codes of the core domain (users, clients, tasks, messages).
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    INVALID_TRANSITION = "invalid_transition"
    EMAIL_TAKEN = "email_taken"
    INVALID_CREDENTIALS = "invalid_credentials"
    NOT_AN_ASSISTANT = "not_an_assistant"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    PAYMENT_REQUIRED = "payment_required"
    NOT_ASSIGNEE = "not_assignee"
    TASK_CLOSED = "task_closed"
    INVALID_RECURRENCE = "invalid_recurrence"
    INTERNAL_NOTE_STAFF_ONLY = "internal_note_staff_only"
    ASSISTANT_INACTIVE = "assistant_inactive"
    UNKNOWN_NOTIFICATION_KIND = "unknown_notification_kind"
    UNKNOWN_CATEGORY = "unknown_category"
    # A one-line field (title, name, label) given a line break or other control character.
    CONTROL_CHARACTERS = "control_characters"

    # Accounts: verification, password reset, the second factor, re-authentication.
    EMAIL_UNVERIFIED = "email_unverified"
    VERIFICATION_LINK_INVALID = "verification_link_invalid"
    RESET_LINK_INVALID = "reset_link_invalid"
    MFA_CODE_REQUIRED = "mfa_code_required"
    MFA_CODE_INVALID = "mfa_code_invalid"
    MFA_REQUIRED = "mfa_required"
    MFA_ALREADY_ENABLED = "mfa_already_enabled"
    MFA_NOT_ENABLED = "mfa_not_enabled"
    REAUTHENTICATION_REQUIRED = "reauthentication_required"

    # Private data: the vault, export and erasure.
    REVEAL_TASK_INVALID = "reveal_task_invalid"
    SECRET_UNREADABLE = "secret_unreadable"  # noqa: S105 (an error code)
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 (an error code)
    ALREADY_ERASED = "already_erased"
    REQUEST_TOO_LARGE = "request_too_large"

    # Files on tasks (concierge/attachments).
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE_NOT_ALLOWED = "file_type_not_allowed"
    ATTACHMENT_LIMIT_REACHED = "attachment_limit_reached"
    NOT_UPLOADER = "not_uploader"
    MALWARE_DETECTED = "malware_detected"
    SCANNER_UNAVAILABLE = "scanner_unavailable"

    # Requests refused before any view runs (concierge/api/fallbacks.py).
    BAD_REQUEST = "bad_request"
    CSRF_FAILED = "csrf_failed"
    INVALID_TIMEZONE = "invalid_timezone"


class DrfCode(StrEnum):
    """The codes of DRF's own errors (those that are not also the core domain's)."""

    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (an error code)
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PARSE_ERROR = "parse_error"
    THROTTLED = "throttled"
    ERROR = "error"  # any other DRF error without a code of its own
