import datetime
import time
import zoneinfo

import pytest
from django.test import override_settings

from calendar_sync import importer, jobs, services
from calendar_sync.models import BusyInterval, FetchStatus, IcsSubscription
from tests import factories
from tests.checks import assert_access_matrix, assert_error

pytestmark = pytest.mark.django_db

SUBS = "/api/v1/calendar/subscriptions/"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=datetime.UTC)


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def vcal(*events, extra=""):
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//EN", extra, *events])
    return (body + "\r\nEND:VCALENDAR\r\n").replace("\r\n\r\n", "\r\n")


def vevent(uid, *lines):
    return "\r\n".join(
        ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT"]
    )


def subscribe(user, url):
    return IcsSubscription.objects.create(user=user, url=url)


def refresh(subscription):
    services.subscription_refresh(subscription_id=subscription.pk, now=NOW)
    subscription.refresh_from_db()
    return [(b.starts_at, b.ends_at) for b in subscription.busy_intervals.order_by("starts_at")]


VTZ_PARIS = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Paris",
        "BEGIN:DAYLIGHT",
        "DTSTART:19810329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "DTSTART:19961027T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
)


def test_recurring_events_expanded_across_dst(ics_server):
    """A daily 09:00 Paris meeting stays at 09:00 local: 08:00 UTC before 29 March, 07:00
    after; only the 60 days from now are kept."""
    url = ics_server(
        "/daily.ics",
        vcal(
            vevent(
                "daily",
                "DTSTART;TZID=Europe/Paris:20260301T090000",
                "DTEND;TZID=Europe/Paris:20260301T100000",
                "RRULE:FREQ=DAILY",
            ),
            extra=VTZ_PARIS,
        ),
    )
    user = factories.ClientFactory()
    sub = subscribe(user, url)
    busy = refresh(sub)
    assert sub.status == FetchStatus.OK and sub.last_error == ""
    assert busy[0] == (utc(2026, 3, 21, 8), utc(2026, 3, 21, 9))
    assert (utc(2026, 3, 28, 8), utc(2026, 3, 28, 9)) in busy
    assert (utc(2026, 3, 29, 7), utc(2026, 3, 29, 8)) in busy
    assert busy[-1][0] < NOW + datetime.timedelta(days=60)
    assert len(busy) == 60
    assert sub.busy_count == 60


def test_transparent_and_cancelled_ignored(ics_server):
    url = ics_server(
        "/mixed.ics",
        vcal(
            vevent("busy", "DTSTART:20260325T100000Z", "DTEND:20260325T110000Z"),
            vevent(
                "free", "DTSTART:20260325T120000Z", "DTEND:20260325T130000Z", "TRANSP:TRANSPARENT"
            ),
            vevent(
                "gone", "DTSTART:20260325T140000Z", "DTEND:20260325T150000Z", "STATUS:CANCELLED"
            ),
            vevent("past", "DTSTART:20260301T100000Z", "DTEND:20260301T110000Z"),
        ),
    )
    busy = refresh(subscribe(factories.ClientFactory(), url))
    assert busy == [(utc(2026, 3, 25, 10), utc(2026, 3, 25, 11))]


def test_cancelled_instance_of_series_ignored(ics_server):
    url = ics_server(
        "/series.ics",
        vcal(
            vevent(
                "weekly",
                "DTSTART:20260323T100000Z",
                "DTEND:20260323T110000Z",
                "RRULE:FREQ=WEEKLY;COUNT=3",
            ),
            vevent(
                "weekly",
                "RECURRENCE-ID:20260330T100000Z",
                "DTSTART:20260330T100000Z",
                "DTEND:20260330T110000Z",
                "STATUS:CANCELLED",
            ),
        ),
    )
    busy = refresh(subscribe(factories.ClientFactory(), url))
    assert busy == [
        (utc(2026, 3, 23, 10), utc(2026, 3, 23, 11)),
        (utc(2026, 4, 6, 9 + 1), utc(2026, 4, 6, 11)),
    ]


def test_all_day_events_in_owner_zone(ics_server):
    url = ics_server(
        "/allday.ics",
        vcal(
            vevent("day", "DTSTART;VALUE=DATE:20260401", "DTEND;VALUE=DATE:20260403"),
            vevent("dst", "DTSTART;VALUE=DATE:20260329"),
        ),
    )
    paris = factories.ClientFactory(timezone="Europe/Paris")
    tokyo = factories.ClientFactory(timezone="Asia/Tokyo")
    busy = refresh(subscribe(paris, url))
    # 29 March in Paris is 23 hours long (DST starts)
    assert busy == [
        (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)),
        (utc(2026, 3, 31, 22), utc(2026, 4, 2, 22)),
    ]
    busy = refresh(subscribe(tokyo, url))
    assert busy[1] == (utc(2026, 3, 31, 15), utc(2026, 4, 2, 15))


