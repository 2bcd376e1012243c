"""The calendar page changes and removes what it adds: an outside calendar (its name or
address) and the CalDAV link (its settings, the stored password kept unless a new one is
given)."""

import pytest
from django.test import Client

from calendar_sync.models import CalDavAccount, IcsSubscription
from tests.calendar_sync.conftest import RADICALE_PASSWORD, RADICALE_USER, radicale  # noqa: F401
from tests.calendar_sync.test_caldav import make_calendar
from tests.web.checks import assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def outside(client_user):
    return IcsSubscription.objects.create(
        user=client_user, url="https://calendar.example.test/work.ics", name="Work"
    )


def test_anonymous_is_sent_to_sign_in(outside):
    path = f"/app/calendar/outside/{outside.pk}/"
    assert_sends_to_sign_in(Client().get(path), path)
    assert Client().post(f"{path}remove/").status_code == 302
    assert IcsSubscription.objects.filter(pk=outside.pk).exists()


def test_an_outside_calendar_is_renamed_and_given_a_new_address(client_web, outside, settings):
    page = assert_page(client_web.get("/app/calendar/"), "Work", "Change", "Remove")
    assert f'href="/app/calendar/outside/{outside.pk}/"' in page
    assert_page(client_web.get(f"/app/calendar/outside/{outside.pk}/"), outside.url)
    response = client_web.post(
        f"/app/calendar/outside/{outside.pk}/",
        {"name": "Office", "url": "https://calendar.example.test/office.ics"},
    )
    assert response["Location"] == "/app/calendar/"
    outside.refresh_from_db()
    assert (outside.name, outside.url) == ("Office", "https://calendar.example.test/office.ics")


def test_a_bad_new_address_is_refused_beside_the_field(client_web, outside, settings):
    settings.ALLOW_PRIVATE_FETCH = False
    response = client_web.post(
        f"/app/calendar/outside/{outside.pk}/", {"name": "Work", "url": "http://127.0.0.1/x.ics"}
    )
    body = assert_page(response, status=400)
    assert body.index("field-error") > body.index('for="id_url"')
    outside.refresh_from_db()
    assert outside.url == "https://calendar.example.test/work.ics"


def test_an_outside_calendar_is_removed(client_web, outside):
    response = client_web.post(f"/app/calendar/outside/{outside.pk}/remove/", follow=True)
    assert_page(response, "The calendar is removed")
    assert not IcsSubscription.objects.exists()


def test_another_persons_calendar_is_not_found(other_client_web, manager_web, outside):
    for web in (other_client_web, manager_web):
        assert web.get(f"/app/calendar/outside/{outside.pk}/").status_code == 404
        assert web.post(f"/app/calendar/outside/{outside.pk}/remove/").status_code == 404
        assert (
            web.post(
                f"/app/calendar/outside/{outside.pk}/", {"name": "Mine", "url": "https://x.test/a"}
            ).status_code
            == 404
        )
    outside.refresh_from_db()
    assert outside.name == "Work"


def test_the_caldav_link_is_changed_keeping_its_password_then_unlinked(
    client_web,
    other_client_web,
    client_user,
    radicale,  # noqa: F811
):
    make_calendar(radicale)
    make_calendar(radicale, name="Errands")
    form = {"url": radicale, "username": RADICALE_USER, "calendar": "Tasks"}
    client_web.post("/app/calendar/caldav/", {**form, "password": RADICALE_PASSWORD})
    account = CalDavAccount.objects.get(user=client_user)
    page = assert_page(client_web.get("/app/calendar/"), "Save the CalDAV link", "Unlink")
    assert 'id="id_caldav_calendar"' in page and 'value="Tasks"' in page
    assert RADICALE_PASSWORD not in page

    wrong = client_web.post(
        f"/app/calendar/caldav/{account.pk}/", {**form, "calendar": "Errands", "password": "no"}
    )
    assert_page(wrong, status=400)
    account.refresh_from_db()
    assert account.calendar == "Tasks"
    # No password given: the stored one is used.
    kept = client_web.post(f"/app/calendar/caldav/{account.pk}/", {**form, "calendar": "Errands"})
    assert kept["Location"] == "/app/calendar/"
    account.refresh_from_db()
    assert account.calendar == "Errands"

    assert other_client_web.post(f"/app/calendar/caldav/{account.pk}/unlink/").status_code == 404
    assert (
        other_client_web.post(
            f"/app/calendar/caldav/{account.pk}/", {**form, "password": RADICALE_PASSWORD}
        ).status_code
        == 404
    )
    response = client_web.post(f"/app/calendar/caldav/{account.pk}/unlink/", follow=True)
    assert_page(response, "Your CalDAV calendar is unlinked", "Link CalDAV account")
    assert not CalDavAccount.objects.exists()
