"""Answers for requests that reach no view or fail: JSON of the same `{"code", "detail"}`
shape under the API's paths (unknown URL, a body Django refuses before any view runs, a
CSRF failure, a server error), the portal's own pages elsewhere."""

import contextlib

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import csrf, defaults

from concierge import errors
from concierge.web.middleware import is_portal


def _answer(request, status, code, detail, template):
    if is_portal(request):
        # A page that cannot render (the database is down...) still gets an answer.
        with contextlib.suppress(Exception):
            return render(request, template, status=status)
    return JsonResponse({"code": code, "detail": detail}, status=status)


def bad_request(request, exception=None):
    if is_portal(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(
            {"code": errors.Code.REQUEST_TOO_LARGE, "detail": _("The request body is too large.")},
            status=413,
        )
    return JsonResponse(
        {
            "code": errors.Code.BAD_REQUEST,
            "detail": _("The request could not be read (malformed)."),
        },
        status=400,
    )


def csrf_failure(request, reason=""):
    if is_portal(request):
        return csrf.csrf_failure(request, reason)
    return JsonResponse(
        {
            "code": errors.Code.CSRF_FAILED,
            "detail": _("CSRF check failed: %(reason)s") % {"reason": reason},
        },
        status=403,
    )


def forbidden(request, exception=None):
    return _answer(
        request, 403, errors.Code.PERMISSION_DENIED, _("Your role may not do this."), "403.html"
    )


def not_found(request, exception=None):
    return _answer(request, 404, errors.Code.NOT_FOUND, _("Not found."), "404.html")


def server_error(request):
    return _answer(
        request,
        500,
        "server_error",
        _("Something went wrong on our side; it was logged."),
        "500.html",
    )
