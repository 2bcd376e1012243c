"""Accounts in a real browser, under the Content-Security-Policy: a forgotten password
reset through the e-mail (the file backend), and a manager who sets up a second factor,
signs out, and signs in with a code, then with a recovery code."""

import re
from pathlib import Path

import pyotp
import pytest
from django.test import override_settings
from playwright.sync_api import expect

from concierge.accounts.models import TotpDevice
from concierge.platform import crypto
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _password_step(page, email, password):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_forgot_password_then_the_e_mail_then_a_new_password_signs_in(visit, tmp_path):
    user = factories.ClientFactory(first_name="Rosa")
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path),
    ):
        page = visit.go("/login/")
        assert "content-security-policy" in {
            name.lower() for name in page.request.get(visit.base_url + "/login/").headers
        }
        page.get_by_role("link", name="Forgot your password?").click()
        visit.page_check("password-reset")
        page.get_by_label("Email").fill(user.email)
        page.get_by_role("button", name="Send the link").click()
        expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

        [written] = list(Path(tmp_path).iterdir())
        text = written.read_text()
        assert f"To: {user.email}" in text
        link = re.search(r"https?://\S+/reset/[^/\s]+/[^/\s]+/", text).group(0)
        page.goto(link)
        expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
        visit.page_check("password-reset-confirm")
        page.get_by_label("New password").fill("a-fresh-passphrase-2031")
        page.get_by_role("button", name="Save the new password").click()
        expect(page).to_have_url(re.compile(r"/app/$"))
        expect(page.get_by_text("Your password is changed.")).to_be_visible()

        # The link is spent; the new password is the one that works.
        spent = page.request.get(link)
        assert spent.status == 400 and "This link does not work" in spent.text()
        page.get_by_role("button", name="Sign out", exact=True).click()
        page = visit.go("/login/")
        _password_step(page, user.email, "a-fresh-passphrase-2031")
        expect(page).to_have_url(re.compile(r"/app/$"))


@override_settings(MFA_REQUIRED_ROLES=["manager", "assistant"])
def test_a_manager_enrols_a_second_factor_and_signs_in_with_codes(visit):
    manager = factories.ManagerFactory(first_name="Maya")
    page = visit.go("/login/")
    _password_step(page, manager.email, factories.PASSWORD)
    # Their role needs a second factor: straight to the security page.
    expect(page).to_have_url(re.compile(r"/app/account/security/$"))
    expect(page.get_by_text("Your role needs a second factor")).to_be_visible()
    visit.page_check("security")
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.locator("figure.qr svg")).to_be_visible()  # drawn by us, no CDN
    visit.page_check("totp-enrol")
    secret = page.get_by_test_id("totp-secret").input_value()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    visit.page_check("recovery-codes")
    page.get_by_role("button", name="I saved them").click()
    expect(page.get_by_text("On: signing in asks for a code")).to_be_visible()
    page.get_by_role("button", name="Sign out", exact=True).click()

    # In again: the password, then a code from the app.
    page = visit.go("/login/")
    _password_step(page, manager.email, factories.PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    visit.page_check("sign-in-code")
    device = TotpDevice.objects.get(user=manager)
    code = pyotp.TOTP(crypto.decrypt(device.secret)).generate_otp(device.last_step + 1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app/$"))
    page.get_by_role("button", name="Sign out", exact=True).click()

    # And with a recovery code, which then is spent.
    for attempt in range(2):
        page = visit.go("/login/")
        _password_step(page, manager.email, factories.PASSWORD)
        page.get_by_label("Code").fill(codes[0])
        page.get_by_role("button", name="Sign in").click()
        if attempt == 0:
            expect(page).to_have_url(re.compile(r"/app/$"))
            page.get_by_role("button", name="Sign out", exact=True).click()
        else:
            expect(page.get_by_text("The code is wrong or was used.")).to_be_visible()
            # The refused code's page is a 400, which Chromium logs; nothing else may be.
            expected = "Failed to load resource: the server responded with a status of 400"
            assert [e for e in visit.console_errors if e.startswith(expected)] != []
            visit.console_errors[:] = [
                e for e in visit.console_errors if not e.startswith(expected)
            ]
