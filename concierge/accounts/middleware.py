"""Browser sessions that can be ended from elsewhere, and the second factor some roles
must have before anything else."""

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone

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


class AccountSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and hasattr(request, "session"):
            session_id = request.session.get(sessions.SESSION_KEY)
            row = None
            if session_id is not None:
                row = AccountSession.objects.filter(pk=session_id, user=user).first()
                if row is None:  # ended from the sessions list or everywhere
                    logout(request)
                    return self.get_response(request)
            else:  # a session opened before sessions were recorded
                row = sessions.browser_session_start(request, user)
            sessions.touch(row, now=timezone.now())
            request._account_session = row
            if self._must_enrol(request):
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
