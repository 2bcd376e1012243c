"""Browser sessions that can be ended from elsewhere, and the second factor some roles
must have before anything else.

The session's person is read with its session row in one query (the row joined to its
user), in place of Django's own user query: a signed-in page costs no query more for
being endable. The checks are Django's (`django.contrib.auth.get_user`): the session's
user id, the password hash it was opened under, an active account."""

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, logout
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from concierge.accounts import mfa, sessions
from concierge.accounts.models import AccountSession

# What a person who must enrol a second factor may still open in the portal.
ENROLMENT_PATHS = (
    "/app/account/security/",
    "/app/account/confirm/",
    "/logout/",
    "/static/",
    "/i18n/",
)


def _hash_matches(request, user) -> bool:
    stored = request.session.get(HASH_SESSION_KEY) or ""
    if constant_time_compare(stored, user.get_session_auth_hash()):
        return True
    return any(
        constant_time_compare(stored, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )


class AccountSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(USER_SESSION_KEY) is not None:
            row_id = session.get(sessions.SESSION_KEY)
            if row_id is not None:
                row = (
                    AccountSession.objects.select_related("user")
                    .filter(pk=row_id, user_id=session[USER_SESSION_KEY])
                    .first()
                )
                if row is None or not row.user.is_active or not _hash_matches(request, row.user):
                    logout(request)  # ended from elsewhere, or the password changed
                    return self.get_response(request)
                user = row.user
                user.backend = session.get(BACKEND_SESSION_KEY)
                request.user = request._cached_user = user
                sessions.touch(row, now=timezone.now())
                request._account_session = row
            elif request.user.is_authenticated:  # opened before sessions were recorded
                request._account_session = sessions.browser_session_start(request, request.user)
            if request.user.is_authenticated and self._must_enrol(request):
                return redirect("portal:security")
        return self.get_response(request)

    @staticmethod
    def _must_enrol(request) -> bool:
        path = request.path
        if path.startswith(("/api/", "/stripe/", "/calendar/", "/healthz")):
            return False  # the API answers 403 mfa_required itself
        if path.startswith(ENROLMENT_PATHS):
            return False
        return mfa.enrolment_required(request.user)
