"""Nothing done twice from the portal: the API's `Idempotency-Key`, carried by forms.

Every portal form that creates money or state renders a fresh key in a hidden field
(`{% once_key %}`). Its view, decorated with `@once`, claims that key in the same table and
transaction as the API's (`concierge.api.idempotency`), so a double click, a form the
browser sends again, or a retry after a lost answer does the work once:

- the first request does the work and stores its answer (a redirect's target, or that
  the page is to be loaded again after a page or an htmx fragment), committed together
  with the work;
- a repeat of the same form answers the same, without doing anything; a concurrent
  repeat waits on the key's unique index until the first commits;
- an answer that is a refusal (an error status, or an error message for the page) is not
  kept: the work was not done, so sending the form again tries again.

A key sent with different fields (a form's key copied into another) is refused, and a form
without a key works as before.
"""

import functools
import hashlib
import uuid
from typing import cast

from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from concierge.api.idempotency import IN_PROGRESS, claim
from concierge.models import IdempotencyRecord
from concierge.web.middleware import back

FIELD = "idempotency_key"
MAX_LENGTH = 255
# What is not the request's content: the CSRF token changes with the session.
NOT_FINGERPRINTED = frozenset({FIELD, "csrfmiddlewaretoken"})
# Fields named so (a vault item's values) are left out: no stored hash derives from a secret.
SECRET_PREFIX = "secret_"  # noqa: S105 - a field-name prefix, not a password


def new_key() -> str:
    return uuid.uuid4().hex


def _fingerprint(request) -> str:
    fields = sorted(
        (name, values)
        for name, values in request.POST.lists()
        if name not in NOT_FINGERPRINTED and not name.startswith(SECRET_PREFIX)
    )
    text = "\n".join(f"{name}={values!r}" for name, values in fields)
    return hashlib.sha256(f"{request.method} {request.path}\n{text}".encode()).hexdigest()


def _answer(response) -> dict | None:
    """What a repeat is told: the redirect's target; after a page or an htmx fragment,
    to load the page again. The content itself is never kept (it holds what people wrote,
    which an erasure must be able to remove)."""
    if response.streaming:
        return None
    if 300 <= response.status_code < 400:
        return {"location": response["Location"]}
    return {"reload": True}


def _replayed(request, record) -> HttpResponse:
    body = record.body or {}
    response: HttpResponse
    if "location" in body:
        response = HttpResponseRedirect(body["location"])
        response.status_code = record.status_code
    elif request.htmx:
        response = HttpResponse(status=200)
        response["HX-Refresh"] = "true"
    else:
        response = back(request)
    response["Idempotent-Replayed"] = "true"
    return response


def _refused(request, response, messages_before: int) -> bool:
    """The view said no: an error status, or an error message queued for the next page."""
    if response.status_code >= 400:
        return True
    storage = cast(BaseStorage, messages.get_messages(request))  # the messages middleware's
    added = list(storage)[messages_before:]
    storage.used = False  # only looked at: still shown on the next page
    return any(message.level >= messages.ERROR for message in added)


def once(view):
    """Decorate a portal view whose POST creates money or state (after the access check)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        key = request.POST.get(FIELD, "").strip() if request.method == "POST" else ""
        if not key or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if len(key) > MAX_LENGTH:
            messages.error(request, _("This form is damaged; please reload the page."))
            return back(request)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            held = claim(request, key, fingerprint)
            if held is not None:
                if held.request_hash != fingerprint:
                    messages.error(request, _("This form was already sent with other values."))
                    return back(request)
                if held.status_code == IN_PROGRESS:
                    messages.error(request, _("This form is still being processed; wait."))
                    return back(request)
                return _replayed(request, held)
            before = len(messages.get_messages(request))
            # An exception rolls back the work and the claim together.
            response = view(request, *args, **kwargs)
            answer = _answer(response)
            if answer is None or _refused(request, response, before):
                IdempotencyRecord.objects.filter(user=request.user, key=key).delete()
            else:
                IdempotencyRecord.objects.filter(user=request.user, key=key).update(
                    status_code=response.status_code, body=answer
                )
        return response

    return wrapped
