"""Error codes of the calendar sync app (rendered as `{"code", "detail", "fields"}`)."""

INVALID = "invalid"
NOT_FOUND = "not_found"
FEED_REVOKED = "feed_revoked"
URL_NOT_ALLOWED = "url_not_allowed"
NOT_AN_ASSISTANT = "not_an_assistant"
WINDOW_TOO_LONG = "window_too_long"
