"""One shape for every API error: ``{"errors": [{"field", "code", "message"}]}``.

``field`` is the request field the error is about (``answers.beds_vacant`` for an answer), or
null when it is about the whole request. ``code`` is stable, for programs; ``message`` is for
people, in plain English. No error ever carries a stack trace: an unexpected failure is logged
with its trace and answered with a 500 that says only that it was ours.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from capacity_tracker import db_unavailable

logger = logging.getLogger(__name__)

SERVER_ERROR_MESSAGE = (
    "Something went wrong on our side and nothing was saved. Try again later; if it keeps "
    "happening, contact support with the time of the request."
)


def error(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


def body(*errors: dict[str, Any]) -> dict[str, Any]:
    return {"errors": list(errors)}


def _flatten(detail: Any, field: str | None) -> Iterator[dict[str, Any]]:
    if isinstance(detail, dict):
        for name, inner in detail.items():
            if name in ("non_field_errors", "__all__"):
                yield from _flatten(inner, field)
            else:
                yield from _flatten(inner, f"{field}.{name}" if field else str(name))
    elif isinstance(detail, list):
        for inner in detail:
            yield from _flatten(inner, field)
    else:
        code = getattr(detail, "code", None) or "invalid"
        yield error(str(code), str(detail), field)


def errors_of(exc: exceptions.APIException) -> list[dict[str, Any]]:
    return list(_flatten(exc.detail, None))


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse:
    response = exception_handler(exc, context)  # APIException, Http404, PermissionDenied
    if response is None and db_unavailable.is_database_unavailable(exc):
        return db_unavailable.answer(context["request"], exc)  # PostgreSQL away: 503, retry
    if response is None:
        logger.exception("API request failed", exc_info=exc)
        set_rollback()
        return Response(
            body(error("server_error", SERVER_ERROR_MESSAGE)),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.APIException):
        response.data = body(*errors_of(exc))
    else:  # Django's Http404 or PermissionDenied, converted by DRF
        code = "not_found" if response.status_code == 404 else "permission_denied"
        response.data = body(error(code, str(response.data.get("detail", code))))
    return response


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


def json_error(request: HttpRequest, status_code: int, code: str, message: str) -> JsonResponse:
    """For errors outside any API view (an unknown URL, a body refused before routing)."""
    return JsonResponse(body(error(code, message)), status=status_code)
