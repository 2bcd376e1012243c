"""`Idempotency-Key` for POSTs that create money or time (API.md).

The first successful answer to a key is stored and replayed for every repeat of the same
request by the same user; reusing a key for a different request is 409
`idempotency_key_reused`.

Claiming the key, doing the work and storing the answer happen in ONE database
transaction, so the key can never outlive its request in an "in progress" state:

- the work commits together with its stored answer, and from then on every repeat
  replays that answer (the work is never done again, whatever fails after the commit:
  the after-commit job hand-over never raises, see `concierge.platform.outbox.enqueue`);
- a request that fails, or whose process dies (a worker killed mid-request), rolls back
  the work and the claim together: a retry does the work once, from scratch;
- a concurrent repeat blocks on the key's unique index until the first commits, then
  replays its answer (or, if the first rolled back, does the work itself).

Rows written by an older release that stored an in-progress claim first are treated as
expired once older than `IDEMPOTENCY_CLAIM_SECONDS` (above the request timeout).
"""

import datetime
import functools
import hashlib
import json

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from concierge import errors
from concierge.errors import Conflict
from concierge.models import IdempotencyRecord

HEADER = "Idempotency-Key"
IN_PROGRESS = 0


def _part(value):
    """A value of the body as the fingerprint sees it: an uploaded file by its name and
    content (its hash when received, else its size), so another file is another request."""
    if isinstance(value, UploadedFile):
        return f"file {value.name} {getattr(value, 'sha256', '') or value.size}"
    return str(value)


def _fingerprint(request):
    payload = json.dumps(request.data, sort_keys=True, default=_part)
    return hashlib.sha256(f"{request.method} {request.path}\n{payload}".encode()).hexdigest()


def _replay(record, fingerprint):
    if record.request_hash != fingerprint:
        raise Conflict(
            errors.Code.IDEMPOTENCY_KEY_REUSED,
            _("This Idempotency-Key was used for a different request."),
        )
    if record.status_code == IN_PROGRESS:
        raise Conflict(
            errors.Code.IDEMPOTENCY_KEY_IN_USE,
            _("A request with this Idempotency-Key is still being processed; retry."),
        )
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def claim(request, key, fingerprint):
    """Insert the claim (inside the caller's transaction), or return the row that holds
    the key. An in-progress row older than the claim timeout is a dead request's: it is
    taken over. The portal's forms claim their keys here too (`concierge.web.once`)."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path,
                request_hash=fingerprint,
                status_code=IN_PROGRESS,
            )
            return None
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.select_for_update().get(user=request.user, key=key)
    expired = timezone.now() - datetime.timedelta(seconds=settings.IDEMPOTENCY_CLAIM_SECONDS)
    if (
        record.status_code == IN_PROGRESS
        and record.created_at < expired
        and record.request_hash == fingerprint
    ):
        record.created_at = timezone.now()
        record.save(update_fields=["created_at"])
        return None
    return record


def idempotent(view_method):
    """Decorate a DRF view method (`post`, or a viewset action)."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255:
            raise errors.Invalid(
                errors.Code.INVALID,
                _("%(header)s is longer than 255 characters.") % {"header": HEADER},
            )
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            held = claim(request, key, fingerprint)
            if held is not None:
                return _replay(held, fingerprint)
            # An error raised here rolls back the work and the claim together.
            response = view_method(self, request, *args, **kwargs)
            record = IdempotencyRecord.objects.get(user=request.user, key=key)
            if 200 <= response.status_code < 300:
                record.status_code = response.status_code
                record.body = response.data
                record.save(update_fields=["status_code", "body"])
            else:
                record.delete()
        return response

    return wrapper
