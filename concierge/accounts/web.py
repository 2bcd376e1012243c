"""The portal's doors: sign-in (with its code step), sign-up, e-mail verification,
password reset, the security page (second factor, sessions) and re-authentication.

Every door that takes a secret is throttled: a refused attempt is the 429 page, which
says when to try again (and a Retry-After header)."""

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from concierge.accounts import forms, mfa, services, sessions, throttles
from concierge.accounts.models import TotpDevice
from concierge.errors import ApplicationError
from concierge.models import User
from concierge.web.access import signed_in
from concierge.web.forms import SignInForm, SignUpForm, attach_error

PENDING = "accounts_pending_sign_in"  # the session's entry between password and code
PENDING_SECONDS = 300
BACKEND = "django.contrib.auth.backends.ModelBackend"


def throttled_page(request, wait: int):
    minutes = max(1, (wait + 59) // 60)
    response = render(
        request, "portal/accounts/throttled.html", {"minutes": minutes, "seconds": wait}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


def door(view):
    """A portal view behind a throttle: AttemptsExhausted becomes the 429 page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except throttles.AttemptsExhausted as exc:
            return throttled_page(request, exc.wait)

    return wrapped


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _with_language(response, user):
    """Remember a person's chosen language in the cookie LocaleMiddleware reads."""
    if user.language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
        )
    return response


def _signed_in(request, user, next_url=None):
    login(request, user, backend=BACKEND)
    target = next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
    if mfa.enrolment_required(user):
        target = reverse("portal:security")
    return _with_language(HttpResponseRedirect(target), user)


def _to_code_step(request, user, next_url):
    request.session[PENDING] = {"u": user.pk, "at": time.time(), "next": next_url or ""}
    return redirect("portal:login-code")


@door
def sign_in(request):
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_check(
                request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
            if services.email_unverified(user):
                raise services.Forbidden(
                    services.errors.Code.EMAIL_UNVERIFIED,
                    _("Confirm your e-mail address first: follow the link we sent you."),
                )
        except throttles.AttemptsExhausted:
            raise
        except ApplicationError as error:
            if error.code == services.errors.Code.INVALID_CREDENTIALS:
                form.add_error(None, _("Email or password is wrong."))
            else:
                form.add_error(None, error.detail)
        else:
            if mfa.has_second_factor(user):
                return _to_code_step(request, user, _next_url(request))
            return _signed_in(request, user, _next_url(request))
    return render(
        request,
        "portal/login.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    return User.objects.filter(pk=pending["u"], is_active=True).first(), pending.get("next")


@door
def sign_in_code(request):
    user, next_url = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Sign in again: the code step timed out."))
        return redirect("portal:login")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttles.sign_in_door(request, user.email)
        if services.code_verify(user, form.cleaned_data["code"]):
            request.session.pop(PENDING, None)
            left = services.recovery_codes_left(user)
            response = _signed_in(request, user, next_url)
            if left < 3:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)d recovery code left: make new ones on the security page.",
                        "%(count)d recovery codes left: make new ones on the security page.",
                        left,
                    )
                    % {"count": left},
                )
            return response
        throttles.sign_in_failed(request, user.email)
        form.add_error("code", _("The code is wrong or was used."))
    return render(
        request, "portal/accounts/code.html", {"form": form}, status=400 if form.errors else 200
    )


