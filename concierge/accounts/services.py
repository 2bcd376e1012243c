"""Writes of accounts: sign-in with its second factor, sign-up with e-mail verification,
password reset, the second factor's life, recent re-authentication, lock-out notices.

E-mails go through the job outbox (`concierge.jobs.send_email`), written in the reader's
language (`addressed_to`)."""

import datetime
import secrets
from http import HTTPStatus
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from concierge import errors
from concierge.accounts import sessions, throttles
from concierge.accounts.models import AccountSession, PendingEmail, RecoveryCode, TotpDevice
from concierge.errors import ApplicationError, Conflict, Forbidden, Invalid
from concierge.models import User
from concierge.notifications import addressed_to, local_time
from concierge.platform import crypto
from concierge.platform.outbox import enqueue

VERIFY_SALT = "concierge.accounts.verify-email"
RECOVERY_CODES = 10


class Unauthorized(ApplicationError):
    status = HTTPStatus.UNAUTHORIZED


def _mail(user: User, subject: str, body: str) -> None:
    enqueue("concierge.jobs.send_email", user.pk, subject, body)


def portal_link(request: HttpRequest, path: str) -> str:
    if settings.PORTAL_URL:
        return settings.PORTAL_URL + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()


# --- Sign-in -------------------------------------------------------------------------


def password_check(request: HttpRequest, *, email: str, password: str) -> User:
    """The person whose password this is, through the sign-in door (throttled per
    address and per account); a wrong one counts against the account."""
    throttles.sign_in_door(request, email)
    user = authenticate(request, username=(email or "").lower(), password=password)
    if user is None:
        throttles.sign_in_failed(request, email)
        raise Invalid(errors.Code.INVALID_CREDENTIALS, _("E-mail or password is wrong."))
    return user


def email_unverified(user: User) -> bool:
    """Whether `user` may not sign in yet for want of a verified address."""
    return (
        settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
        and PendingEmail.objects.filter(user=user).exists()
    )


def second_factor_check(request: HttpRequest, user: User, code: str | None) -> None:
    """With a second factor: `code` is a current TOTP code or an unused recovery code."""
    from concierge.accounts.mfa import has_second_factor

    if not has_second_factor(user):
        return
    if not code:
        raise Unauthorized(
            errors.Code.MFA_CODE_REQUIRED, _("This account needs a code from its authenticator.")
        )
    if not code_verify(user, code):
        throttles.sign_in_failed(request, user.email)
        raise Unauthorized(errors.Code.MFA_CODE_INVALID, _("The code is wrong or was used."))


def sign_in(request: HttpRequest, *, email: str, password: str, code: str | None = None) -> User:
    """Password, a verified address, then the second factor when there is one."""
    user = password_check(request, email=email, password=password)
    if email_unverified(user):
        raise Forbidden(
            errors.Code.EMAIL_UNVERIFIED,
            _("Confirm your e-mail address first: follow the link we sent you."),
        )
    second_factor_check(request, user, code)
    return user


def token_obtain(
    request: HttpRequest, *, email: str, password: str, code: str | None = None
) -> AccountSession:
    user = sign_in(request, email=email, password=password, code=code)
    return sessions.token_issue(user=user, request=request)


def lockout_notify(*, email: str, address: str) -> None:
    """Tell the owner of `email` (if there is one) that sign-in is paused for a while."""
    user = user_by_email(email)
    if user is None:
        return
    with addressed_to(user):
        subject = _("Sign-in to your account is paused")
        body = _(
            "There were too many failed attempts to sign in to your account, the last "
            "from the address %(address)s at %(time)s. Signing in is paused for a while.\n\n"
            "If this was not you, nothing is needed: your password was not accepted. "
            "You can still reset your password from the sign-in page."
        ) % {"address": address, "time": local_time(timezone.now())}
    _mail(user, subject, body)


# --- Sign-up and e-mail verification ----------------------------------------------------


