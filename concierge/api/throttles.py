"""The admin login's throttle. Every door shares the counters of
`concierge.accounts.throttles` (per address and per account, in the shared `throttle`
cache); a refused attempt is a 429 in the API's error shape with Retry-After."""

from functools import wraps

from django.http import JsonResponse
from rest_framework.exceptions import Throttled

from concierge.accounts import throttles
from concierge.api.errors import error_body
from concierge.errors import DrfCode


def throttled_response(wait) -> JsonResponse:
    exc = Throttled(wait)
    response = JsonResponse(error_body(DrfCode.THROTTLED, exc.detail), status=429)
    response["Retry-After"] = str(wait)
    return response


def throttled_login(view):
    """Wraps a plain Django login view (the admin's): its POSTs pass the sign-in door
    (per address, and per account for the name typed) and a failed one counts against
    the account."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        email = request.POST.get("username", "")
        try:
            throttles.sign_in_door(request, email)
        except throttles.AttemptsExhausted as exc:
            return throttled_response(exc.wait)
        response = view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            throttles.sign_in_failed(request, email)
        return response

    return wrapper
