"""Accounts through the API: verified sign-up, password reset, the second factor, the
person's sessions and recent re-authentication (API.md, "Accounts")."""

import datetime
import re

import pyotp
import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from concierge.accounts.models import AccountSession, PendingEmail, TotpDevice
from concierge.platform import crypto
from tests import factories
from tests.checks import assert_error

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REGISTER = "/api/v1/auth/register/"


@pytest.fixture
def mails(django_capture_on_commit_callbacks):
    """Runs what was queued after commit (the e-mail jobs) and returns mail.outbox."""

    class Mails:
        def __enter__(self):
            self.capture = django_capture_on_commit_callbacks(execute=True)
            self.capture.__enter__()
            return mail.outbox

        def __exit__(self, *exc):
            return self.capture.__exit__(*exc)

    return Mails


def _link(message, pattern):
    found = re.search(pattern, message.body)
    assert found, message.body
    return found


def _token(api, user, password=factories.PASSWORD, **extra):
    return api.post(TOKEN, {"email": user.email, "password": password, **extra}, format="json")


# --- Sign-up and verification -----------------------------------------------------------


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_mandatory_register_answers_the_same_for_a_new_and_a_taken_address(
    anon_api, client_user, mails
):
    with mails() as outbox:
        new = anon_api.post(
            REGISTER, {"email": "newcomer@example.test", "password": "a-long-enough-secret-9"}
        )
        taken = anon_api.post(
            REGISTER, {"email": client_user.email.upper(), "password": "a-long-enough-secret-9"}
        )
    assert new.status_code == taken.status_code == 202
    assert set(new.json()) == set(taken.json()) == {"detail", "email"}
    assert new.json()["detail"] == taken.json()["detail"]
    by_recipient = {m.to[0]: m for m in outbox}
    assert set(by_recipient) == {"newcomer@example.test", client_user.email}
    assert "/verify-email/" in by_recipient["newcomer@example.test"].body
    assert "/verify-email/" not in by_recipient[client_user.email].body
    assert "/reset/" in by_recipient[client_user.email].body


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_a_token_waits_for_the_verified_address(anon_api, mails):
    email, password = "verify-me@example.test", "a-long-enough-secret-9"
    with mails() as outbox:
        assert anon_api.post(REGISTER, {"email": email, "password": password}).status_code == 202
    answer = anon_api.post(TOKEN, {"email": email, "password": password})
    assert_error(answer, 403, "email_unverified")
    key = _link(outbox[-1], r"/verify-email/([^/\s]+)/").group(1)
    verified = anon_api.post("/api/v1/auth/verify-email/", {"key": key})
    assert verified.status_code == 200 and verified.json()["email"] == email
    assert not PendingEmail.objects.filter(email=email).exists()
    assert anon_api.post(TOKEN, {"email": email, "password": password}).status_code == 200


def test_a_forged_or_altered_key_is_refused(anon_api):
    answer = anon_api.post("/api/v1/auth/verify-email/", {"key": "not-a-key"})
    assert_error(answer, 400, "verification_link_invalid")


@override_settings(ACCOUNT_EMAIL_VERIFICATION="optional")
def test_optional_verification_signs_in_at_once_and_still_sends_the_link(anon_api, mails):
    with mails() as outbox:
        answer = anon_api.post(
            REGISTER, {"email": "opt@example.test", "password": "a-long-enough-secret-9"}
        )
    assert answer.status_code == 201
    assert "/verify-email/" in outbox[-1].body
    token = anon_api.post(
        TOKEN, {"email": "opt@example.test", "password": "a-long-enough-secret-9"}
    )
    assert token.status_code == 200


@override_settings(ACCOUNT_EMAIL_VERIFICATION="none")
def test_no_verification_sends_nothing(anon_api, mails):
    with mails() as outbox:
        answer = anon_api.post(
            REGISTER, {"email": "none@example.test", "password": "a-long-enough-secret-9"}
        )
    assert answer.status_code == 201 and outbox == []
    assert not PendingEmail.objects.exists()


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_accounts_made_by_a_manager_or_a_command_are_verified(anon_api, manager_api):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from concierge.demo import PASSWORD

    answer = anon_api.post(TOKEN, {"email": "claire@demo.test", "password": PASSWORD})
    assert answer.status_code == 200
    assert not PendingEmail.objects.exists()


# --- Password reset ---------------------------------------------------------------------


