"""The portal's time-zone pickers: places grouped by area, UTC, nothing that is not a place."""

import re

import pytest
from django.test import Client

from concierge.models import User
from tests import factories
from tests.web.checks import assert_page

pytestmark = pytest.mark.django_db


def _picker(body):
    return re.search(r'<select name="timezone".*?</select>', body, re.S).group(0)


@pytest.mark.parametrize("path", ["/signup/", "/app/account/"])
def test_the_picker_groups_places_by_area(client_web, path):
    web = client_web if path.startswith("/app/") else Client()
    picker = _picker(assert_page(web.get(path), "Time zone"))
    assert '<optgroup label="Europe">' in picker and '<optgroup label="Americas">' in picker
    assert 'value="America/Argentina/Buenos_Aires"' in picker and 'value="UTC"' in picker
    assert "Etc/" not in picker and 'value="localtime"' not in picker
    assert 'value="W-SU"' not in picker and 'value="US/Eastern"' not in picker


@pytest.mark.parametrize("name", ["localtime", "Factory", "Etc/GMT+5", "W-SU", "US/Eastern"])
def test_sign_up_refuses_a_zone_that_is_not_a_place(name):
    response = Client().post(
        "/signup/",
        {"email": "z@example.test", "password": "a-long-enough-passphrase", "timezone": name},
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="z@example.test").exists()


@pytest.mark.parametrize("name", ["Europe/Paris", "America/Argentina/Buenos_Aires", "UTC"])
def test_sign_up_accepts_a_place(name):
    response = Client().post(
        "/signup/",
        {"email": "z@example.test", "password": "a-long-enough-passphrase", "timezone": name},
    )
    assert response.status_code == 302
    assert User.objects.get(email="z@example.test").timezone == name


@pytest.mark.parametrize("name", ["localtime", "Factory", "Etc/GMT+5", "W-SU", "US/Eastern"])
def test_the_account_page_refuses_a_zone_that_is_not_a_place(client_web, client_user, name):
    response = client_web.post("/app/account/", {"timezone": name})
    assert response.status_code == 400
    client_user.refresh_from_db()
    assert client_user.timezone != name


def test_a_legacy_zone_is_shown_as_its_current_name(web_for):
    user = factories.UserFactory(timezone="US/Eastern")
    picker = _picker(web_for(user).get("/app/account/").content.decode())
    assert re.search(r'<option value="America/New_York"[^>]*selected', picker)
    assert 'value="US/Eastern"' not in picker


def test_a_stored_zone_without_equivalent_is_kept_when_saving_the_name(web_for):
    user = factories.UserFactory(timezone="Etc/GMT+5")
    web = web_for(user)
    picker = _picker(assert_page(web.get("/app/account/"), "Time zone"))
    assert re.search(r'<option value="Etc/GMT\+5"[^>]*selected', picker)
    response = web.post(
        "/app/account/", {"first_name": "Kept", "timezone": "Etc/GMT+5", "language": ""}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.timezone) == ("Kept", "Etc/GMT+5")