def test_floating_times_read_in_owner_zone(ics_server):
    url = ics_server("/floating.ics", vcal(vevent("f", "DTSTART:20260401T090000", "DURATION:PT2H")))
    busy = refresh(subscribe(factories.ClientFactory(timezone="Europe/Paris"), url))
    assert busy == [(utc(2026, 4, 1, 7), utc(2026, 4, 1, 9))]


def test_overlapping_events_merged(ics_server):
    url = ics_server(
        "/overlap.ics",
        vcal(
            vevent("a", "DTSTART:20260401T090000Z", "DTEND:20260401T110000Z"),
            vevent("b", "DTSTART:20260401T100000Z", "DTEND:20260401T120000Z"),
        ),
    )
    busy = refresh(subscribe(factories.ClientFactory(), url))
    assert busy == [(utc(2026, 4, 1, 9), utc(2026, 4, 1, 12))]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("this is not a calendar", 200),
        ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n", 200),
        ("", 500),
    ],
)
def test_broken_feed_recorded_and_keeps_last_good(ics_server, body, status):
    good = vcal(vevent("a", "DTSTART:20260401T090000Z", "DTEND:20260401T100000Z"))
    url = ics_server("/cal.ics", good)
    sub = subscribe(factories.ClientFactory(), url)
    assert len(refresh(sub)) == 1
    ics_server("/cal.ics", body, status=status)
    busy = refresh(sub)
    assert sub.status == FetchStatus.ERROR
    assert sub.last_error
    assert len(busy) == 1  # the last good import is kept
    assert sub.last_success_at is not None


def test_too_large_feed_refused(ics_server, settings):
    settings.CALENDAR_FETCH_MAX_BYTES = 1000
    padding = "X-PAD:" + "x" * 60
    events = [vevent(f"e{i}", "DTSTART:20260401T090000Z", padding) for i in range(50)]
    url = ics_server("/big.ics", vcal(*events))
    sub = subscribe(factories.ClientFactory(), url)
    refresh(sub)
    assert sub.status == FetchStatus.ERROR and "larger than 1000 bytes" in sub.last_error
    # also when the server does not declare a length (read until the limit, then stop)
    url = ics_server("/big2.ics", vcal(*events), headers={"Content-Length": None})
    with pytest.raises(importer.FetchError, match="larger than"):
        importer.fetch(url)
    settings.CALENDAR_FETCH_MAX_BYTES = 100_000
    assert importer.fetch(url).startswith(b"BEGIN:VCALENDAR")


def test_fetch_times_out_on_a_silent_server(raw_server, settings):
    port, accepted, _ = raw_server  # accepts, never answers
    settings.CALENDAR_FETCH_TIMEOUT = 0.5
    started = time.monotonic()
    with pytest.raises(importer.FetchError, match="in time"):
        importer.fetch(f"http://127.0.0.1:{port}/cal.ics")
    assert len(accepted) == 1
    assert time.monotonic() - started < 5


def test_fetch_deadline_covers_a_trickling_server(raw_server, settings):
    """A server sending a byte at a time never trips a per-read timeout; the whole fetch
    still stops at the deadline."""
    port, _, behaviour = raw_server

    def trickle(connection):
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n\r\n")
        try:
            for _ in range(200):
                connection.sendall(b"X")
                time.sleep(0.05)
        except OSError:
            pass

    behaviour["handle"] = trickle
    settings.CALENDAR_FETCH_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(importer.FetchError, match="in time"):
        importer.fetch(f"http://127.0.0.1:{port}/cal.ics")
    assert time.monotonic() - started < 4


@override_settings(ALLOW_PRIVATE_FETCH=False, CALENDAR_FETCH_TIMEOUT=1)
def test_fetch_connects_to_the_vetted_address_not_a_second_dns_answer(raw_server, rebinding_dns):
    """DNS rebinding: the name answers a public address when checked and loopback when
    asked again. The fetch must connect to the address it checked (unreachable here) and
    never reach the loopback server."""
    port, accepted, _ = raw_server
    lookups = rebinding_dns("calendar.example")
    with pytest.raises(importer.FetchError):
        importer.fetch(f"http://calendar.example:{port}/cal.ics")
    assert lookups == ["calendar.example"]
    assert accepted == []


