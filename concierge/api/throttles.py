"""Throttles for the endpoints that take a password: sign-up, token and the admin login.
Counted per client address (`REST_FRAMEWORK["NUM_PROXIES"]` says how many proxies' hops
of X-Forwarded-For to trust; none by default, so a client cannot choose its own key) in
the cache, which production shares between processes (Redis)."""

import math
from functools import wraps

from django.http import JsonResponse
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle

from concierge.api.errors import error_body
from concierge.errors import DrfCode


class LoginThrottle(SimpleRateThrottle):
    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegisterThrottle(LoginThrottle):
    scope = "register"


def throttled_login(view):
    """Wraps a plain Django login view (the admin's): its POSTs share the API login
    throttle, and a throttled attempt is a 429 in the API's error shape."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            throttle = LoginThrottle()
            if not throttle.allow_request(request, None):
                wait = throttle.wait()
                exc = Throttled(wait)
                response = JsonResponse(error_body(DrfCode.THROTTLED, exc.detail), status=429)
                if wait is not None:
                    response["Retry-After"] = str(math.ceil(wait))
                return response
        return view(request, *args, **kwargs)

    return wrapper
