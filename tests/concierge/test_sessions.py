"""Sessions that end: throttled logins, tokens that expire when idle, logout, and a
password change that ends every token of the user. Tokens are stored as digests."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from concierge import services
from concierge.accounts.models import AccountSession
from concierge.accounts.sessions import digest_of
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/token/"


def _login(api, user, password=factories.PASSWORD):
    return api.post(LOGIN, {"email": user.email, "password": password}, format="json")


def _assert_throttled(response):
    assert response.status_code == 429, response.content
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


def test_token_endpoint_is_throttled_per_address(anon_api, client_user, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    for _ in range(3):
        assert _login(anon_api, client_user, "wrong").status_code == 400
    _assert_throttled(_login(anon_api, client_user))
    # A forged X-Forwarded-For does not buy new attempts (no proxy is trusted by default).
    _assert_throttled(
        anon_api.post(
            LOGIN,
            {"email": client_user.email, "password": factories.PASSWORD},
            format="json",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    )
    # Another address still gets in.
    other = anon_api.post(
        LOGIN,
        {"email": client_user.email, "password": factories.PASSWORD},
        format="json",
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 200


def test_registration_is_throttled(anon_api, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"register": "2/hour"})
    for n in range(2):
        body = {"email": f"new{n}@example.test", "password": "a-long-enough-secret-9"}
        assert anon_api.post("/api/v1/auth/register/", body, format="json").status_code == 201
    body = {"email": "new9@example.test", "password": "a-long-enough-secret-9"}
    _assert_throttled(anon_api.post("/api/v1/auth/register/", body, format="json"))


def test_the_admin_signs_in_through_the_portal_door(client):
    """The admin has no login form of its own: the portal's is throttled and asks for
    the second factor."""
    manager_user = services.manager_create(email="boss@example.test", password=factories.PASSWORD)
    for method in (client.get, client.post):
        answer = method("/admin/login/?next=/admin/concierge/task/")
        assert answer.status_code == 302
        assert answer["Location"] == "/login/?next=/admin/concierge/task/"
    posted = client.post(
        "/admin/login/", {"username": manager_user.email, "password": factories.PASSWORD}
    )
    assert posted.status_code == 302 and "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    client.post("/login/", {"email": manager_user.email, "password": factories.PASSWORD})
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"


def test_logout_revokes_the_presented_token(anon_api, client_user, api_for):
    token = _login(anon_api, client_user).json()["token"]
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_api.post("/api/v1/auth/logout/").status_code == 204
    answer = anon_api.get("/api/v1/me/")
    assert answer.status_code == 401
    assert not AccountSession.objects.filter(digest=digest_of(token)).exists()
    # Logging in again gives a new token that works.
    anon_api.credentials()
    fresh = _login(anon_api, client_user).json()["token"]
    assert fresh != token
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert anon_api.get("/api/v1/me/").status_code == 200


def test_logout_needs_a_session(anon_api):
    answer = anon_api.post("/api/v1/auth/logout/")
    assert answer.status_code == 401 and answer.json()["code"] == "not_authenticated"


def test_logout_ends_a_browser_session(client, client_user):
    client.force_login(client_user)
    assert client.get("/api/v1/me/").status_code == 200
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/me/").status_code in (401, 403)


@override_settings(TOKEN_IDLE_TIMEOUT_SECONDS=3600)
def test_a_token_expires_after_the_idle_time(client_api, client_user):
    assert client_api.get("/api/v1/me/").status_code == 200
    session = AccountSession.objects.get(user=client_user, kind="token")
    # Used 59 minutes ago: still alive, and the use is recorded (sliding expiry).
    AccountSession.objects.filter(pk=session.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(minutes=59)
    )
    assert client_api.get("/api/v1/me/").status_code == 200
    session.refresh_from_db()
    assert timezone.now() - session.last_used_at < datetime.timedelta(minutes=1)
    # Idle for more than an hour: over.
    AccountSession.objects.filter(pk=session.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    answer = client_api.get("/api/v1/me/")
    assert answer.status_code == 401 and answer.json()["code"] == "token_expired"


def test_a_use_within_minutes_writes_nothing(client_api, client_user, django_assert_num_queries):
    client_api.get("/api/v1/me/")
    with django_assert_num_queries(1):  # the token's row and its user, in one query
        assert client_api.get("/api/v1/me/").status_code == 200


def test_a_password_change_ends_every_token(client_api, client_user, anon_api):
    assert client_api.get("/api/v1/me/").status_code == 200
    client_user.set_password("another-long-secret-42")
    client_user.save()
    answer = client_api.get("/api/v1/me/")
    assert answer.status_code == 401 and answer.json()["code"] == "token_expired"
    assert _login(anon_api, client_user, "another-long-secret-42").status_code == 200


def test_a_key_copied_from_the_database_signs_in_as_nobody(anon_api, client_user):
    key = services.token_issue(user=client_user).key
    row = AccountSession.objects.get(user=client_user, kind="token")
    assert row.digest == digest_of(key) and key not in row.digest
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {row.digest}")
    assert anon_api.get("/api/v1/me/").status_code == 401
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert anon_api.get("/api/v1/me/").status_code == 200


def test_each_sign_in_is_its_own_token(anon_api, client_user):
    first = _login(anon_api, client_user).json()["token"]
    second = _login(anon_api, client_user).json()["token"]
    assert first != second
    assert AccountSession.objects.filter(user=client_user, kind="token").count() == 2
    for key in (first, second):
        anon_api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert anon_api.get("/api/v1/me/").status_code == 200
