"""One throttle for every door that takes a secret: sign-in (the portal, `auth/token/`,
the admin, second-factor codes), sign-up, password reset, e-mail verification.

Two kinds of counter, both sliding windows (DRF's rate syntax, `10/min`) kept in the
`throttle` cache, which every process shares (Redis, else a database table; never a
process's memory):

- per client address: every attempt counts (`THROTTLE_RATES[scope]`). The address is the
  connection's, or the X-Forwarded-For hop `REST_FRAMEWORK["NUM_PROXIES"]` trusts;
- per account (the e-mail address typed, whether or not it has an account, so that the
  answer tells nothing): failed sign-ins, or e-mails asked for. When an account reaches
  its limit its owner is told by e-mail, in their language.

A refused attempt is `AttemptsExhausted` with the seconds to wait (Retry-After): the API
answers 429 `throttled`, the portal a page that says when to try again.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


class AttemptsExhausted(Exception):
    def __init__(self, wait: float):
        super().__init__(f"Too many attempts; try again in {math.ceil(wait)} s.")
        self.wait = max(1, math.ceil(wait))


def rate(scope: str) -> tuple[int, int]:
    """(attempts, seconds) for `scope`. DRF's table first (tests narrow it), else ours."""
    text = SimpleRateThrottle.THROTTLE_RATES.get(scope) or settings.THROTTLE_RATES[scope]
    limit, duration = SimpleRateThrottle.parse_rate(None, text)  # type: ignore[arg-type]
    return int(limit or 0), int(duration or 1)


def client_address(request: HttpRequest) -> str:
    return BaseThrottle().get_ident(request) or ""  # type: ignore[arg-type]


class Window:
    """The attempts of one scope and one identity within the rate's duration."""

    def __init__(self, scope: str, ident: str):
        self.limit, self.duration = rate(scope)
        digest = hashlib.sha256((ident or "").strip().lower().encode()).hexdigest()[:40]
        self.key = f"throttle:{scope}:{digest}"
        self.cache = caches[settings.THROTTLE_CACHE]

    def _history(self, now: float) -> list[float]:
        return [t for t in self.cache.get(self.key, []) if t > now - self.duration]

    def wait(self) -> float | None:
        """Seconds before another attempt is allowed, or None when one is."""
        now = time.time()
        history = self._history(now)
        if len(history) < self.limit:
            return None
        return self.duration - (now - min(history))

    def hit(self) -> int:
        """Counts an attempt; returns how many are in the window now."""
        now = time.time()
        history = [now, *self._history(now)][: max(self.limit, 1) * 2]
        self.cache.set(self.key, history, self.duration)
        return len(history)

    def clear(self) -> None:
        self.cache.delete(self.key)


def address_attempt(request: HttpRequest, scope: str) -> None:
    """Counts an attempt from the request's address; refuses one over the rate."""
    window = Window(scope, client_address(request))
    wait = window.wait()
    if wait is not None:
        raise AttemptsExhausted(wait)
    window.hit()


def account_locked(scope: str, email: str) -> None:
    """Refuses while `email`'s account has used its attempts (nothing is counted)."""
    wait = Window(scope, email).wait()
    if wait is not None:
        raise AttemptsExhausted(wait)


def account_attempt(scope: str, email: str) -> bool:
    """Counts an attempt (a failure, an e-mail) against `email`; True when this one
    reached the limit, i.e. the account is now locked for a while."""
    window = Window(scope, email)
    wait = window.wait()
    if wait is not None:
        raise AttemptsExhausted(wait)
    return window.hit() == window.limit


def sign_in_door(request: HttpRequest, email: str) -> None:
    """Before checking a password: the address's attempts and the account's failures."""
    address_attempt(request, "login")
    account_locked("login_account", email)


def sign_in_failed(request: HttpRequest, email: str) -> None:
    """After a wrong password or code for `email`: counted against the account, whose
    owner is told once it is locked."""
    try:
        locked = account_attempt("login_account", email)
    except AttemptsExhausted:  # already locked (a concurrent attempt): told already
        return
    if locked:
        from concierge.accounts.services import lockout_notify

        lockout_notify(email=email, address=client_address(request))


def email_door(request: HttpRequest, email: str) -> None:
    """Before sending a password-reset or verification e-mail to `email`."""
    address_attempt(request, "email")
    account_attempt("email_account", email)
