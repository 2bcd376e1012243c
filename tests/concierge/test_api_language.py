"""The API answers in the reader's language: `Accept-Language` first, then the account's
`language`, else English. Sentences change with it; codes and field names never do."""

from django.utils import translation
from rest_framework import serializers
from rest_framework.test import APIClient

from tests.checks import assert_error

URL = "/api/v1/tasks/"
ODD_JOB = {"title": "Odd job", "category": "taxidermy"}


def _refused(api, **headers):
    resp = api.post(URL, ODD_JOB, format="json", **headers)
    return assert_error(resp, 400, "unknown_category"), resp


def test_the_header_picks_the_language_of_a_refusal_and_its_field(client_api):
    english, resp = _refused(client_api)
    assert english["detail"].startswith("Unknown category: taxidermy.")
    assert english["fields"] == {"category": ["Unknown category: taxidermy."]}
    assert resp["Content-Language"] == "en"

    french, resp = _refused(client_api, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    assert french["code"] == english["code"]
    assert french["detail"] == (
        "Catégorie inconnue : taxidermy. GET /api/v1/categories/ liste les catégories."
    )
    assert french["fields"] == {"category": ["Catégorie inconnue : taxidermy."]}
    assert resp["Content-Language"] == "fr"


def test_without_a_header_the_account_language_speaks(client_api, client_user):
    client_user.language = "fr"
    client_user.save(update_fields=["language"])
    french, _resp = _refused(client_api)
    assert french["fields"] == {"category": ["Catégorie inconnue : taxidermy."]}
    # The header still wins over the account.
    english, _resp = _refused(client_api, HTTP_ACCEPT_LANGUAGE="en")
    assert english["fields"] == {"category": ["Unknown category: taxidermy."]}
    # A language the service does not speak leaves the account's.
    again, _resp = _refused(client_api, HTTP_ACCEPT_LANGUAGE="de")
    assert again["fields"] == french["fields"]


def test_without_either_the_api_speaks_english_whatever_the_portal_cookie_says(client_api):
    client_api.cookies["django_language"] = "fr"
    english, _resp = _refused(client_api)
    assert english["fields"] == {"category": ["Unknown category: taxidermy."]}
    # Before anyone is known too: an anonymous caller's refusal.
    anonymous = APIClient()
    anonymous.cookies["django_language"] = "fr"
    resp = anonymous.get(URL)
    assert resp.status_code == 401
    assert resp.json()["detail"] == "Authentication credentials were not provided."
    assert resp["Content-Language"] == "en"


def test_drf_own_messages_follow_the_header_too(client_api):
    blank = serializers.CharField.default_error_messages["blank"]
    english = assert_error(client_api.post(URL, {"title": ""}, format="json"), 400, "invalid")
    assert english["fields"]["title"] == [str(blank)]
    resp = client_api.post(URL, {"title": ""}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    french = assert_error(resp, 400, "invalid")
    with translation.override("fr"):
        assert french["fields"]["title"] == [str(blank)] != english["fields"]["title"]

    anonymous = APIClient()
    resp = anonymous.get(URL, HTTP_ACCEPT_LANGUAGE="fr")
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"
    assert resp.json()["detail"] != APIClient().get(URL).json()["detail"]