def test_password_reset_end_to_end(anon_api, api_for, client_user, mails):
    other_session = api_for(client_user)
    with mails() as outbox:
        known = anon_api.post("/api/v1/auth/password-reset/", {"email": client_user.email})
        unknown = anon_api.post("/api/v1/auth/password-reset/", {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [m.to for m in outbox] == [[client_user.email]]
    uid, token = _link(outbox[0], r"/reset/([^/\s]+)/([^/\s]+)/").groups()
    body = {"uid": uid, "token": token, "password": "a-brand-new-secret-77"}
    with mails():
        assert anon_api.post("/api/v1/auth/password-reset/confirm/", body).status_code == 200
    # Every session and token of the account ended; the new password works.
    assert not AccountSession.objects.filter(user=client_user).exists()
    assert_error(other_session.get("/api/v1/me/"), 401, "authentication_failed")
    assert _token(anon_api, client_user, "a-brand-new-secret-77").status_code == 200
    # The link works once.
    body["password"] = "yet-another-secret-88"
    answer = anon_api.post("/api/v1/auth/password-reset/confirm/", body)
    assert_error(answer, 400, "reset_link_invalid")


def test_an_expired_or_made_up_reset_link_is_refused(anon_api, client_user):
    body = {"uid": "MQ", "token": "abc-def", "password": "a-brand-new-secret-77"}
    assert_error(
        anon_api.post("/api/v1/auth/password-reset/confirm/", body), 400, "reset_link_invalid"
    )


def test_a_weak_new_password_is_refused_and_the_link_still_works(anon_api, client_user, mails):
    with mails() as outbox:
        anon_api.post("/api/v1/auth/password-reset/", {"email": client_user.email})
    uid, token = _link(outbox[0], r"/reset/([^/\s]+)/([^/\s]+)/").groups()
    weak = anon_api.post(
        "/api/v1/auth/password-reset/confirm/", {"uid": uid, "token": token, "password": "123"}
    )
    assert_error(weak, 400, "invalid")
    good = anon_api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "password": "a-brand-new-secret-77"},
    )
    assert good.status_code == 200


# --- Throttles and lock-out -------------------------------------------------------------


def test_an_account_is_locked_after_failures_from_many_addresses_and_its_owner_told(
    anon_api, client_user, monkeypatch, mails
):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"login": "100/min", "login_account": "3/hour"}
    )
    client_user.language = "fr"
    client_user.save()
    with mails() as outbox:
        for n in range(3):
            answer = anon_api.post(
                TOKEN,
                {"email": client_user.email, "password": "wrong"},
                REMOTE_ADDR=f"198.51.100.{n + 1}",
            )
            assert answer.status_code == 400
    # The right password, from yet another address: refused while the lock lasts.
    answer = anon_api.post(
        TOKEN,
        {"email": client_user.email, "password": factories.PASSWORD},
        REMOTE_ADDR="203.0.113.50",
    )
    assert_error(answer, 429, "throttled")
    assert int(answer["Retry-After"]) > 60
    [notice] = outbox
    assert notice.to == [client_user.email]
    assert "connexion" in notice.subject.lower()  # in the owner's language
    assert "198.51.100.3" in notice.body


def test_a_lockout_of_an_unknown_address_tells_nobody(anon_api, monkeypatch, mails):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"login": "100/min", "login_account": "2/hour"}
    )
    with mails() as outbox:
        for _ in range(3):
            anon_api.post(TOKEN, {"email": "ghost@example.test", "password": "x"})
    assert outbox == []


def test_password_reset_and_verification_are_throttled(anon_api, client_user, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"email": "2/hour", "link": "2/hour"})
    for _ in range(2):
        assert (
            anon_api.post("/api/v1/auth/password-reset/", {"email": "a@example.test"}).status_code
            == 202
        )
    assert_error(
        anon_api.post("/api/v1/auth/password-reset/", {"email": "b@example.test"}), 429, "throttled"
    )
    for _ in range(2):
        anon_api.post("/api/v1/auth/verify-email/", {"key": "nope"})
    answer = anon_api.post("/api/v1/auth/verify-email/", {"key": "nope"})
    assert_error(answer, 429, "throttled")
    assert int(answer["Retry-After"]) >= 1


def test_throttle_counters_are_in_the_database_cache():
    from django.core.cache import caches

    from concierge.accounts.throttles import Window

    window = Window("login", "198.51.100.9")
    window.hit()
    assert type(caches["throttle"]).__name__ == "DatabaseCache"
    assert caches["throttle"].get(window.key)


# --- The second factor ------------------------------------------------------------------


def _enrol(api, user):
    begun = api.post("/api/v1/auth/mfa/totp/")
    assert begun.status_code == 200, begun.content
    secret = begun.json()["secret"]
    assert begun.json()["otpauth_uri"].startswith("otpauth://totp/")
    code = pyotp.TOTP(secret).now()
    confirmed = api.post("/api/v1/auth/mfa/totp/confirm/", {"code": code})
    assert confirmed.status_code == 200, confirmed.content
    return secret, confirmed.json()["recovery_codes"]


