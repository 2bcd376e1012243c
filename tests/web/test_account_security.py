"""Accounts in the portal: the sign-in door (throttled, with its code step), sign-up with
verification, password reset by e-mail, the security page and re-authentication."""

import datetime
import re

import pyotp
import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from concierge.accounts import services
from concierge.accounts.models import AccountSession, TotpDevice
from concierge.platform import crypto
from tests import factories

pytestmark = pytest.mark.django_db


def _sign_in(client, user, password=factories.PASSWORD, **extra):
    return client.post("/login/", {"email": user.email, "password": password}, **extra)


def test_portal_sign_in_is_throttled_and_says_when_to_come_back(client, client_user, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"login": "5/min"})
    for _ in range(5):
        assert _sign_in(client, client_user, "wrong").status_code == 400
    answer = _sign_in(client, client_user)  # the right password: too late
    assert answer.status_code == 429
    assert int(answer["Retry-After"]) >= 1
    assert "Too many attempts" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_fifty_wrong_passwords_never_let_the_right_one_through(client, client_user):
    answers = [_sign_in(client, client_user, f"wrong-{n}").status_code for n in range(50)]
    assert 429 in answers
    assert _sign_in(client, client_user).status_code == 429


def test_portal_sign_up_is_throttled_per_address(client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"register": "2/hour"})
    for n in range(2):
        client.post(
            "/signup/",
            {
                "email": f"s{n}@example.test",
                "password": "a-long-enough-secret-9",
                "timezone": "UTC",
            },
        )
        client.post("/logout/")
    answer = client.post(
        "/signup/",
        {"email": "s9@example.test", "password": "a-long-enough-secret-9", "timezone": "UTC"},
    )
    assert answer.status_code == 429


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_portal_sign_up_verifies_the_address_and_hides_taken_ones(
    client, client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = client.post(
            "/signup/",
            {
                "email": "fresh@example.test",
                "password": "a-long-enough-secret-9",
                "timezone": "UTC",
            },
        )
        taken = client.post(
            "/signup/",
            {"email": client_user.email, "password": "a-long-enough-secret-9", "timezone": "UTC"},
        )
    assert new.status_code == taken.status_code == 200

    def main(answer, email):
        return answer.content.decode().split("<main")[1].split("</main>")[0].replace(email, "X")

    assert main(new, "fresh@example.test") == main(taken, client_user.email)
    assert "_auth_user_id" not in client.session
    # Not yet: the sign-in page says why.
    answer = client.post(
        "/login/", {"email": "fresh@example.test", "password": "a-long-enough-secret-9"}
    )
    assert answer.status_code == 400 and "Confirm your e-mail" in answer.content.decode()
    message = next(m for m in mail.outbox if m.to == ["fresh@example.test"])
    path = re.search(r"https?://[^/]+(/verify-email/[^/\s]+/)", message.body).group(1)
    assert client.get(path).status_code == 302
    answer = client.post(
        "/login/", {"email": "fresh@example.test", "password": "a-long-enough-secret-9"}
    )
    assert answer.status_code == 302
    assert client.get("/verify-email/bogus/").status_code == 400


def test_forgot_password_by_e_mail_then_signed_in(
    client, client_user, django_capture_on_commit_callbacks
):
    other = Client()
    other.force_login(client_user)
    assert "Forgot your password?" in client.get("/login/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/reset/", {"email": client_user.email})
        unknown = client.post("/reset/", {"email": "nobody@example.test"})
    assert answer.status_code == unknown.status_code == 200
    [message] = mail.outbox
    path = re.search(r"https?://[^/]+(/reset/[^/\s]+/[^/\s]+/)", message.body).group(1)
    assert client.get(path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path, {"password": "a-brand-new-secret-77"})
    assert done.status_code == 302 and done["Location"] == "/app/"
    assert client.get("/app/").status_code == 200  # signed in
    assert other.get("/app/").status_code == 302  # the other browser is signed out
    assert client.get(path).status_code == 400  # used


def _enrol_by_service(user):
    begun = services.totp_begin(user=user)
    totp = pyotp.TOTP(begun["secret"])
    codes = services.totp_confirm(user=user, code=totp.now())
    return totp, codes


def _next_code(user):
    device = TotpDevice.objects.get(user=user)
    return pyotp.TOTP(crypto.decrypt(device.secret)).generate_otp(device.last_step + 1)


def test_the_code_step_after_the_password(client, client_user):
    _totp, codes = _enrol_by_service(client_user)
    answer = _sign_in(client, client_user)
    assert answer.status_code == 302 and answer["Location"] == "/login/code/"
    assert "_auth_user_id" not in client.session
    assert client.get("/app/").status_code == 302  # not signed in yet
    wrong = client.post("/login/code/", {"code": "000000"})
    assert wrong.status_code == 400
    right = client.post("/login/code/", {"code": _next_code(client_user)})
    assert right.status_code == 302 and right["Location"] == "/app/"
    assert client.get("/app/").status_code == 200
    # A recovery code works once.
    client.post("/logout/")
    _sign_in(client, client_user)
    assert client.post("/login/code/", {"code": codes[0]}).status_code == 302
    client.post("/logout/")
    _sign_in(client, client_user)
    assert client.post("/login/code/", {"code": codes[0]}).status_code == 400


def test_the_security_page_enrols_with_a_qr_code_drawn_here(client_web, client_user):
    page = client_web.get("/app/account/security/")
    assert page.status_code == 200 and "Set up an authenticator app" in page.content.decode()
    enrol = client_web.post("/app/account/security/totp/")
    html = enrol.content.decode()
    assert enrol.status_code == 200 and "<svg" in html and "<script" not in html.split("<main")[1]
    secret = re.search(r'data-testid="totp-secret"', html) and re.search(
        r'value="([A-Z2-7]{16,})"', html
    ).group(1)
    done = client_web.post(
        "/app/account/security/totp/confirm/", {"code": pyotp.TOTP(secret).now()}
    )
    assert done.status_code == 200
    assert len(re.findall(r"<li><code>", done.content.decode())) == 10
    assert "recovery codes left" in client_web.get("/app/account/security/").content.decode()


@override_settings(MFA_REQUIRED_ROLES=["manager"])
def test_a_manager_without_a_second_factor_is_sent_to_enrolment(manager_user, client):
    answer = _sign_in(client, manager_user)
    assert answer["Location"] == "/app/account/security/"
    assert client.get("/app/").status_code == 302
    assert client.get("/app/").headers["Location"] == "/app/account/security/"
    assert client.get("/app/account/security/").status_code == 200
    _enrol_by_service(manager_user)
    assert client.get("/app/").status_code == 200


def test_sessions_on_the_security_page(client_user, web_for, api_for):
    web = web_for(client_user)
    api_for(client_user)
    page = web.get("/app/account/security/").content.decode()
    assert "API token" in page and "this one" in page
    token = AccountSession.objects.get(user=client_user, kind="token")
    assert web.post(f"/app/account/security/sessions/{token.pk}/end/").status_code == 302
    assert not AccountSession.objects.filter(pk=token.pk).exists()
    other = web_for(client_user)
    assert web.post("/app/account/security/sign-out-everywhere/").status_code == 302
    assert other.get("/app/").status_code == 302
    assert web.get("/app/").status_code == 302


@override_settings(REAUTH_SECONDS=300)
def test_enrolment_asks_for_the_password_again_after_a_while(client_user, web_for):
    web = web_for(client_user)
    AccountSession.objects.filter(user=client_user).update(
        authenticated_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    answer = web.post(
        "/app/account/security/totp/", HTTP_REFERER="http://testserver/app/account/security/"
    )
    assert answer.status_code == 302 and answer["Location"].startswith("/app/account/confirm/")
    wrong = web.post(
        "/app/account/confirm/", {"password": "nope", "next": "/app/account/security/"}
    )
    assert wrong.status_code == 400
    ok = web.post(
        "/app/account/confirm/",
        {"password": factories.PASSWORD, "next": "/app/account/security/"},
    )
    assert ok.status_code == 302 and ok["Location"] == "/app/account/security/"
    assert web.post("/app/account/security/totp/").status_code == 200


@override_settings(MFA_REQUIRED_ROLES=["manager"])
def test_the_admin_needs_the_second_factor_too(client, manager_user):
    _sign_in(client, manager_user)
    answer = client.get("/admin/")
    assert answer.status_code == 302 and answer["Location"] == "/app/account/security/"


@override_settings(REAUTH_SECONDS=300)
def test_a_portal_vault_reveal_asks_for_the_password_first(client_user, web_for):
    from concierge import vault_services

    item = vault_services.vault_item_create(
        client=client_user, title="Bank", kind="login", fields={"password": "s3cret-value"}
    )
    web = web_for(client_user)
    AccountSession.objects.filter(user=client_user).update(
        authenticated_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    detail = f"/app/vault/{item.pk}/"
    answer = web.post(
        f"/app/vault/{item.pk}/reveal/",
        {"purpose": "Check it"},
        HTTP_REFERER=f"http://testserver{detail}",
    )
    assert answer.status_code == 302
    assert (
        answer["Location"]
        == "/app/account/confirm/?next=http%3A%2F%2Ftestserver%2Fapp%2Fvault%2F" + f"{item.pk}%2F"
    )
    htmx = web.post(
        f"/app/vault/{item.pk}/reveal/",
        {"purpose": "Check it"},
        HTTP_REFERER=f"http://testserver{detail}",
        HTTP_HX_REQUEST="true",
    )
    assert htmx["HX-Redirect"].startswith("/app/account/confirm/")
    web.post("/app/account/confirm/", {"password": factories.PASSWORD, "next": detail})
    shown = web.post(f"/app/vault/{item.pk}/reveal/", {"purpose": "Check it"})
    assert shown.status_code == 200 and "s3cret-value" in shown.content.decode()


def test_the_account_page_changes_the_e_mail_by_a_link(
    client_web, client_user, django_capture_on_commit_callbacks
):
    page = client_web.get("/app/account/").content.decode()
    assert "Change e-mail" in page and "Security: second factor" in page
    wrong = client_web.post(
        "/app/account/email/", {"email": "new@example.test", "password": "nope"}
    )
    assert wrong.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        done = client_web.post(
            "/app/account/email/", {"email": "new@example.test", "password": factories.PASSWORD}
        )
    assert done.status_code == 200 and "your account moves" in done.content.decode()
    path = re.search(r"https?://[^/]+(/verify-email/[^/\s]+/)", mail.outbox[0].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_web.get(path).status_code == 302
    client_user.refresh_from_db()
    assert client_user.email == "new@example.test"


def test_a_password_change_ends_every_other_session(client_user, web_for, api_for):
    web, other = web_for(client_user), web_for(client_user)
    token = api_for(client_user)
    answer = web.post(
        "/app/account/password/",
        {"old_password": factories.PASSWORD, "new_password": "another-long-secret-42"},
    )
    assert answer.status_code == 302
    assert web.get("/app/").status_code == 200
    assert other.get("/app/").status_code == 302
    assert token.get("/api/v1/me/").status_code == 401
    assert AccountSession.objects.filter(user=client_user).count() == 1
