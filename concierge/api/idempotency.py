"""`Idempotency-Key` for POSTs that create money or time (API.md).

The first successful answer to a key is stored and replayed for every repeat of the same
request by the same user. The key is claimed before the work runs, so two concurrent
requests with one key cannot both do it: the second gets 409 `idempotency_key_in_use`
and may retry. A failed request releases its key. Reusing a key for a different request
is 409 `idempotency_key_reused`.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from concierge import errors
from concierge.errors import Conflict
from concierge.models import IdempotencyRecord

HEADER = "Idempotency-Key"
IN_PROGRESS = 0


def _fingerprint(request):
    payload = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{payload}".encode()).hexdigest()


def idempotent(view_method):
    """Decorate a DRF view method (`post`, or a viewset action)."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255:
            raise errors.Invalid(errors.INVALID, f"{HEADER} is longer than 255 characters.")
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path,
                    request_hash=fingerprint,
                    status_code=IN_PROGRESS,
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(user=request.user, key=key)
            if record.request_hash != fingerprint:
                raise Conflict(
                    errors.IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key was used for a different request.",
                ) from None
            if record.status_code == IN_PROGRESS:
                raise Conflict(
                    "idempotency_key_in_use",
                    "A request with this Idempotency-Key is still being processed; retry.",
                ) from None
            response = Response(record.body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response

        try:
            response = view_method(self, request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        if 200 <= response.status_code < 300:
            record.status_code = response.status_code
            record.body = response.data
            record.save(update_fields=["status_code", "body"])
        else:
            record.delete()
        return response

    return wrapper