def verification_key(user: User, new_email: str | None = None) -> str:
    data = {"u": user.pk, "e": user.email}
    if new_email:
        data["n"] = new_email
    return signing.dumps(data, salt=VERIFY_SALT, compress=True)


def verification_send(request: HttpRequest, user: User) -> None:
    link = portal_link(
        request, reverse("portal:verify-email", kwargs={"key": verification_key(user)})
    )
    with addressed_to(user):
        subject = _("Confirm your e-mail address")
        body = _(
            "Welcome! To confirm that %(email)s is yours, open this link:\n\n%(link)s\n\n"
            "If you did not create an account, ignore this message."
        ) % {"email": user.email, "link": link}
    _mail(user, subject, body)


def email_change_request(request: HttpRequest, *, user: User, email: str, password: str) -> None:
    """A signed-in person asks to move their account to `email`: the password proves it
    is them, the new address gets a link, and nothing changes until it is followed (the
    old address is told then)."""
    throttles.email_door(request, email)
    if not user.check_password(password or ""):
        throttles.sign_in_failed(request, user.email)
        raise Invalid(
            errors.Code.WRONG_PASSWORD,
            _("The password is wrong."),
            fields={"password": [_("The password is wrong.")]},
        )
    email = User.objects.normalize_email(email).lower()
    if email == user.email:
        return
    if User.objects.filter(email__iexact=email).exists():
        return  # answered as any other: the address's owner is not revealed
    link = portal_link(
        request, reverse("portal:verify-email", kwargs={"key": verification_key(user, email)})
    )
    with addressed_to(user):
        subject = _("Confirm your new e-mail address")
        body = _(
            "To move your account from %(old)s to this address, open this link:\n\n"
            "%(link)s\n\nIf you did not ask for it, ignore this message."
        ) % {"old": user.email, "link": link}
    enqueue("concierge.accounts.jobs.send_to_address", email, subject, body)


def _taken_notice(request: HttpRequest, user: User) -> None:
    """Someone signed up with an address that already has an account: its owner is told,
    the visitor is answered as for a new one."""
    link = portal_link(request, reverse("portal:password-reset"))
    with addressed_to(user):
        subject = _("Someone tried to create an account with your address")
        body = _(
            "Someone tried to create a new account with %(email)s, which already has one. "
            "If it was you, sign in, or reset your password here:\n\n%(link)s\n\n"
            "If it was not you, nothing is needed."
        ) % {"email": user.email, "link": link}
    _mail(user, subject, body)


@transaction.atomic
def register(request: HttpRequest, **fields: Any) -> User | None:
    """Self-service sign-up (a client). With mandatory verification the answer is the
    same for a taken address: None, and its owner gets an e-mail instead."""
    from concierge.services import user_register

    mode = settings.ACCOUNT_EMAIL_VERIFICATION
    if mode == "mandatory":
        existing = User.objects.filter(email__iexact=fields["email"].strip()).first()
        if existing is not None:
            from concierge.services.users import _validated_password

            _validated_password(fields["password"], None)  # as a new one would be judged
            if existing.is_active:
                _taken_notice(request, existing)
            return None
    user = user_register(**fields)
    if mode != "none":
        PendingEmail.objects.create(user=user, email=user.email, created_at=timezone.now())
        verification_send(request, user)
    return user


def verification_resend(request: HttpRequest, *, email: str) -> None:
    """Another verification e-mail, when the address still waits for one (the answer is
    the same either way)."""
    throttles.email_door(request, email)
    user = user_by_email(email)
    if user is not None and PendingEmail.objects.filter(user=user).exists():
        verification_send(request, user)


def email_verify(request: HttpRequest, *, key: str) -> User:
    # Counted outside any transaction: a refused key rolls nothing back.
    throttles.address_attempt(request, "link")
    return _email_verify(key)


