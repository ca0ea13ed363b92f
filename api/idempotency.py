"""``Idempotency-Key``: a retried write has one effect, and gets the first answer again.

The first request with a key inserts its record and does its work in the same transaction; a
second request with the same key waits on the record's unique index until the first commits,
then replays the stored response (or, if the first rolled back, does the work itself). The same
key with a different body (or on another endpoint) is a 409: it is a client's mistake, and
replaying an answer to another question would hide it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import Conflict, body, errors_of
from api.models import ApiKey, IdempotencyRecord
from capacity_tracker.lib import clock

HEADER = "Idempotency-Key"
MAX_LENGTH = 255


def _digest(request: Request) -> str:
    hashed = hashlib.sha256()
    for part in (request.method or "", request.path, request.content_type or ""):
        hashed.update(part.encode() + b"\0")
    hashed.update(request.body)  # read before the parser: Django keeps it for the parser
    return hashed.hexdigest()


def _as_stored(response: Response) -> object:
    """Exactly what the client was sent, as JSON (dates already as strings)."""
    return json.loads(JSONRenderer().render(response.data))


def idempotent(request: Request, work: Callable[[], Response]) -> Response:
    raw = request.headers.get(HEADER)
    if raw is None:
        return work()
    key = raw.strip()
    if not key or len(key) > MAX_LENGTH or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: ["Give an Idempotency-Key of 1 to 255 printable characters, such as a UUID."]}
        )
    api_key = request.auth
    if not isinstance(api_key, ApiKey):
        raise exceptions.PermissionDenied("Writes need an API key.")
    digest = _digest(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    api_key=api_key,
                    key=key,
                    method=request.method or "",
                    path=request.path[:255],
                    request_digest=digest,
                    status_code=0,
                    response_body={},
                    created_at=clock.now(),
                )
        except IntegrityError:
            earlier = IdempotencyRecord.objects.get(api_key=api_key, key=key)
            if earlier.request_digest != digest:
                raise Conflict(
                    "This Idempotency-Key was already used for a different request. Use a new "
                    "key for each new request, and the same key only to retry the same one."
                ) from None
            replay = Response(earlier.response_body, status=earlier.status_code)
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = work()
        except exceptions.APIException as exc:
            # A refusal is an answer too: a retry of the same request gets the same one.
            response = Response(body(*errors_of(exc)), status=exc.status_code)
        record.status_code = response.status_code
        record.response_body = _as_stored(response)
        record.save(update_fields=["status_code", "response_body"])
    return response
