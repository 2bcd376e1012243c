"""End-to-end tests share the calendar tests' radicale server."""

from tests.calendar_sync.conftest import radicale  # noqa: F401 - a fixture