@transaction.atomic
def _email_verify(key: str) -> User:
    invalid = Invalid(
        errors.Code.VERIFICATION_LINK_INVALID, _("This verification link is not valid or expired.")
    )
    try:
        data = signing.loads(
            key, salt=VERIFY_SALT, max_age=settings.ACCOUNT_EMAIL_VERIFICATION_SECONDS
        )
    except signing.BadSignature as exc:
        raise invalid from exc
    user = User.objects.select_for_update().filter(pk=data.get("u"), is_active=True).first()
    if user is not None and data.get("n") and user.email == data["n"]:
        return user  # the change was confirmed already
    if user is None or user.email != data.get("e"):
        raise invalid
    PendingEmail.objects.filter(user=user).delete()
    if data.get("n"):
        _email_change(user, data["n"], invalid)
    return user


def _email_change(user: User, new_email: str, invalid: Invalid) -> None:
    """The new address was confirmed: the account moves to it and the old one is told."""
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise invalid
    old = user.email
    user.email = new_email
    user.save(update_fields=["email"])
    with addressed_to(user):
        subject = _("Your e-mail address was changed")
        body = _(
            "The e-mail address of your account was changed from %(old)s to %(new)s at "
            "%(time)s. If this was not you, reset your password at once and tell us."
        ) % {"old": old, "new": new_email, "time": local_time(timezone.now())}
    enqueue("concierge.accounts.jobs.send_to_address", old, subject, body)


# --- Password reset ---------------------------------------------------------------------


def password_reset_request(request: HttpRequest, *, email: str) -> None:
    """A reset link to the owner of `email`, if there is one (the answer never says)."""
    throttles.email_door(request, email)
    user = user_by_email(email)
    if user is None or not user.has_usable_password() or user.erased_at is not None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = portal_link(
        request, reverse("portal:password-reset-confirm", kwargs={"uid": uid, "token": token})
    )
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    with addressed_to(user):
        subject = _("Reset your password")
        body = _(
            "To choose a new password, open this link within %(minutes)s minutes:\n\n"
            "%(link)s\n\nIf you did not ask for it, ignore this message: your password "
            "stays as it is."
        ) % {"minutes": minutes, "link": link}
    _mail(user, subject, body)


def reset_link_user(*, uid: str, token: str) -> User:
    """The person a reset link is for, while it still works."""
    invalid = Invalid(
        errors.Code.RESET_LINK_INVALID, _("This password-reset link was used or has expired.")
    )
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError):
        raise invalid from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise invalid
    return user


def password_reset_confirm(request: HttpRequest, *, uid: str, token: str, password: str) -> User:
    """A new password from a reset link: every session and token of the account ends,
    and the address counts as verified (the link reached it)."""
    # Counted outside any transaction: a refused link rolls nothing back.
    throttles.address_attempt(request, "link")
    return _password_reset(uid=uid, token=token, password=password)


@transaction.atomic
def _password_reset(*, uid: str, token: str, password: str) -> User:
    from concierge.services.users import _validated_password

    user = reset_link_user(uid=uid, token=token)
    _validated_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    sessions.sessions_end_all(user=user)
    PendingEmail.objects.filter(user=user).delete()
    with addressed_to(user):
        subject = _("Your password was changed")
        body = _(
            "The password of your account was reset at %(time)s and every device was "
            "signed out. If this was not you, reset it again at once and tell us."
        ) % {"time": local_time(timezone.now())}
    _mail(user, subject, body)
    return user


# --- The second factor ------------------------------------------------------------------


def _recovery_digest(code: str) -> str:
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return salted_hmac("concierge.recovery-code", normal, algorithm="sha256").hexdigest()


def _totp(device: TotpDevice) -> pyotp.TOTP:
    return pyotp.TOTP(crypto.decrypt(device.secret))


