"""OpenAPI pieces every API view shares: the one error body (``api.errors``) as one component,
and the responses each error status gets, so an endpoint's schema lists exactly what it answers.

Use::

    @extend_schema(responses={200: Thing, **errors(400, 401, 403, 404, 429)})

or ``ERRORS`` (every status below) when an endpoint can give them all.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.request import Request


class ApiErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text=(
            "The request field the error is about (a query parameter, a body field, or "
            "answers.<code> for an answer), or null when it is about the whole request."
        ),
    )
    code = serializers.CharField(help_text="Stable, for programs: e.g. invalid, required.")
    message = serializers.CharField(help_text="For people, in plain English.")


class ApiErrorSerializer(serializers.Serializer):
    """Every error the API gives, whatever its status."""

    # assignment: DRF's serializer metaclass takes declared fields off the class, so this field
    # does not replace Serializer.errors (the stubs see a class attribute).
    errors = ApiErrorItemSerializer(many=True)  # type: ignore[assignment]

    class Meta:
        ref_name = "Error"


def _example(code: str, message: str, field: str | None = None) -> list[OpenApiExample]:
    return [
        OpenApiExample(
            code,
            value={"errors": [{"field": field, "code": code, "message": message}]},
            response_only=True,
        )
    ]


DESCRIPTIONS: dict[int, tuple[str, list[OpenApiExample]]] = {
    400: (
        "A query parameter or the body is missing or not valid; each error names its field.",
        _example("invalid", "period must be a month like 2026-04.", "period"),
    ),
    401: (
        "No API key (and nobody signed in), or the key is not valid, has expired or was revoked.",
        _example("not_authenticated", "Authentication credentials were not provided."),
    ),
    403: (
        "The key or person may not do this.",
        _example("permission_denied", "You do not have permission to perform this action."),
    ),
    404: (
        "No such object that the caller may see (or a page cursor that is not valid).",
        _example("not_found", "No location with that ID that you can see.", "location"),
    ),
    409: (
        "The request conflicts with the current state (e.g. an Idempotency-Key reused).",
        _example("conflict", "The request conflicts with the current state."),
    ),
    413: (
        "The request body is too large.",
        _example("too_large", "The request body is too large."),
    ),
    429: (
        "Too many requests for this key: wait for the number of seconds in Retry-After.",
        _example("throttled", "Request was throttled. Expected available in 12 seconds."),
    ),
}


def error_response(status: int) -> OpenApiResponse:
    description, examples = DESCRIPTIONS[status]
    return OpenApiResponse(ApiErrorSerializer, description=description, examples=examples)


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error responses for ``statuses``, to spread into ``extend_schema(responses=...)``."""
    return {status: error_response(status) for status in statuses}


# What an authenticated read can answer besides its 200.
ERRORS: dict[int, OpenApiResponse] = errors(400, 401, 403, 404, 429)


# --- Cursor pages --------------------------------------------------------------------------

PAGE_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        description="The page to read: copy it from the previous page's next or previous link.",
    ),
    OpenApiParameter(
        "page_size",
        OpenApiTypes.INT,
        description="How many results a page holds, 1 to 1000 (more is read as 1000; default 100).",
    ),
]


def page_of(serializer_class: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """The schema of one cursor page of ``serializer_class`` (``api.pagination``)."""
    page = type(
        name,
        (serializers.Serializer,),
        {
            "next": serializers.URLField(
                allow_null=True, help_text="The next page, or null on the last."
            ),
            "previous": serializers.URLField(
                allow_null=True, help_text="The previous page, or null on the first."
            ),
            "results": serializer_class(many=True),
            "__doc__": "One page of results, in a stable order (cursor pagination).",
        },
    )
    return page()


# --- Query parameters ----------------------------------------------------------------------


def query_params(
    serializer_class: type[serializers.Serializer], request: Request
) -> dict[str, Any]:
    """The request's query parameters as ``serializer_class`` reads them; a 400 in the one error
    shape (each error naming its parameter) when one is not valid. A repeated parameter counts
    once (its last value)."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
