"""Public API endpoints of the collection: the calendar (no sign-in needed), the questions a
month asks, and a location's returns (GET here; POST in ``returns.api_submit``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import ERRORS, PAGE_PARAMETERS, errors, page_of, query_params
from api.scope import Caller
from capacity_tracker.lib import clock
from returns import api_submit
from returns.api_reads import (
    DataItemsQuery,
    DatasetOut,
    ReturnOut,
    ReturnsPagination,
    ReturnsQuery,
    dataset_read,
    return_heads,
    return_rows,
)
from returns.selectors import (
    MAX_YEAR,
    MIN_YEAR,
    calendar_rows,
    window_current_or_next,
    windows_for_year,
)

CalendarEntry = inline_serializer(
    name="CalendarEntry",
    many=True,
    fields={
        "period": serializers.CharField(help_text="YYYY-MM"),
        "opens_at": serializers.DateTimeField(),
        "last_day": serializers.DateField(),
        "closes_at": serializers.DateTimeField(
            help_text="Exclusive: the window closes at this instant."
        ),
        "overridden": serializers.BooleanField(),
    },
)


class CalendarView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="get_calendar",
        summary="Collection windows for a year",
        parameters=[
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR},
                required=True,
                description=f"{MIN_YEAR} to {MAX_YEAR}",
            )
        ],
        responses={200: CalendarEntry, **errors(400, 429)},
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("year", "")
        try:
            year = int(raw)
            windows = windows_for_year(year)
        except ValueError:
            raise exceptions.ValidationError(
                {
                    "year": f"Enter a year from {MIN_YEAR} to {MAX_YEAR} as a whole number, "
                    f"like 2027 (got {raw!r})."
                }
            ) from None
        return Response(calendar_rows(windows))


class DataItemsView(APIView):
    """The questions a month's return asks, for one care type."""

    @extend_schema(
        operation_id="get_data_items",
        summary="The data items and rules for a month and care type",
        description=(
            "The dataset version in force for the month, with its items (in the order they are "
            "asked) and its cross-item rules. Items asked only in vaccination campaign months "
            "are listed only when the month is one. Any key, or anyone signed in, may read it."
        ),
        parameters=[DataItemsQuery],
        responses={200: DatasetOut, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = query_params(DataItemsQuery, request)
        period = query.get("period") or window_current_or_next(clock.now()).period_obj
        found = dataset_read(period, query["care_type"])
        if found is None:
            raise exceptions.NotFound(
                {"period": f"No dataset version is in force for {period}: returns start later."}
            )
        return Response(DatasetOut(found).data)


class ReturnsView(APIView):
    """GET: a location's returns, with every version. POST: send a return (``api_submit``)."""

    @extend_schema(
        operation_id="list_returns",
        summary="A location's returns",
        description=(
            "The return for each month and care type of one location you may read (one month's, "
            "or every month's, newest first), with its status as the provider's dashboard shows "
            "it, the version that counts, and every version saved. A location you may not read "
            "is a 404, as is one that does not exist."
        ),
        parameters=[ReturnsQuery, *PAGE_PARAMETERS],
        responses={200: page_of(ReturnOut, "PaginatedReturnList"), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = query_params(ReturnsQuery, request)
        location = Caller.of(request).readable_locations().filter(cqc_id=query["location"]).first()
        if location is None:
            raise exceptions.NotFound({"location": "No location with that ID that you can see."})
        paginator = ReturnsPagination()
        page = paginator.paginate_queryset(
            return_heads(location, query.get("period")), request, view=self
        )
        # None only when paging is off (a page size of 0), which ApiCursorPagination never is.
        rows = return_rows(location, page or [], clock.now())
        return paginator.get_paginated_response(ReturnOut(rows, many=True).data)

    @api_submit.SUBMIT_SCHEMA
    def post(self, request: Request) -> Response:
        return api_submit.submit(request)