def _next_code(user):
    """A code of the next time step: the current one was used to confirm."""
    device = TotpDevice.objects.get(user=user)
    totp = pyotp.TOTP(crypto.decrypt(device.secret))
    return totp.generate_otp(device.last_step + 1)


def test_totp_sign_in_with_codes_and_recovery_codes(anon_api, client_api, client_user):
    secret, codes = _enrol(client_api, client_user)
    assert len(codes) >= 8 and len(set(codes)) == len(codes)
    assert crypto.decrypt(TotpDevice.objects.get(user=client_user).secret) == secret
    assert secret not in TotpDevice.objects.get(user=client_user).secret

    assert_error(_token(anon_api, client_user), 401, "mfa_code_required")
    assert_error(_token(anon_api, client_user, code="000000"), 401, "mfa_code_invalid")
    code = _next_code(client_user)
    assert _token(anon_api, client_user, code=code).status_code == 200
    # A code is good once.
    assert_error(_token(anon_api, client_user, code=code), 401, "mfa_code_invalid")
    # A recovery code, once; typed in capitals or without its dash too.
    assert _token(anon_api, client_user, code=codes[0].upper()).status_code == 200
    assert_error(_token(anon_api, client_user, code=codes[0]), 401, "mfa_code_invalid")
    assert _token(anon_api, client_user, code=codes[1].replace("-", "")).status_code == 200


def test_a_second_factor_is_removed_with_password_and_code(anon_api, client_api, client_user):
    _secret, codes = _enrol(client_api, client_user)
    wrong = client_api.delete(
        "/api/v1/auth/mfa/totp/", {"password": "nope", "code": codes[0]}, format="json"
    )
    assert_error(wrong, 400, "wrong_password")
    ok = client_api.delete(
        "/api/v1/auth/mfa/totp/",
        {"password": factories.PASSWORD, "code": codes[0]},
        format="json",
    )
    assert ok.status_code == 204
    assert _token(anon_api, client_user).status_code == 200


def test_enrolling_twice_is_a_conflict(client_api, client_user):
    _enrol(client_api, client_user)
    assert_error(client_api.post("/api/v1/auth/mfa/totp/"), 409, "mfa_already_enabled")


def test_a_wrong_first_code_does_not_turn_it_on(client_api, client_user, anon_api):
    client_api.post("/api/v1/auth/mfa/totp/")
    answer = client_api.post("/api/v1/auth/mfa/totp/confirm/", {"code": "123456"})
    assert_error(answer, 400, "mfa_code_invalid")
    assert _token(anon_api, client_user).status_code == 200  # not on yet


@override_settings(MFA_REQUIRED_ROLES=["manager", "assistant"])
def test_a_role_that_needs_a_second_factor_can_only_enrol_and_sign_out(
    manager_api, manager_user, client_api
):
    assert client_api.get("/api/v1/me/").status_code == 200  # clients are not asked
    assert_error(manager_api.get("/api/v1/me/"), 403, "mfa_required")
    assert_error(manager_api.get("/api/v1/tasks/"), 403, "mfa_required")
    _enrol(manager_api, manager_user)
    assert manager_api.get("/api/v1/me/").status_code == 200


@override_settings(MFA_REQUIRED_ROLES=["manager"])
def test_the_operator_command_resets_a_lost_second_factor(anon_api, api_for, manager_user):
    from django.core.management import call_command

    _enrol(api_for(manager_user), manager_user)
    assert_error(_token(anon_api, manager_user), 401, "mfa_code_required")
    call_command("mfa_reset", manager_user.email, stdout=open("/dev/null", "w"))  # noqa: SIM115
    token = _token(anon_api, manager_user)
    assert token.status_code == 200
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert_error(anon_api.get("/api/v1/me/"), 403, "mfa_required")  # enrol again first


# --- Sessions ---------------------------------------------------------------------------


def test_sessions_are_listed_and_ended(anon_api, api_for, client_user, client):
    first = api_for(client_user)
    second = api_for(client_user)
    client.force_login(client_user)
    listed = first.get("/api/v1/auth/sessions/", HTTP_USER_AGENT="pytest-agent")
    assert listed.status_code == 200
    rows = listed.json()
    assert sorted(r["kind"] for r in rows) == ["browser", "token", "token"]
    assert sum(r["current"] for r in rows) == 1
    assert set(rows[0]) == {
        "id",
        "kind",
        "created_at",
        "last_used_at",
        "ip",
        "user_agent",
        "current",
    }
    other = next(r for r in rows if r["kind"] == "token" and not r["current"])
    assert first.delete(f"/api/v1/auth/sessions/{other['id']}/").status_code == 204
    assert_error(second.get("/api/v1/me/"), 401, "authentication_failed")
    browser = next(r for r in rows if r["kind"] == "browser")
    assert first.delete(f"/api/v1/auth/sessions/{browser['id']}/").status_code == 204
    assert client.get("/app/").status_code == 302  # that browser is signed out
    # Not someone else's.
    stranger = api_for(factories.ClientFactory())
    mine = AccountSession.objects.filter(user=client_user).first()
    assert_error(stranger.delete(f"/api/v1/auth/sessions/{mine.pk}/"), 404, "not_found")


