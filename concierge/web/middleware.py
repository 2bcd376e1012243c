"""The portal's request handling: times in the viewer's zone, and application errors
turned into pages and messages instead of JSON (the API renders its own)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from concierge.errors import ApplicationError, Forbidden, NotFound

API_PREFIXES = ("/api/", "/stripe/", "/calendar/", "/admin/")


def is_portal(request) -> bool:
    return not request.path.startswith(API_PREFIXES) and request.path != "/healthz"


def back(request, default="portal:app"):
    """Where the page that posted came from (same host only), else `default`."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(referer)
    return redirect(default)


class PortalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and is_portal(request):
            timezone.activate(user.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError) or not is_portal(request):
            return None
        if isinstance(exception, NotFound):
            raise Http404(exception.detail) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.detail) from exception
        # A refusal that a form did not catch: say why on the page the visitor came from.
        messages.error(request, exception.detail, extra_tags=exception.code)
        return back(request)
