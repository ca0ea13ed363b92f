"""API: the locations a caller may act for, or read, with what each owes the current window."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import ERRORS, PAGE_PARAMETERS, page_of, query_params
from api.scope import Caller
from capacity_tracker.lib import clock
from providers.api_reads import (
    LocationOut,
    LocationsPagination,
    LocationsQuery,
    location_rows,
    locations_for,
)
from returns.selectors import latest_opened_window


class LocationsView(APIView):
    @extend_schema(
        operation_id="list_locations",
        summary="The locations you may act for or read",
        description=(
            "A provider's key: its locations. A supplier's key: the locations providers have "
            "granted its supplier (live grants only). A council's key: the locations in its "
            "area. DHSC's key: every location. Signed in: the locations your role lets you see. "
            "Each comes with the window providers are working on (the newest one that has "
            "opened) and, per care type, whether a return is owed and its status. Ordered by "
            "CQC ID."
        ),
        parameters=[LocationsQuery, *PAGE_PARAMETERS],
        responses={200: page_of(LocationOut, "PaginatedLocationList"), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = query_params(LocationsQuery, request)
        now = clock.now()
        caller = Caller.of(request)
        window = latest_opened_window(now)
        paginator = LocationsPagination()
        page = paginator.paginate_queryset(locations_for(caller, window, query), request, self)
        assert page is not None  # None only for a paginator with no page size; ours has one
        rows = location_rows(caller, page, window, now)
        return paginator.get_paginated_response(LocationOut(rows, many=True).data)
