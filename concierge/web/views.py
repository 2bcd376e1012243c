"""The portal's public pages, sign-up, sign-in and out, the home page and the account."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from concierge import services
from concierge.accounts import sessions as account_sessions
from concierge.accounts.forms import EmailChangeForm
from concierge.errors import ApplicationError
from concierge.web import forms
from concierge.web.access import signed_in
from concierge.web.registry import panels_for


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


def set_language(request):
    """The footer's language switch: Django's (a cookie, then back to `next`), and for a
    signed-in person their account's language too, so that what the service writes to
    them (notifications, e-mails) speaks it."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if (
        request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and settings.LANGUAGE_COOKIE_NAME in response.cookies
        and request.user.language != language
    ):
        services.user_update(user=request.user, language=language)
    return response


def home(request):
    return render(request, "portal/home.html", {"panels": panels_for("public-home", request)})


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("portal:home")


@signed_in
def app_home(request):
    return render(request, "portal/app_home.html", {"panels": panels_for("home", request)})


@signed_in
def account(request):
    user = request.user
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "timezone": user.timezone,
        "language": user.language,
    }
    form = forms.AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_update(user=user, **form.cleaned_data)
        except ApplicationError as error:
            forms.attach_error(form, error)
        else:
            # Said in the language just chosen (the next page is rendered in it).
            with translation.override(user.language or translation.get_language()):
                messages.success(request, _("Your account is saved."))
            return _with_language(redirect("portal:account"), user)
    return render(
        request,
        "portal/account.html",
        {
            "form": form,
            "password_form": forms.PasswordChangeForm(),
            "email_form": EmailChangeForm(),
        },
        status=400 if form.errors else 200,
    )


@signed_in
def password_change(request):
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            forms.attach_error(form, error)
        else:
            update_session_auth_hash(request, request.user)
            # Every other session and token has ended: they leave the sessions list too.
            account_sessions.sessions_end_all(user=request.user, keep=request)
            messages.success(request, _("Your password is changed."))
            return redirect("portal:account")
    if request.method != "POST":
        return redirect("portal:account")
    account_form = forms.AccountForm(
        initial={
            "first_name": request.user.first_name,
            "last_name": request.user.last_name,
            "timezone": request.user.timezone,
            "language": request.user.language,
        }
    )
    return render(
        request,
        "portal/account.html",
        {"form": account_form, "password_form": form, "email_form": EmailChangeForm()},
        status=400,
    )
