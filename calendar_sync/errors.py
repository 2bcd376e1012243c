"""Error codes of the calendar sync app (rendered as `{"code", "detail", "fields"}`)."""

from enum import StrEnum


class Code(StrEnum):
    """Stable error codes of calendar sync."""

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FEED_REVOKED = "feed_revoked"
    URL_NOT_ALLOWED = "url_not_allowed"
    NOT_AN_ASSISTANT = "not_an_assistant"
    WINDOW_TOO_LONG = "window_too_long"
    CALDAV_AUTH_FAILED = "caldav_auth_failed"
    CALDAV_CALENDAR_NOT_FOUND = "caldav_calendar_not_found"
    CALDAV_UNREACHABLE = "caldav_unreachable"