@override_settings(ALLOW_PRIVATE_FETCH=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/cal.ics",
        "http://localhost/cal.ics",
        "http://10.0.0.5/cal.ics",
        "http://192.168.1.1/cal.ics",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/cal.ics",
        "http://[::ffff:127.0.0.1]/cal.ics",
        "http://0.0.0.0/cal.ics",
        "ftp://example.com/cal.ics",
        "file:///etc/passwd",
    ],
)
def test_private_addresses_refused(url, client_api):
    with pytest.raises(importer.FetchError):
        importer.fetch(url)
    assert_error(client_api.post(SUBS, {"url": url}, format="json"), 400, "url_not_allowed")


def test_private_address_refused_on_refresh_and_via_redirect(ics_server, settings):
    target = ics_server("/real.ics", vcal())
    redirect = ics_server("/redirect.ics", "", status=302, headers={"Location": target})
    sub = subscribe(factories.ClientFactory(), redirect)
    refresh(sub)
    assert sub.status == FetchStatus.OK  # allowed while ALLOW_PRIVATE_FETCH is on
    settings.ALLOW_PRIVATE_FETCH = False
    refresh(sub)
    assert sub.status == FetchStatus.ERROR and "private" in sub.last_error


def test_refresh_all_job_survives_broken_feeds(ics_server, django_capture_on_commit_callbacks):
    good = ics_server("/good.ics", vcal(vevent("a", "DTSTART:20990401T090000Z")))
    bad = ics_server("/bad.ics", "nope")
    user = factories.ClientFactory()
    sub_bad = subscribe(user, bad)
    sub_good = subscribe(user, good)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.refresh_all_subscriptions() == 2
    sub_bad.refresh_from_db()
    sub_good.refresh_from_db()
    assert sub_bad.status == FetchStatus.ERROR
    assert sub_good.status == FetchStatus.OK
    assert jobs.refresh_subscription(sub_good.pk) == FetchStatus.OK
    assert jobs.refresh_subscription(10**9) is None


# --- API -------------------------------------------------------------------------------


def test_subscription_matrix(anon_api, client_api, other_client_api, client_user):
    sub = subscribe(client_user, "http://127.0.0.1:9/none.ics")
    assert_access_matrix(method="get", url=SUBS, anonymous=anon_api)
    assert_access_matrix(method="post", url=SUBS, anonymous=anon_api)
    assert_access_matrix(
        method="post", url=f"{SUBS}{sub.pk}/refresh/", anonymous=anon_api, hidden=[other_client_api]
    )
    listed = other_client_api.get(SUBS).json()
    assert listed["results"] == []


def test_subscribe_imports_and_refresh_on_demand(
    ics_server, assistant_api, assistant_user, django_capture_on_commit_callbacks
):
    url = ics_server(
        "/mine.ics", vcal(vevent("a", "DTSTART:20990401T090000Z", "DTEND:20990401T100000Z"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        resp = assistant_api.post(SUBS, {"url": url, "name": "Google"}, format="json")
    assert resp.status_code == 201, resp.content
    sub_id = resp.json()["id"]
    sub = IcsSubscription.objects.get(pk=sub_id)
    assert sub.status == FetchStatus.OK  # the queued first import ran
    ics_server("/mine.ics", "broken")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        resp = assistant_api.post(f"{SUBS}{sub_id}/refresh/")
    assert resp.status_code == 202  # queued, not run inside the request
    assert len(queued) == 1
    row = assistant_api.get(SUBS).json()["results"][0]
    assert row["status"] == "error" and row["last_error"]
    listed = assistant_api.get(SUBS).json()["results"]
    assert [s["id"] for s in listed] == [sub_id]


def test_subscription_validation(client_api):
    assert_error(client_api.post(SUBS, {}, format="json"), 400, "invalid")
    resp = client_api.post(SUBS, {"url": "webcal://127.0.0.1/x.ics"}, format="json")
    assert resp.status_code == 201
    assert resp.json()["url"] == "https://127.0.0.1/x.ics"


@pytest.mark.parametrize("size", [2, 12])
def test_subscription_list_queries(size, client_api, client_user, django_assert_num_queries):
    for i in range(size):
        subscribe(client_user, f"http://127.0.0.1:9/{i}.ics")
    with django_assert_num_queries(3):  # token, count, page
        resp = client_api.get(SUBS)
    assert resp.json()["count"] == size


def test_busy_intervals_belong_to_owner(ics_server):
    url = ics_server("/a.ics", vcal(vevent("a", "DTSTART:20260401T090000Z", "DURATION:PT1H")))
    user = factories.AssistantFactory()
    refresh(subscribe(user, url))
    assert BusyInterval.objects.get().user == user