def test_logout_all_ends_every_session(api_for, client_user, client):
    first, second = api_for(client_user), api_for(client_user)
    client.force_login(client_user)
    assert first.post("/api/v1/auth/logout-all/").status_code == 204
    assert_error(first.get("/api/v1/me/"), 401, "authentication_failed")
    assert_error(second.get("/api/v1/me/"), 401, "authentication_failed")
    assert client.get("/app/").status_code == 302


# --- Recent re-authentication -----------------------------------------------------------


@override_settings(REAUTH_SECONDS=300)
def test_enrolment_needs_a_recent_password(client_api, client_user):
    AccountSession.objects.filter(user=client_user).update(
        authenticated_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert_error(client_api.post("/api/v1/auth/mfa/totp/"), 403, "reauthentication_required")
    wrong = client_api.post("/api/v1/auth/reauthenticate/", {"password": "nope"})
    assert_error(wrong, 400, "wrong_password")
    ok = client_api.post("/api/v1/auth/reauthenticate/", {"password": factories.PASSWORD})
    assert ok.status_code == 204
    assert client_api.post("/api/v1/auth/mfa/totp/").status_code == 200


@override_settings(REAUTH_SECONDS=300)
def test_a_vault_reveal_needs_a_recent_password(client_api, client_user):
    created = client_api.post(
        "/api/v1/vault/",
        {"title": "Bank", "kind": "login", "fields": {"password": "s3cret-value"}},
        format="json",
    )
    assert created.status_code == 201, created.content
    reveal = f"/api/v1/vault/{created.json()['id']}/reveal/"
    assert client_api.post(reveal, {"purpose": "Check it"}).status_code == 200
    AccountSession.objects.filter(user=client_user).update(
        authenticated_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    assert_error(client_api.post(reveal, {"purpose": "Check it"}), 403, "reauthentication_required")
    client_api.post("/api/v1/auth/reauthenticate/", {"password": factories.PASSWORD})
    answer = client_api.post(reveal, {"purpose": "Check it"})
    assert answer.status_code == 200 and answer.json()["fields"] == {"password": "s3cret-value"}


def test_an_e_mail_change_confirms_the_new_address_and_tells_the_old(
    client_api, client_user, anon_api, mails
):
    old = client_user.email
    wrong = client_api.post(
        "/api/v1/auth/email-change/", {"email": "moved@example.test", "password": "nope"}
    )
    assert_error(wrong, 400, "wrong_password")
    with mails() as outbox:
        asked = client_api.post(
            "/api/v1/auth/email-change/",
            {"email": "Moved@Example.test", "password": factories.PASSWORD},
        )
    assert asked.status_code == 202
    client_user.refresh_from_db()
    assert client_user.email == old  # nothing changes before the link is followed
    [link] = outbox
    assert link.to == ["moved@example.test"]
    key = _link(link, r"/verify-email/([^/\s]+)/").group(1)
    with mails() as outbox:
        assert anon_api.post("/api/v1/auth/verify-email/", {"key": key}).status_code == 200
    client_user.refresh_from_db()
    assert client_user.email == "moved@example.test"
    notice = outbox[-1]
    assert len(outbox) == 2 and notice.to == [old] and "moved@example.test" in notice.body
    assert _token(anon_api, client_user).status_code == 200


def test_an_e_mail_change_to_a_taken_address_says_nothing_and_changes_nothing(
    client_api, client_user, other_client_user, mails
):
    with mails() as outbox:
        asked = client_api.post(
            "/api/v1/auth/email-change/",
            {"email": other_client_user.email, "password": factories.PASSWORD},
        )
    assert asked.status_code == 202 and outbox == []


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_the_schema_names_both_answers_of_register():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    answers = schema["paths"]["/api/v1/auth/register/"]["post"]["responses"]
    assert {"201", "202"} <= set(answers)
    accepted = answers["202"]["content"]["application/json"]["schema"]["$ref"]
    assert set(schema["components"]["schemas"][accepted.rsplit("/", 1)[1]]["properties"]) == {
        "detail",
        "email",
    }
