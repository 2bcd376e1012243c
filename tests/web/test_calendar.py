"""The calendar page: a feed address shown once and revocable, outside calendars, CalDAV."""

import pytest
from django.test import Client

from calendar_sync.models import CalDavAccount, CalendarFeed, IcsSubscription
from tests.calendar_sync.conftest import RADICALE_PASSWORD, RADICALE_USER, radicale  # noqa: F401
from tests.calendar_sync.test_caldav import make_calendar
from tests.web.checks import assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in():
    assert_sends_to_sign_in(Client().get("/app/calendar/"), "/app/calendar/")
    assert_sends_to_sign_in(Client().post("/app/calendar/feeds/"), "/app/calendar/feeds/")
    assert not CalendarFeed.objects.exists()


@pytest.mark.parametrize("role", ["client_web", "assistant_web", "manager_web"])
def test_every_role_gets_a_feed_address_once(request, role):
    web = request.getfixturevalue(role)
    body = assert_page(web.post("/app/calendar/feeds/", {"name": "Phone"}), "shown only now")
    feed = CalendarFeed.objects.get(user=web.user)
    url = body.split('id="new-feed-url" type="text" readonly value="')[1].split('"')[0]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    assert Client().get(url.removeprefix("http://testserver")).status_code == 200
    again = assert_page(web.get("/app/calendar/"), "Phone", feed.token_hint)
    assert url not in again


def test_revoking_a_feed_stops_it_and_others_cannot(client_web, other_client_web):
    body = client_web.post("/app/calendar/feeds/", {}).content.decode()
    path = body.split('readonly value="http://testserver')[1].split('"')[0]
    feed = CalendarFeed.objects.get()
    assert other_client_web.post(f"/app/calendar/feeds/{feed.pk}/revoke/").status_code == 404
    assert Client().get(path).status_code == 200
    assert client_web.post(f"/app/calendar/feeds/{feed.pk}/revoke/").status_code == 302
    assert Client().get(path).status_code == 404


def test_an_outside_calendar_is_checked_and_errors_stand_beside_the_field(client_web, settings):
    settings.ALLOW_PRIVATE_FETCH = False
    response = client_web.post("/app/calendar/outside/", {"url": "http://127.0.0.1/cal.ics"})
    body = assert_page(response, status=400)
    assert body.index("field-error") > body.index('for="id_url"')
    assert not IcsSubscription.objects.exists()


def test_a_caldav_account_is_checked_then_linked(client_web, client_user, radicale):  # noqa: F811
    make_calendar(radicale)
    form = {"url": radicale, "username": RADICALE_USER, "calendar": "Tasks"}
    refused = client_web.post("/app/calendar/caldav/", {**form, "password": "wrong"})
    body = assert_page(refused, status=400)
    assert body.index("field-error") > body.index('for="id_url"')
    assert not CalDavAccount.objects.exists()
    response = client_web.post("/app/calendar/caldav/", {**form, "password": RADICALE_PASSWORD})
    assert response.status_code == 302
    account = CalDavAccount.objects.get(user=client_user)
    assert RADICALE_PASSWORD not in account.password_encrypted
    assert_page(client_web.get("/app/calendar/"), "Linked to Tasks", "Save the CalDAV link")
