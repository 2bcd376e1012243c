"""Hand-made bad input from an outside review: each answers a 4xx in the error shape."""

import json

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def _is_clean_4xx(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    assert isinstance(body["code"], str) and body["detail"]
    return body


def test_close_period_year_zero(manager_api):
    _is_clean_4xx(manager_api.post("/api/v1/billing/close-period/", {"period": "0000-01"}))


@pytest.mark.parametrize("path", ["/api/v1/invoices/?client=²", "/api/v1/usage/?client=²"])
def test_superscript_digit_client(manager_api, path):
    response = manager_api.get(path)
    assert response.status_code in (200, 400), response.content[:300]


def test_nul_in_status(manager_api, client_api):
    for api in (manager_api, client_api):
        for path in ("/api/v1/invoices/?status=a%00b", "/api/v1/tasks/?status=a%00b"):
            assert api.get(path).status_code in (200, 400)


@pytest.mark.parametrize("week", ["0001-W01", "9999-W52"])
def test_extreme_weeks(manager_api, week):
    _is_clean_4xx(manager_api.get(f"/api/v1/workloads/?week={week}"))


def test_availability_year_one(manager_api):
    assistant = factories.AssistantFactory()
    _is_clean_4xx(
        manager_api.get(
            "/api/v1/availability/",
            {
                "assistant": assistant.pk,
                "start": "0001-01-01T00:00:00Z",
                "end": "0001-01-02T00:00:00Z",
            },
        )
    )


def test_task_year_one(client_api):
    _is_clean_4xx(
        client_api.post(
            "/api/v1/tasks/",
            {"title": "x", "requested_due_at": "0001-01-01T00:00:00Z"},
            format="json",
        )
    )


def test_resolve_huge_minutes(manager_api):
    entry = factories.TimeEntryFactory()
    response = manager_api.post(
        f"/api/v1/time-entries/{entry.pk}/resolve/",
        {"decision": "adjust", "billable_minutes": 2**40},
        format="json",
    )
    _is_clean_4xx(response)


@pytest.mark.parametrize(
    "url", ["http://example.com:99999/x.ics", "http://[::1/x.ics", "http://[zz::1]/x.ics"]
)
def test_bad_subscription_urls(client_api, url):
    _is_clean_4xx(client_api.post("/api/v1/calendar/subscriptions/", {"url": url}, format="json"))


@pytest.mark.parametrize("url", ["http://example.com:99999/dav/", "http://[::1/dav/"])
def test_bad_caldav_urls(client_api, url):
    body = {"url": url, "username": "u", "password": "p", "calendar": "c"}
    _is_clean_4xx(client_api.post("/api/v1/calendar/caldav-accounts/", body, format="json"))


def test_assistant_create_with_workday(manager_api):
    response = manager_api.post(
        "/api/v1/assistants/",
        {
            "email": "new-assistant@example.test",
            "password": "a-long-enough-passphrase",
            "workday_start": "08:00",
            "workday_end": "16:00",
            "working_days": [0, 1, 2],
        },
        format="json",
    )
    assert response.status_code == 201, response.content[:300]
    assert response.json()["workday_start"].startswith("08:00")


def test_deeply_nested_token_body(anon_api):
    body = "[" * 100_000 + "]" * 100_000
    response = anon_api.generic(
        "POST", "/api/v1/auth/token/", body, content_type="application/json"
    )
    _is_clean_4xx(response)


def test_unknown_api_path_and_wrong_method(client_api):
    _is_clean_4xx(client_api.get("/api/v1/nope/"))
    assert client_api.delete("/api/v1/me/").status_code == 405
    _is_clean_4xx(client_api.delete("/api/v1/me/"))


def test_an_oversized_json_body_is_413(anon_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"email": "a@example.test", "password": "x" * 20_000})
    response = anon_api.generic(
        "POST", "/api/v1/auth/token/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert _is_clean_4xx(response)["code"] == "request_too_large"


def test_an_oversized_form_body_is_413(anon_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = anon_api.post(
        "/api/v1/auth/token/",
        {"email": "a@example.test", "password": "x" * 20_000},
        format="multipart",
    )
    assert response.status_code == 413
    assert _is_clean_4xx(response)["code"] == "request_too_large"


def test_a_csrf_failure_under_the_api_is_json(client_user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_user)
    response = browser.post("/api/v1/auth/logout/")
    assert response.status_code == 403
    assert "CSRF" in _is_clean_4xx(response)["detail"]


def test_nul_bytes_in_any_filter_are_refused_not_sent_to_the_database(manager_api):
    for path in (
        "/api/v1/tasks/?q=a%00b",
        "/api/v1/invoices/?status=a%00b",
        "/api/v1/workloads/?skill=a%00b",
        "/api/v1/workloads/?ordering=a%00b",
    ):
        response = manager_api.get(path)
        assert response.status_code in (200, 400), (path, response.status_code)