@door
def signup(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttles.address_attempt(request, "register")
        try:
            user = services.register(request, **form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory":
                return render(
                    request,
                    "portal/accounts/check_inbox.html",
                    {"email": form.cleaned_data["email"], "signup": True},
                )
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("portal:app")
    return render(request, "portal/signup.html", {"form": form}, status=400 if form.errors else 200)


@door
def verify_email(request, key):
    try:
        user = services.email_verify(request, key=key)
    except ApplicationError as error:
        return render(
            request, "portal/accounts/link_invalid.html", {"detail": error.detail}, status=400
        )
    messages.success(request, _("Your e-mail address is confirmed."))
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("portal:app")
    return redirect("portal:login")


@door
def verify_email_resend(request):
    form = forms.EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.verification_resend(request, email=form.cleaned_data["email"])
        return render(
            request, "portal/accounts/check_inbox.html", {"email": form.cleaned_data["email"]}
        )
    return render(
        request,
        "portal/accounts/email_form.html",
        {
            "form": form,
            "title": _("Send the confirmation link again"),
            "button": _("Send the link"),
        },
        status=400 if form.errors else 200,
    )


@door
def password_reset(request):
    form = forms.EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(request, email=form.cleaned_data["email"])
        return render(
            request,
            "portal/accounts/check_inbox.html",
            {"email": form.cleaned_data["email"], "reset": True},
        )
    return render(
        request,
        "portal/accounts/email_form.html",
        {
            "form": form,
            "title": _("Forgot your password?"),
            "intro": _("Give your address: we send a link to choose a new password."),
            "button": _("Send the link"),
        },
        status=400 if form.errors else 200,
    )


@door
def password_reset_confirm(request, uid, token):
    try:
        user = services.reset_link_user(uid=uid, token=token)
    except ApplicationError as error:
        return render(
            request, "portal/accounts/link_invalid.html", {"detail": error.detail}, status=400
        )
    form = forms.NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_reset_confirm(
                request, uid=uid, token=token, password=form.cleaned_data["password"]
            )
        except ApplicationError as error:
            attach_error(form, error)
        else:
            if request.user.is_authenticated:
                logout(request)
            messages.success(request, _("Your password is changed."))
            if mfa.has_second_factor(user):
                return _to_code_step(request, user, None)
            return _signed_in(request, user)
    return render(
        request,
        "portal/accounts/reset_confirm.html",
        {"form": form, "who": user.email},
        status=400 if form.errors else 200,
    )


def recent_authentication_required(view):
    """A portal view that needs the password given within REAUTH_SECONDS: otherwise the
    person confirms it first and comes back."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and not services.recently_authenticated(request):
            back = request.get_full_path() if request.method == "GET" else _referer(request)
            target = f"{reverse('portal:reauthenticate')}?{urlencode({'next': back})}"
            if getattr(request, "htmx", False):  # the whole page goes, not a fragment
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return view(request, *args, **kwargs)

    return wrapped


def _referer(request):
    referer = request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("portal:account")


@signed_in
@door
def reauthenticate(request):
    form = forms.ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reauthenticate(request, password=form.cleaned_data["password"])
        except ApplicationError:
            form.add_error("password", _("The password is wrong."))
        else:
            return redirect(_next_url(request) or "portal:account")
    return render(
        request,
        "portal/accounts/reauthenticate.html",
        {"form": form, "next": _next_url(request) or ""},
        status=400 if form.errors else 200,
    )


def _security_context(request, **extra):
    user = request.user
    device = TotpDevice.objects.filter(user=user).first()
    current = sessions.current(request)
    return {
        "enabled": device is not None and device.confirmed_at is not None,
        "required": mfa.required_for(user),
        "codes_left": services.recovery_codes_left(user),
        "sessions": list(sessions.sessions_of(user)[:100]),
        "current_id": current.pk if current else None,
        "disable_form": forms.DisableForm(),
        **extra,
    }


@signed_in
def security(request):
    return render(request, "portal/accounts/security.html", _security_context(request))


def _qr_svg(uri: str) -> str:
    import segno

    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="QR code")


@signed_in
@recent_authentication_required
def totp_enrol(request):
    """Step one: a new secret, shown as a QR code (drawn here) and as text."""
    if request.method != "POST":
        return redirect("portal:security")
    try:
        begun = services.totp_begin(user=request.user)
    except ApplicationError as error:
        messages.error(request, error.detail)
        return redirect("portal:security")
    return render(
        request,
        "portal/accounts/enrol.html",
        {"secret": begun["secret"], "qr": _qr_svg(begun["otpauth_uri"]), "form": forms.EnrolForm()},
    )


@signed_in
@require_POST
def totp_confirm(request):
    form = forms.EnrolForm(request.POST)
    if form.is_valid():
        try:
            codes = services.totp_confirm(user=request.user, code=form.cleaned_data["code"])
        except ApplicationError as error:
            form.add_error("code", error.detail)
        else:
            sessions.reauthenticated(request)
            return render(request, "portal/accounts/recovery_codes.html", {"codes": codes})
    device = TotpDevice.objects.filter(user=request.user, confirmed_at__isnull=True).first()
    if device is None:
        return redirect("portal:security")
    from concierge.platform import crypto

    secret = crypto.decrypt(device.secret)
    import pyotp

    uri = pyotp.TOTP(secret).provisioning_uri(
        name=request.user.email, issuer_name=settings.MFA_ISSUER
    )
    return render(
        request,
        "portal/accounts/enrol.html",
        {"secret": secret, "qr": _qr_svg(uri), "form": form},
        status=400,
    )


@signed_in
@require_POST
@door
def totp_disable(request):
    form = forms.DisableForm(request.POST)
    if form.is_valid():
        try:
            services.totp_disable(request, user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("The second factor is removed."))
            return redirect("portal:security")
    return render(
        request,
        "portal/accounts/security.html",
        _security_context(request, disable_form=form),
        status=400,
    )


@signed_in
@require_POST
@recent_authentication_required
def recovery_codes_new(request):
    if not mfa.has_second_factor(request.user):
        return redirect("portal:security")
    codes = services.recovery_codes_new(user=request.user)
    return render(request, "portal/accounts/recovery_codes.html", {"codes": codes})


@signed_in
@require_POST
def session_end(request, pk):
    current = sessions.current(request)
    sessions.session_end(user=request.user, session_id=pk)
    if current is not None and current.pk == pk:
        logout(request)
        return redirect("portal:home")
    messages.success(request, _("That session is ended."))
    return redirect("portal:security")


@signed_in
@require_POST
def logout_all(request):
    sessions.sessions_end_all(user=request.user)
    logout(request)
    messages.info(request, _("You are signed out everywhere."))
    return redirect("portal:home")


@signed_in
@require_POST
@door
def email_change(request):
    """The account page's "Change e-mail": a link to the new address, which the account
    moves to once it is followed."""
    form = forms.EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            services.email_change_request(request, user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            attach_error(form, error)
        else:
            return render(
                request,
                "portal/accounts/check_inbox.html",
                {"email": form.cleaned_data["email"], "change": True},
            )
    from concierge.web.forms import AccountForm, PasswordChangeForm

    user = request.user
    account_form = AccountForm(
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "timezone": user.timezone,
            "language": user.language,
        }
    )
    context = {"form": account_form, "password_form": PasswordChangeForm(), "email_form": form}
    return render(request, "portal/account.html", context, status=400)
