"""Fetching outside ICS calendars safely, and turning them into busy intervals.

`fetch` refuses private, loopback and link-local addresses (unless
settings.ALLOW_PRIVATE_FETCH) and connects to the very address it checked, follows at most
a few redirects (each checked), and stops at a deadline and a size limit.
`busy_intervals` is pure: it expands recurring events over a window, drops transparent and
cancelled events, and reads all-day and floating times in the owner's zone.
"""

import datetime
import http.client
import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

import icalendar
import recurring_ical_events
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_REDIRECTS = 3
# Occurrences one import may expand (its busy times over the import window).
MAX_OCCURRENCES = 5000
REDIRECTS = (301, 302, 303, 307, 308)
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """The calendar could not be fetched or read; the message is shown to its owner.

    Parsing and expanding run in a bounded child interpreter (`busy_intervals`), where
    Django is not set up: there the message is lazy (`gettext_lazy`), pickled back to the
    parent and written in its reader's language when read."""


class TooManyEvents(FetchError):
    """More than MAX_OCCURRENCES events in the weeks imported (raised in the child)."""

    def __str__(self):
        return _(
            "The calendar has more than %(count)s events in the next weeks; "
            "import a calendar with fewer."
        ) % {"count": MAX_OCCURRENCES}


def fetch_timeout():
    return getattr(settings, "CALENDAR_FETCH_TIMEOUT", 10)


def fetch_max_bytes():
    return getattr(settings, "CALENDAR_FETCH_MAX_BYTES", 2 * 1024 * 1024)


def normalise_url(url):
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    return url


NAT64_PREFIXES = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # RFC 6052 well-known prefix
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # RFC 8215 local-use prefix
)
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d


def _embedded_ipv4(ip):
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, Teredo, compatible),
    or None: a translator or relay would deliver traffic for it to that IPv4 address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in prefix for prefix in NAT64_PREFIXES) or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _address_is_public(address):
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return embedded.is_global and not embedded.is_multicast
    return ip.is_global and not ip.is_multicast


def split_url(url):
    """`urlsplit`, with a broken address (bad port, malformed IPv6 literal, no host, not
    http or https) a FetchError that says so rather than a ValueError."""
    try:
        parts = urlsplit(url)
        port = parts.port  # reading it validates it
    except ValueError as exc:
        raise FetchError(_("This address is not a valid URL (host or port).")) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(_("Only http and https addresses can be imported."))
    if port == 0:
        raise FetchError(_("This address is not a valid URL (host or port)."))
    return parts


def vetted_address(parts):
    """The one address this service will connect to for `parts` (from `split_url`): every
    address the host resolves to must be public (unless settings.ALLOW_PRIVATE_FETCH)."""
    try:
        infos = socket.getaddrinfo(
            parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme], type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            _("The host %(hostname)s could not be resolved.") % {"hostname": parts.hostname}
        ) from exc
    addresses = [info[4][0] for info in infos]
    private_allowed = getattr(settings, "ALLOW_PRIVATE_FETCH", False)
    if not private_allowed and not all(_address_is_public(address) for address in addresses):
        raise FetchError(
            _("The host %(hostname)s is a private, loopback or link-local address.")
            % {"hostname": parts.hostname}
        )
    return addresses[0]


def check_url(url):
    """Raises FetchError unless the URL is http(s) to a host this service may contact."""
    parts = split_url(url)
    if not getattr(settings, "ALLOW_PRIVATE_FETCH", False):
        vetted_address(parts)  # nothing to vet otherwise: the address is not resolved here


class _PinnedAddress(http.client.HTTPConnection):
    """Connect to the address that was vetted, never to a second DNS answer: a hostile
    DNS server could otherwise answer a public address to the check and a private one to
    the connection. TLS still verifies the certificate against the host name."""

    def __init__(self, host: str, port: int | None, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)

        def create_connection(host_port, *args, **kwargs):
            return socket.create_connection((address, host_port[1]), *args, **kwargs)

        self._create_connection = create_connection


class _PinnedHTTPConnection(_PinnedAddress):
    pass


class _PinnedHTTPSConnection(_PinnedAddress, http.client.HTTPSConnection):
    pass