def totp_begin(*, user: User) -> dict:
    """A new secret to enrol (replacing one never confirmed)."""
    if TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        raise Conflict(
            errors.Code.MFA_ALREADY_ENABLED,
            _("A second factor is already set up; remove it first to set up another."),
        )
    secret = pyotp.random_base32()
    TotpDevice.objects.update_or_create(
        user=user,
        defaults={
            "secret": crypto.encrypt(secret),
            "created_at": timezone.now(),
            "confirmed_at": None,
            "last_step": 0,
        },
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=settings.MFA_ISSUER)
    return {"secret": secret, "otpauth_uri": uri}


def _step_match(device: TotpDevice, code: str) -> int | None:
    """The time step `code` belongs to (now, or one step either side), or None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = _totp(device)
    now = totp.timecode(timezone.now())
    for step in (now, now - 1, now + 1):
        if constant_time_compare(totp.generate_otp(step), code):
            return step
    return None


def recovery_codes_new(*, user: User) -> list[str]:
    """A fresh set of recovery codes (the old ones stop working); shown once."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, digest=_recovery_digest(code)) for code in codes
    )
    return codes


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> list[str]:
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.confirmed_at is not None:
        raise Invalid(
            errors.Code.MFA_NOT_ENABLED, _("Start the set-up first (POST auth/mfa/totp/).")
        )
    step = _step_match(device, code or "")
    if step is None:
        raise Invalid(errors.Code.MFA_CODE_INVALID, _("The code is wrong; try the current one."))
    device.confirmed_at = timezone.now()
    device.last_step = step
    device.save(update_fields=["confirmed_at", "last_step"])
    return recovery_codes_new(user=user)


@transaction.atomic
def code_verify(user: User, code: str) -> bool:
    """A current TOTP code not used before, or an unused recovery code (then used)."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None or not code:
        return False
    step = _step_match(device, code)
    if step is not None:
        # Each step once: a code seen (or overheard) cannot be played again.
        return bool(
            TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
        )
    return bool(
        RecoveryCode.objects.filter(
            user=user, digest=_recovery_digest(code), used_at__isnull=True
        ).update(used_at=timezone.now())
    )


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def totp_disable(request: HttpRequest, *, user: User, password: str, code: str) -> None:
    """Removing the second factor takes the password and a code."""
    if not TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        raise Invalid(errors.Code.MFA_NOT_ENABLED, _("No second factor is set up."))
    if not user.check_password(password or ""):
        throttles.sign_in_failed(request, user.email)
        raise Invalid(
            errors.Code.WRONG_PASSWORD,
            _("The password is wrong."),
            fields={"password": [_("The password is wrong.")]},
        )
    if not code_verify(user, code or ""):
        throttles.sign_in_failed(request, user.email)
        raise Invalid(errors.Code.MFA_CODE_INVALID, _("The code is wrong or was used."))
    mfa_reset(user=user)


@transaction.atomic
def mfa_reset(*, user: User) -> None:
    """The second factor and recovery codes removed (also by an operator, for a person
    who lost both: `manage.py mfa_reset EMAIL`)."""
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


# --- Recent re-authentication -----------------------------------------------------------


def recently_authenticated(request: HttpRequest) -> bool:
    if settings.REAUTH_SECONDS <= 0:
        return True
    session = sessions.current(request)
    if session is None:
        return False
    age = timezone.now() - session.authenticated_at
    return age <= datetime.timedelta(seconds=settings.REAUTH_SECONDS)


def require_recent_authentication(request: HttpRequest) -> None:
    if not recently_authenticated(request):
        raise Forbidden(
            errors.Code.REAUTHENTICATION_REQUIRED,
            _("Confirm it is you: give your password (or a code) again."),
        )


def reauthenticate(request: HttpRequest, *, password: str = "", code: str = "") -> None:
    """The signed-in person proves it is them again (password, or a second-factor code)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - views let only the signed-in here
    throttles.sign_in_door(request, user.email)
    ok = (password and user.check_password(password)) or (code and code_verify(user, code))
    if not ok:
        throttles.sign_in_failed(request, user.email)
        raise Invalid(errors.Code.WRONG_PASSWORD, _("The password or code is wrong."))
    sessions.reauthenticated(request)
