"""API: the dissemination selectors for analysts and councils, scoped exactly like the pages.

``GET /api/v1/aggregates/`` is the aggregate export page's data as JSON, and
``GET /api/v1/compliance/`` the compliance release page's. Who gets what:

- The audience is ``api.scope.Caller.audience``: a DHSC key sees England (location level
  included), a council's key its own council; people by role as on the pages (aggregates:
  analysts, support staff and local authority users; the compliance release caseworkers too).
  Anyone else (provider and supplier keys, provider users) gets 403.
- The choices are the pages' (``dissemination.forms``): a month whose window has opened; the
  region level only for national callers (a council's page offers its total, its councils and
  its locations); the location level only for callers entitled to it. A ``region`` or
  ``local_authority`` filter outside the caller's reach is a 404, as on the pages.
- The figures are the export page's for the same audience: the selectors' own sums, not
  suppressed (suppression is for publication outside government, which is an export choice
  and never an API one). Nothing is computed here: the rows are ``aggregate`` /
  ``iter_compliance`` rows, reshaped.
- A GET never writes: where the export pages add a row to the disclosure register (they are
  file downloads, made by POST), each call here is logged as an ``api_disclosure`` security
  event naming the key prefix or user id, the endpoint and the parameters.

Pages: the rows come from the selectors' server-side cursor (``iter_*``), read up to the end of
the page asked for and then let go, so a page never holds more than its own rows. The cursor
is opaque (the offset in the selectors' fixed order: period, level, region, council and
location name); ``next`` and ``previous`` are full URLs, as on every other list.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import itertools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from api.schema import ERRORS
from api.scope import Caller
from capacity_tracker.lib import clock
from capacity_tracker.lib.json_logs import security_event
from dissemination.api_serializers import (
    MAX_PAGE_SIZE,
    AggregatePageSerializer,
    AggregateParams,
    CompliancePageSerializer,
    ComplianceParams,
    aggregate_json,
    compliance_json,
)
from dissemination.audience import Audience, opened_windows
from dissemination.selectors import Level, iter_aggregate, iter_compliance
from providers.models import CareType, LocalAuthority, Region
from returns.models import CollectionWindow

T = TypeVar("T", bound=Model)
CURSOR = "cursor"


def _audience(request: Request, *, compliance: bool) -> tuple[Caller, Audience]:
    caller = Caller.of(request)
    audience = caller.audience(compliance=compliance)
    if audience is None:
        raise exceptions.PermissionDenied(
            "This key or account may not read the aggregates or the compliance release."
        )
    return caller, audience


def _params(serializer_class: type, request: Request) -> dict[str, Any]:
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)  # 400, each error naming its parameter
    return dict(params.validated_data)


def _window(period: str, *, now: datetime.datetime) -> CollectionWindow:
    """The stored window for ``period``, if it has opened (the months the pages offer)."""
    year, month = (int(part) for part in period.split("-"))
    window = opened_windows(now).filter(period=datetime.date(year, month, 1)).first()
    if window is None:
        raise exceptions.ValidationError(
            {"period": [f"There is no collection month {period} that has opened yet."]},
            code="invalid",
        )
    return window


def _in_reach(queryset: QuerySet[T], code: str | None, field: str) -> T | None:
    """The region or council with ONS ``code`` among those the caller may see; 404 if not."""
    if code is None:
        return None
    found = queryset.filter(ons_code=code).first()
    if found is None:
        # 404 as on the pages (not 400): an area out of reach is not told from one that
        # does not exist.
        raise exceptions.NotFound(
            {field: [f"No {field.replace('_', ' ')} {code} that you can see."]}
        )
    return found


def _offset(request: Request) -> int:
    raw = request.query_params.get(CURSOR)
    if raw is None:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(raw.encode("ascii")).decode("ascii"))
    except (ValueError, UnicodeError, binascii.Error):
        offset = -1
    if offset < 0:
        raise exceptions.NotFound({CURSOR: ["That page cursor is not valid."]})
    return offset


def _link(request: Request, offset: int | None) -> str | None:
    if offset is None:
        return None
    url = request.build_absolute_uri()
    if offset == 0:
        return remove_query_param(url, CURSOR)
    cursor = base64.urlsafe_b64encode(str(offset).encode("ascii")).decode("ascii")
    return replace_query_param(url, CURSOR, cursor)


def _page(
    request: Request, rows: Iterator[Any], size: int, shape: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """One page of a selector stream: reads to one row past the page (is there a next?), then
    closes the stream, letting go of its server-side cursor."""
    start = _offset(request)
    try:
        read = list(itertools.islice(rows, start, start + size + 1))
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    more = len(read) > size
    return {
        "next": _link(request, start + size) if more else None,
        "previous": _link(request, max(start - size, 0)) if start > 0 else None,
        "results": [shape(row) for row in read[:size]],
    }


def _who(caller: Caller) -> dict[str, Any]:
    if caller.key is not None:
        return {"key_prefix": caller.key.prefix, "caller_kind": caller.kind}
    return {"user_id": getattr(caller.user, "pk", None), "caller_kind": caller.kind}


_PAGE_PARAMETERS = [
    OpenApiParameter(CURSOR, str, description="The page to read: take it from next or previous."),
    OpenApiParameter(
        "page_size", int, description=f"Rows a page, 1 to {MAX_PAGE_SIZE} (default 100)."
    ),
]
_AREA_PARAMETERS = [
    OpenApiParameter(
        "region",
        str,
        description="ONS code of a region to narrow to (one you can see; 404 otherwise).",
    ),
    OpenApiParameter(
        "local_authority",
        str,
        description="ONS code of a council to narrow to (one you can see; 404 otherwise).",
    ),
]
_PERIOD = OpenApiParameter(
    "period",
    str,
    required=True,
    description="The collection month, YYYY-MM: a month whose window has opened.",
)


class AggregatesView(APIView):
    @extend_schema(
        operation_id="list_aggregates",
        summary="Aggregate figures for one month",
        description=(
            "The figures of the aggregate export page as JSON, for one month, level and care "
            "type: DHSC keys and national staff for England, a council's key or user for their "
            "own area (the england row is then their area's total: level area_total). Figures "
            "are not suppressed: they are for use within government, as the export page's. "
            "Rows come in a fixed order (level, region, council, location name) and are paged."
        ),
        parameters=[
            _PERIOD,
            OpenApiParameter(
                "level",
                str,
                required=True,
                enum=[level.value for level in Level],
                description="region is for national callers only; location for callers "
                "entitled to location-level rows.",
            ),
            OpenApiParameter("care_type", str, required=True, enum=CareType.values),
            *_AREA_PARAMETERS,
            *_PAGE_PARAMETERS,
        ],
        responses={200: AggregatePageSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        caller, audience = _audience(request, compliance=False)
        data = _params(AggregateParams, request)
        level = Level(data["level"])
        if level is Level.REGION and audience.scoped:
            raise exceptions.ValidationError(
                {"level": ["The region level is for national callers: choose england, "
                           "local_authority or location."]},
                code="invalid_choice",
            )  # fmt: skip
        if level is Level.LOCATION and not audience.location_level:
            raise exceptions.ValidationError(
                {"level": ["Location-level rows are not available to you: choose another level."]},
                code="invalid_choice",
            )
        window = _window(data["period"], now=clock.now())
        region = _in_reach(audience.regions(), data.get("region"), "region")
        council = _in_reach(
            audience.local_authorities(), data.get("local_authority"), "local_authority"
        )
        total_label = _total_label(audience, region, council)
        rows = iter_aggregate(
            windows=[window],
            level=level,
            care_type=data["care_type"],
            scope=audience.scope(region=region, council=council),
        )
        narrowed = audience.scoped or region is not None or council is not None
        page = _page(
            request,
            rows,
            data["page_size"],
            lambda row: aggregate_json(row, total_label=total_label if narrowed else None),
        )
        security_event(
            "api_disclosure",
            **_who(caller),
            endpoint="aggregates",
            period=window.period_key,
            data_level=level.value,  # (not "level": that is the log level)
            care_type=data["care_type"],
            region=region.ons_code if region else None,
            local_authority=council.ons_code if council else None,
            rows=len(page["results"]),
        )
        return Response(
            {
                "period": window.period_key,
                "care_type": data["care_type"],
                "level": level.value,
                "total_label": total_label,
                **page,
            }
        )


def _total_label(audience: Audience, region: Region | None, council: LocalAuthority | None) -> str:
    """What the selectors' England row is for this call: a filter narrows it further."""
    if council is not None:
        return f"Total for {council.name}"
    if region is not None:
        if audience.scoped:
            return f"{audience.total_label} in {region.name}"
        return f"Total for {region.name}"
    return audience.total_label