def _get(url):
    """One GET of `url`, connected to its vetted address: (connection, response)."""
    parts = split_url(url)
    address = vetted_address(parts)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(
        parts.hostname, parts.port, address=address, timeout=fetch_timeout()
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection.request(
        "GET",
        path,
        headers={"Accept": "text/calendar, */*;q=0.5", "User-Agent": "Concierge/1.0"},
    )
    return connection, connection.getresponse()


def _read(response, *, limit, deadline):
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FetchError(_("The calendar is larger than %(limit)s bytes.") % {"limit": limit})
    body = bytearray()
    # read1: whatever has arrived, so a server trickling bytes still meets the deadline.
    while chunk := response.read1(65536):
        body.extend(chunk)
        if len(body) > limit:
            raise FetchError(_("The calendar is larger than %(limit)s bytes.") % {"limit": limit})
        if time.monotonic() > deadline:
            raise TimeoutError
    return bytes(body)


def fetch(url):
    """The body of an ICS address, as bytes, read within the timeout (for the whole
    fetch, not only for each read) and the size limit."""
    url = normalise_url(url)
    limit = fetch_max_bytes()
    deadline = time.monotonic() + fetch_timeout()
    for _hop in range(MAX_REDIRECTS + 1):
        connection = None
        try:
            connection, response = _get(url)
            if response.status in REDIRECTS and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if response.status != 200:
                raise FetchError(
                    _("The calendar answered HTTP %(status)s.") % {"status": response.status}
                )
            return _read(response, limit=limit, deadline=deadline)
        except TimeoutError as exc:
            raise FetchError(_("The calendar did not answer in time.")) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(
                _("The calendar could not be fetched: %(problem)s.")
                % {"problem": exc.__class__.__name__}
            ) from exc
        finally:
            if connection is not None:
                connection.close()
    raise FetchError(_("The calendar redirected too many times."))


def _as_instant(value, zone, *, is_end=False):
    """An aware datetime for a DTSTART/DTEND value: dates are midnights in `zone`, floating
    times are read in `zone`."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(datetime.UTC)
    midnight = datetime.datetime.combine(value, datetime.time(0), tzinfo=zone)
    return midnight.astimezone(datetime.UTC)


def _event_span(event, zone):
    start_value = event.get("DTSTART")
    if start_value is None:
        return None
    start_value = start_value.dt
    end_prop = event.get("DTEND")
    if end_prop is not None:
        end_value = end_prop.dt
    elif event.get("DURATION") is not None:
        end_value = start_value + event.get("DURATION").dt
    elif isinstance(start_value, datetime.datetime):
        end_value = start_value
    else:
        end_value = start_value + datetime.timedelta(days=1)
    return _as_instant(start_value, zone), _as_instant(end_value, zone)


def parse(body):
    try:
        return icalendar.Calendar.from_ical(body)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise FetchError(gettext_lazy("The calendar is not valid iCalendar data.")) from exc


def busy_intervals(body, *, zone, start, end):
    """Merged busy `[start, end)` pairs (aware UTC) of an ICS body within the window."""
    calendar = parse(body)
    if calendar.name != "VCALENDAR":
        raise FetchError(gettext_lazy("The calendar is not valid iCalendar data."))
    try:
        occurrences = list(_occurrences(calendar, start.astimezone(zone), end.astimezone(zone)))
    except FetchError:
        raise
    except Exception as exc:  # any library failure means an unreadable feed
        raise FetchError(gettext_lazy("The calendar's events could not be read.")) from exc
    spans = []
    for event in occurrences:
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        span = _event_span(event, zone)
        if span is None:
            continue
        lo, hi = max(span[0], start), min(span[1], end)
        if hi > lo:
            spans.append((lo, hi))
    return merge(spans)


def _occurrences(calendar, start, end):
    """The events of the window in start order, lazily, at most MAX_OCCURRENCES: a few
    bytes of `FREQ=MINUTELY` would otherwise be expanded in full, in memory."""
    for count, event in enumerate(
        recurring_ical_events.of(calendar, skip_bad_series=True).after(start)
    ):
        if count >= MAX_OCCURRENCES:
            raise TooManyEvents()
        event_start = event.get("DTSTART")
        if event_start is None:
            continue
        if _as_instant(event_start.dt, start.tzinfo) >= end:
            return
        yield event


def merge(
    spans: list[tuple[datetime.datetime, datetime.datetime]],
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    merged: list[tuple[datetime.datetime, datetime.datetime]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged
