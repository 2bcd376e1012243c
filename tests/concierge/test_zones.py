"""The zones people live in (concierge/zones.py): one list for the API, models and portal."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from concierge import zones
from concierge.models import User, validate_timezone
from tests import factories
from tests.checks import assert_error

REFUSED = ["localtime", "Factory", "Etc/GMT+5", "W-SU", "US/Eastern", "posixrules", "GMT"]
ACCEPTED = ["Europe/Paris", "America/Argentina/Buenos_Aires", "UTC"]


@pytest.mark.parametrize("name", REFUSED)
def test_names_that_are_not_places_are_refused(name):
    assert not zones.is_valid_zone(name)
    with pytest.raises(ValidationError) as refused:
        validate_timezone(name)
    assert refused.value.code == "invalid_timezone"


@pytest.mark.parametrize("name", ACCEPTED)
def test_places_and_utc_are_accepted(name):
    assert zones.is_valid_zone(name)
    validate_timezone(name)


def test_the_list_is_geographic_canonical_names_and_utc():
    names = zones.zones()
    assert names[0] == "UTC" and len(set(names)) == len(names)
    assert 300 < len(names) < 500  # zone.tab's ~420, not available_timezones()' ~600
    assert {name.split("/")[0] for name in names[1:]} == set(zones.AREAS)
    assert "Asia/Kolkata" in names and "Asia/Calcutta" not in names
    assert "Europe/Oslo" in names  # per country, not zone1970.tab's merged zones
    assert not [name for name in names if name.startswith(("Etc/", "US/", "SystemV/"))]


def test_a_legacy_name_has_its_listed_equivalent():
    assert zones.canonical("US/Eastern") == "America/New_York"
    assert zones.canonical("Asia/Calcutta") == "Asia/Kolkata"
    assert zones.canonical("Etc/UTC") == "UTC"
    assert zones.canonical("Europe/Paris") == "Europe/Paris"
    assert zones.canonical("Etc/GMT+5") is None
    assert zones.canonical("Nowhere/Land") is None


def test_picker_groups_by_area_without_etc():
    choices = zones.grouped_choices()
    assert choices[0] == ("UTC", "UTC")
    with translation.override("en"):
        groups = {str(label): members for label, members in choices[1:]}
        assert list(groups) == [str(label) for label in zones.AREAS.values()]
    americas = dict(groups["Americas"])
    assert americas["America/Argentina/Buenos_Aires"] == "Argentina / Buenos Aires"
    values = [value for _, members in choices[1:] for value, _ in members]
    assert not [value for value in values if value.startswith("Etc/") or "/" not in value]


# --- API ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", REFUSED)
def test_me_patch_refuses_a_zone_that_is_not_a_place(client_api, client_user, name):
    body = assert_error(client_api.patch("/api/v1/me/", {"timezone": name}), 400, "invalid")
    assert "timezone" in body["fields"]
    client_user.refresh_from_db()
    assert client_user.timezone != name


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACCEPTED)
def test_me_patch_accepts_a_place(client_api, client_user, name):
    response = client_api.patch("/api/v1/me/", {"timezone": name})
    assert response.status_code == 200, response.content
    assert response.json()["timezone"] == name


@pytest.mark.django_db
def test_a_legacy_zone_is_refused_naming_its_current_name(client_api):
    body = assert_error(client_api.patch("/api/v1/me/", {"timezone": "US/Eastern"}), 400, "invalid")
    assert "America/New_York" in body["fields"]["timezone"][0]


@pytest.mark.django_db
def test_register_refuses_a_zone_that_is_not_a_place(anon_api):
    response = anon_api.post(
        "/api/v1/auth/register/",
        {"email": "z@example.test", "password": "a-long-enough-secret-9", "timezone": "Factory"},
    )
    assert_error(response, 400, "invalid")
    assert not User.objects.filter(email="z@example.test").exists()


@pytest.mark.django_db
def test_manager_cannot_give_an_assistant_a_zone_that_is_not_a_place(manager_api, assistant_user):
    response = manager_api.patch(
        f"/api/v1/assistants/{assistant_user.pk}/", {"timezone": "Etc/GMT+5"}
    )
    assert_error(response, 400, "invalid")


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ["US/Eastern", "Etc/GMT+5"])
def test_a_person_whose_stored_zone_is_no_longer_listed_keeps_working(api_for, stored):
    user = factories.UserFactory(timezone=stored)  # stored before the list narrowed
    api = api_for(user)
    assert api.get("/api/v1/me/").json()["timezone"] == stored
    assert user.zone.key == stored  # it still loads
    renamed = api.patch("/api/v1/me/", {"first_name": "Still"})
    assert renamed.status_code == 200, renamed.content
    user.refresh_from_db()
    assert (user.first_name, user.timezone) == ("Still", stored)
    moved = api.patch("/api/v1/me/", {"timezone": "America/New_York"})
    assert moved.status_code == 200
