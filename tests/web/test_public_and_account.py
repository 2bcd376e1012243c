"""Public pages, sign-up, sign-in and out, the account page, language and error pages."""

import pytest
from django.conf import settings
from django.test import Client

from concierge.models import Role, User
from tests import factories
from tests.web.checks import assert_page, assert_sends_to_sign_in

pytestmark = pytest.mark.django_db


def test_public_home_lists_active_plans_with_prices():
    factories.PlanFactory(name="Essential", monthly_fee="49.00")
    factories.PlanFactory(name="Retired plan", active=False)
    body = assert_page(Client().get("/"), "Essential", "49.00", "Create account", "Sign in")
    assert "Retired plan" not in body


def test_sign_up_creates_a_client_and_signs_them_in():
    web = Client()
    assert_page(web.get("/signup/"), "Email", "Time zone", "Create account")
    response = web.post(
        "/signup/",
        {
            "email": "New.Person@Example.test",
            "password": "a-long-enough-passphrase",
            "first_name": "Nora",
            "last_name": "Client",
            "timezone": "America/Toronto",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/app/"
    user = User.objects.get(email="new.person@example.test")
    assert (user.role, user.timezone, user.client_profile is not None) == (
        Role.CLIENT,
        "America/Toronto",
        True,
    )
    assert_page(web.get("/app/"), "Hello, Nora")


def test_sign_up_errors_stand_beside_their_fields(client_user):
    response = Client().post(
        "/signup/",
        {"email": client_user.email, "password": "a-long-enough-passphrase", "timezone": "UTC"},
    )
    body = assert_page(response, "An account with this e-mail address exists.", status=400)
    assert body.index("An account with this") > body.index('for="id_email"')
    weak = Client().post(
        "/signup/", {"email": "x@example.test", "password": "123", "timezone": "UTC"}
    )
    assert_page(weak, "This password is too short", status=400)
    assert not User.objects.filter(email="x@example.test").exists()


def test_sign_in_goes_back_where_the_visitor_was_going(client_user):
    web = Client()
    assert_sends_to_sign_in(web.get("/app/tasks/"), "/app/tasks/")
    wrong = web.post("/login/", {"email": client_user.email, "password": "nope"})
    assert_page(wrong, "Email or password is wrong.", status=400)
    right = web.post(
        "/login/?next=/app/tasks/",
        {"email": client_user.email.upper(), "password": factories.PASSWORD, "next": "/app/tasks/"},
    )
    assert right.status_code == 302 and right["Location"] == "/app/tasks/"
    elsewhere = Client().post(
        "/login/",
        {"email": client_user.email, "password": factories.PASSWORD, "next": "https://evil.test/"},
    )
    assert elsewhere["Location"] == "/app/"


def test_sign_out_is_a_post(client_web):
    assert client_web.get("/logout/").status_code == 405
    response = client_web.post("/logout/")
    assert response.status_code == 302
    assert_sends_to_sign_in(client_web.get("/app/"), "/app/")


@pytest.mark.parametrize("role", ["client_web", "assistant_web", "manager_web"])
def test_every_role_has_a_home_and_an_account_page(request, role):
    web = request.getfixturevalue(role)
    assert_page(web.get("/app/"), "Sign out", web.user.full_name)
    assert_page(web.get("/app/account/"), "Time zone", "Language", "Change password")


def test_anonymous_is_sent_to_sign_in_from_the_account_page():
    assert_sends_to_sign_in(Client().get("/app/account/"), "/app/account/")


def test_account_saves_name_zone_and_language(client_web, client_user):
    response = client_web.post(
        "/app/account/",
        {"first_name": "Cléa", "last_name": "M", "timezone": "Asia/Tokyo", "language": "fr"},
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    client_user.refresh_from_db()
    assert (client_user.first_name, client_user.timezone, client_user.language) == (
        "Cléa",
        "Asia/Tokyo",
        "fr",
    )
    assert_page(client_web.get("/app/account/"), "Votre compte est enregistré.", "Asia/Tokyo")
    bad = client_web.post("/app/account/", {"timezone": "Mars/Olympus"})
    assert bad.status_code == 400
    client_user.refresh_from_db()
    assert client_user.timezone == "Asia/Tokyo"


def test_password_change_needs_the_current_password(client_web, client_user):
    wrong = client_web.post(
        "/app/account/password/",
        {"old_password": "nope", "new_password": "another-long-passphrase"},
    )
    assert_page(wrong, "The current password is wrong.", status=400)
    right = client_web.post(
        "/app/account/password/",
        {"old_password": factories.PASSWORD, "new_password": "another-long-passphrase"},
    )
    assert right.status_code == 302
    assert client_web.get("/app/").status_code == 200  # still signed in
    client_user.refresh_from_db()
    assert client_user.check_password("another-long-passphrase")


def test_the_footer_switch_speaks_french(client_web):
    response = client_web.post("/i18n/setlang/", {"language": "fr", "next": "/app/"})
    assert response.status_code == 302
    body = assert_page(client_web.get("/app/"), "Se déconnecter", "Tâches")
    assert '<html lang="fr">' in body


def test_the_browser_language_picks_french():
    body = assert_page(Client(headers={"accept-language": "fr-FR,fr;q=0.9"}).get("/"))
    assert "Créer un compte" in body


def test_portal_errors_are_pages_and_api_errors_stay_json(client_web, settings):
    settings.DEBUG = False
    assert_page(client_web.get("/app/no-such-page/"), "Page not found", status=404)
    api = client_web.get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_wrong_role_gets_the_portal_403_page(assistant_web, settings):
    settings.DEBUG = False
    assert_page(assistant_web.get("/app/tasks/new/"), "Not for you", status=403)


def test_signing_in_speaks_the_accounts_language(client_user):
    client_user.language = "fr"
    client_user.save()
    web = Client()
    response = web.post("/login/", {"email": client_user.email, "password": factories.PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert_page(web.get("/app/"), "Se déconnecter")


def test_a_server_error_on_a_portal_page_is_the_portals_500_page(rf):
    from django.utils import translation

    from concierge.api.fallbacks import server_error

    with translation.override("en"):
        response = server_error(rf.get("/app/tasks/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    api = server_error(rf.get("/api/v1/tasks/"))
    assert api.status_code == 500 and b'"code": "server_error"' in api.content
