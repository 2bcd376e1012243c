"""Connecting to a user's CalDAV server: only to the vetted address, following no
redirect; and checking, when an account is linked, that the credentials and the calendar
are right.

caldav speaks HTTP through niquests. `pinned_session` gives it a resolver that knows one
name, the account's host, mapped to the address that passed `importer.vetted_address`, so
a second DNS answer (rebinding to a private address) is never asked for; and it follows no
redirect, so the server cannot send the request (and the password) elsewhere. TLS still
verifies the certificate against the host name.
"""

import niquests
from caldav.davclient import DAVClient  # where it lives: `caldav.DAVClient` is a lazy alias
from caldav.lib import error as caldav_error
from django.conf import settings
from django.utils.translation import gettext as _
from niquests.packages.urllib3.contrib.resolver.in_memory import InMemoryResolver

from calendar_sync import errors, importer


class CalDavProblem(Exception):
    """The server, the credentials or the calendar are not right; `code` is one of the
    app's error codes and the message is shown to the account's owner."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _require_tls():
    return getattr(
        settings, "CALDAV_REQUIRE_TLS", not getattr(settings, "ALLOW_PRIVATE_FETCH", False)
    )


def pinned_session(url):
    """An HTTP session for caldav that reaches only the address vetted for `url`'s host."""
    try:
        parts = importer.split_url(url)
        address = importer.vetted_address(parts)
    except importer.FetchError as exc:
        raise CalDavProblem(errors.Code.URL_NOT_ALLOWED, str(exc)) from exc
    resolver = InMemoryResolver()
    resolver.register(parts.hostname, address)
    session = niquests.Session(resolver=resolver)
    session.max_redirects = 0
    return session


def open_calendar(*, url: str, username: str, password: str, calendar: str):
    """The named calendar on the server, through a pinned session; or CalDavProblem
    saying what is wrong (address, credentials, calendar, or the server itself)."""
    client = DAVClient(
        url=url,
        username=username,
        password=password,
        timeout=getattr(settings, "CALENDAR_FETCH_TIMEOUT", 10),
        enable_rfc6764=False,
        require_tls=_require_tls(),
    )
    client.session.close()
    client.session = pinned_session(url)
    try:
        principal = client.principal()
    except caldav_error.AuthorizationError as exc:
        raise CalDavProblem(
            errors.Code.CALDAV_AUTH_FAILED,
            _("The CalDAV server refused this username and password."),
        ) from exc
    except niquests.TooManyRedirects as exc:
        raise CalDavProblem(
            errors.Code.CALDAV_UNREACHABLE,
            _(
                "The server answered with a redirect, which is not followed for safety: "
                "link the address it redirects to instead."
            ),
        ) from exc
    except (caldav_error.DAVError, OSError, ValueError) as exc:
        raise CalDavProblem(
            errors.Code.CALDAV_UNREACHABLE,
            _("The CalDAV server could not be used: %(problem)s") % {"problem": exc},
        ) from exc
    try:
        return principal.calendar(name=calendar)
    except caldav_error.NotFoundError as exc:
        raise CalDavProblem(
            errors.Code.CALDAV_CALENDAR_NOT_FOUND,
            _no_such_calendar(calendar, principal),
        ) from exc
    except (caldav_error.DAVError, OSError, ValueError) as exc:
        raise CalDavProblem(
            errors.Code.CALDAV_UNREACHABLE,
            _("The calendars could not be listed: %(problem)s") % {"problem": exc},
        ) from exc


def _no_such_calendar(calendar: str, principal) -> str:
    """Which calendars the account has, when the server says."""
    words = {"calendar": calendar}
    try:
        names = sorted(str(c.get_display_name() or c.url) for c in principal.calendars())
    except (caldav_error.DAVError, OSError, ValueError):
        return _("There is no calendar named “%(calendar)s” on this account.") % words
    if not names:
        return _("There is no calendar named “%(calendar)s” on this account (it has none).") % words
    words["names"] = ", ".join(names)
    return (
        _("There is no calendar named “%(calendar)s” on this account (it has: %(names)s).") % words
    )
