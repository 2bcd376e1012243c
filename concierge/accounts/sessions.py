"""API tokens and browser sessions: issued, checked, listed and ended.

A token is 40 random hex characters handed out once; the service keeps only its SHA-256
digest (a key of this length needs no slow hash: it cannot be guessed, only copied, and a
copy of the database holds no key). A browser session carries the id of its row; the row
deleted, the session signs out on its next request."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from concierge.accounts.models import AccountSession, SessionKind
from concierge.models import User

TOKEN_TOUCH_SECONDS = 300
SESSION_KEY = "account_session"  # the browser session's entry naming its row


def password_fingerprint(user: User) -> str:
    """Changes whenever the user's password does (as Django's session auth hash)."""
    return salted_hmac("concierge.token-session", user.password, algorithm="sha256").hexdigest()


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _origin(request: HttpRequest | None) -> dict:
    if request is None:
        return {}
    from concierge.accounts.throttles import client_address

    return {
        "ip": client_address(request) or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
    }


def token_issue(*, user: User, request: HttpRequest | None = None) -> AccountSession:
    """A new API token for `user`. The key is on the returned row as `.key`, only now."""
    now = timezone.now()
    key = secrets.token_hex(20)
    session = AccountSession.objects.create(
        user=user,
        kind=SessionKind.TOKEN,
        digest=digest_of(key),
        password_fingerprint=password_fingerprint(user),
        created_at=now,
        last_used_at=now,
        authenticated_at=now,
        **_origin(request),
    )
    session.key = key
    return session


def token_find(key: str) -> AccountSession | None:
    """The token's row with its user (one query), or None."""
    if not key:
        return None
    return (
        AccountSession.objects.select_related("user")
        .filter(kind=SessionKind.TOKEN, digest=digest_of(key))
        .first()
    )


def is_live(session: AccountSession, *, now: datetime.datetime) -> bool:
    """A token issued under the current password and used within the idle timeout."""
    if session.password_fingerprint != password_fingerprint(session.user):
        return False
    return now - session.last_used_at < datetime.timedelta(
        seconds=settings.TOKEN_IDLE_TIMEOUT_SECONDS
    )


def touch(session: AccountSession, *, now: datetime.datetime) -> None:
    """Records a use, at most once per TOKEN_TOUCH_SECONDS (no write on most requests)."""
    if now - session.last_used_at >= datetime.timedelta(seconds=TOKEN_TOUCH_SECONDS):
        AccountSession.objects.filter(pk=session.pk).update(last_used_at=now)
        session.last_used_at = now


def browser_session_start(request: HttpRequest, user: User) -> AccountSession:
    """At a portal (or admin) sign-in: a row for this browser session."""
    now = timezone.now()
    session = AccountSession.objects.create(
        user=user,
        kind=SessionKind.BROWSER,
        password_fingerprint=password_fingerprint(user),
        created_at=now,
        last_used_at=now,
        authenticated_at=now,
        **_origin(request),
    )
    request.session[SESSION_KEY] = session.pk
    return session


def current(request: HttpRequest) -> AccountSession | None:
    """The row of the session this request came with (a token's or a browser's)."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, AccountSession):
        return auth
    cached: AccountSession | None = getattr(request, "_account_session", None)
    if cached is not None:
        return cached
    session_id = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if session_id is None or not request.user.is_authenticated:
        return None
    return AccountSession.objects.filter(pk=session_id, user=request.user).first()


def reauthenticated(request: HttpRequest) -> None:
    """The person just gave their password or a code on this session."""
    session = current(request)
    if session is not None:
        now = timezone.now()
        AccountSession.objects.filter(pk=session.pk).update(authenticated_at=now)
        session.authenticated_at = now


def sessions_of(user: User) -> QuerySet[AccountSession]:
    return AccountSession.objects.filter(user=user).order_by("-last_used_at", "-pk")


def session_end(*, user: User, session_id: int) -> bool:
    """Ends one of `user`'s sessions; False when they have none of that id."""
    deleted, _ = AccountSession.objects.filter(user=user, pk=session_id).delete()
    return bool(deleted)


@transaction.atomic
def sessions_end_all(*, user: User, keep: HttpRequest | None = None) -> int:
    """Every token and browser session of `user` ends (logout everywhere, a password
    reset or change, an erasure), but the one of the request `keep` when given. Browser
    sessions sign out on their next request."""
    rows = AccountSession.objects.filter(user=user)
    kept = current(keep) if keep is not None else None
    if kept is not None:
        rows = rows.exclude(pk=kept.pk)
    deleted, _ = rows.delete()
    return deleted
