"""Public API endpoints of the collection (no sign-in needed for the calendar)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from returns.selectors import MAX_YEAR, MIN_YEAR, calendar_rows, windows_for_year

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
        summary="Collection windows for a year",
        parameters=[
            OpenApiParameter("year", int, required=True, description=f"{MIN_YEAR} to {MAX_YEAR}")
        ],
        responses={200: CalendarEntry},
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("year", "")
        try:
            year = int(raw)
            windows = windows_for_year(year)
        except ValueError:
            return Response(
                {
                    "detail": f"year must be a whole number from {MIN_YEAR} to {MAX_YEAR}, like 2027 (got {raw!r})."
                },
                status=400,
            )
        return Response(calendar_rows(windows))


class DataItemsView(APIView):
    pass


class ReturnsView(APIView):
    pass