class ComplianceView(APIView):
    @extend_schema(
        operation_id="list_compliance",
        summary="The compliance release for one month",
        description=(
            "One row per owed obligation (location and care type) in the month: whether a "
            "return was saved in the window, its kind and time, and whether it came late. "
            "DHSC keys and national staff for England, a council's key or user for their own "
            "area. Paged: a national month is about 30,000 rows."
        ),
        parameters=[
            _PERIOD,
            OpenApiParameter(
                "care_type", str, enum=CareType.values, description="Leave out for both care types."
            ),
            *_AREA_PARAMETERS,
            *_PAGE_PARAMETERS,
        ],
        responses={200: CompliancePageSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        caller, audience = _audience(request, compliance=True)
        data = _params(ComplianceParams, request)
        window = _window(data["period"], now=clock.now())
        region = _in_reach(audience.regions(), data.get("region"), "region")
        council = _in_reach(
            audience.local_authorities(), data.get("local_authority"), "local_authority"
        )
        care_type = data.get("care_type")
        rows = iter_compliance(
            windows=[window],
            care_type=care_type,
            scope=audience.scope(region=region, council=council),
        )
        page = _page(request, rows, data["page_size"], compliance_json)
        security_event(
            "api_disclosure",
            **_who(caller),
            endpoint="compliance",
            period=window.period_key,
            data_level="location",
            care_type=care_type or "all",
            region=region.ons_code if region else None,
            local_authority=council.ons_code if council else None,
            rows=len(page["results"]),
        )
        return Response({"period": window.period_key, "care_type": care_type, **page})
