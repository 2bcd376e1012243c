"""Token authentication that answers in the requesting person's own time zone, with
tokens that end: after an idle time (settings.TOKEN_IDLE_TIMEOUT_SECONDS), at logout, when
the password changes, and when ended from the sessions list. Only a digest of each token
is stored (concierge.accounts.sessions).

Datetimes in responses are rendered in the zone of the user's profile (`timezone`), with
its offset; a New York client reads `-05:00` in winter. Only the rendering changes: every
domain computation (billing periods, workload weeks, deadlines) names the service's zone
(`settings.TIME_ZONE`) explicitly, and `UserTimezoneMiddleware` puts the service zone back
when the request ends. Session users get the same through the middleware. Both classes
also answer in the account's language when the request's header names none
(concierge.api.languages).

A person of MFA_REQUIRED_ROLES without a second factor may only set one up and sign out:
anything else is 403 `mfa_required`, whichever way they authenticated.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme as OpenApiSessionScheme
from rest_framework import authentication, exceptions

from concierge.accounts import mfa
from concierge.accounts import sessions as account_sessions
from concierge.api.languages import activate_language_of
from concierge.errors import Code, DrfCode
from concierge.timezones import activate_zone_of

# What a person who must enrol a second factor may still do in the API.
ENROLMENT_PATHS = (
    "/api/v1/auth/mfa/",
    "/api/v1/auth/logout/",
    "/api/v1/auth/logout-all/",
    "/api/v1/auth/sessions/",
    "/api/v1/auth/reauthenticate/",
)


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = _("This token has expired or was revoked; obtain a new one.")
    default_code = DrfCode.TOKEN_EXPIRED


class MfaRequired(exceptions.PermissionDenied):
    default_detail = _("Set up a second factor first (POST auth/mfa/totp/).")
    default_code = Code.MFA_REQUIRED


def _enrolment_gate(request, user):
    if not request.path.startswith(ENROLMENT_PATHS) and mfa.enrolment_required(user):
        raise MfaRequired()


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_language_of(request, result[0])
            _enrolment_gate(request, result[0])
            activate_zone_of(result[0])
        return result

    def authenticate_credentials(self, key):
        # One query: the token's row and its user.
        token = account_sessions.token_find(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        if not account_sessions.is_live(token, now=now):
            raise TokenExpired()
        account_sessions.touch(token, now=now)
        return token.user, token


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_language_of(request, result[0])
            _enrolment_gate(request, result[0])
        return result


class SessionScheme(OpenApiSessionScheme):
    """The schema names our session authentication as DRF's (cookie `sessionid`)."""

    target_class = "concierge.api.authentication.SessionAuthentication"
