"""The support desk's live window monitor (admin): how the open window is filling up.

Counts come from the analysts' aggregates (``dissemination.selectors.aggregate``: England,
region and council in one query per care type), so the monitor and every published figure
agree. Two more queries, on the same ``obligations_base`` (the one rule of who owes): the
month's returns per hour of the window, added up here into cumulative counts, and one page of
the obligations still missing. Every query is a GROUP BY or a LIMIT in SQL: the number of
queries does not grow with the number of locations.

Pages (wired by ``CollectionWindowAdmin.get_urls``; support staff only, read-only):

- ``admin/returns/collectionwindow/monitor/``: the window open now (else the latest opened);
- ``.../monitor/<period>/``: any stored window; ``.../monitor/<period>/data.json``: the counts
  for ``static/js/window-monitor.js``, which refreshes the page without a reload.

Query string: ``region`` / ``council`` (ONS codes) narrow the hourly table and the missing list;
``care_type`` narrows everything; ``page`` pages the missing list.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from capacity_tracker.lib import clock
from dissemination.selectors import Level, Scope, aggregate
from dissemination.sql import as_datetime, fetch, naming_joins, obligations_base
from providers.models import CareType, LocalAuthority, Region, Role
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow

MISSING_PAGE_SIZE = 100
HOUR = datetime.timedelta(hours=1)
KINDS = ("full", "unchanged", "nil")


def can_use_support_desk(user: Any) -> bool:
    """Staff with the support role, or superusers (checked by each desk view, not by a group)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.role == Role.SUPPORT or user.is_superuser)
    )


def require_support_desk(request: HttpRequest) -> None:
    if not can_use_support_desk(request.user):
        raise PermissionDenied("The support desk is for NECS support staff.")


# --- Reads ------------------------------------------------------------------------------------


@dataclass
class Counts:
    owing: int = 0
    returned: int = 0
    full: int = 0
    unchanged: int = 0
    nil: int = 0
    late: int = 0
    missing: int = 0

    def add(self, row: Any) -> None:
        self.owing += row.locations_owing
        self.returned += row.returned
        self.full += row.returned_full
        self.unchanged += row.returned_unchanged
        self.nil += row.returned_nil
        self.late += row.late
        self.missing += row.missing

    @property
    def outstanding(self) -> int:
        """Owed and not returned in the window: missing, plus late once it has closed."""
        return self.owing - self.returned

    @property
    def percent(self) -> str:
        return f"{100 * self.returned / self.owing:.1f}%" if self.owing else "-"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "outstanding": self.outstanding, "percent": self.percent}


@dataclass
class Area:
    level: str
    code: str
    name: str
    region_code: str | None
    counts: Counts = field(default_factory=Counts)


@dataclass
class HourRow:
    """Cumulative counts at the end of one hour of the window (London time)."""

    ends_at: datetime.datetime
    full: int
    unchanged: int
    nil: int
    owing: int

    @property
    def returned(self) -> int:
        return self.full + self.unchanged + self.nil

    @property
    def missing(self) -> int:
        return self.owing - self.returned

    @property
    def label(self) -> str:
        start = (self.ends_at - HOUR).astimezone(LONDON)
        return f"{start:%a %d %b %H:00}-{self.ends_at.astimezone(LONDON):%H:00}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "ends_at": self.ends_at.isoformat(),
            "full": self.full,
            "unchanged": self.unchanged,
            "nil": self.nil,
            "returned": self.returned,
            "missing": self.missing,
        }


@dataclass(frozen=True)
class MissingRow:
    location_id: int
    cqc_id: str
    name: str
    provider_name: str
    council: str
    region: str
    care_type: str
    late: bool

    @property
    def care_type_label(self) -> str:
        return CareType(self.care_type).label


def care_types_for(care_type: str | None) -> list[str]:
    return [care_type] if care_type else list(CareType.values)


def area_counts(
    window: CollectionWindow, care_type: str | None = None
) -> tuple[Counts, list[Area], list[Area]]:
    """England, each region and each council for ``window``: one aggregate query per care
    type, both care types added together (counts are of owed location x care type)."""
    england = Counts()
    areas: dict[tuple[str, str], Area] = {}
    for ct in care_types_for(care_type):
        for row in aggregate(
            windows=[window],
            level=[Level.ENGLAND, Level.REGION, Level.LOCAL_AUTHORITY],
            care_type=ct,
        ):
            if row.level == Level.ENGLAND:
                england.add(row)
                continue
            key = (str(row.level), row.area_code)
            if key not in areas:
                areas[key] = Area(str(row.level), row.area_code, row.area_name, row.region_code)
            areas[key].counts.add(row)
    regions = sorted((a for a in areas.values() if a.level == Level.REGION), key=lambda a: a.name)
    councils = sorted(
        (a for a in areas.values() if a.level == Level.LOCAL_AUTHORITY), key=lambda a: a.name
    )
    return england, regions, councils


def _hour_bucket(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_trunc('hour', {column})"
    return f"strftime('%%Y-%%m-%%d %%H:00:00', {column})"


def hourly(
    window: CollectionWindow,
    *,
    now: datetime.datetime,
    owing: int,
    care_type: str | None = None,
    scope: Scope | None = None,
) -> list[HourRow]:
    """Cumulative returns by kind at the end of each hour from the window's opening to the
    hour in progress (or its close): one GROUP BY query over the month's returns (those saved
    in the window)."""
    base_sql, params = obligations_base([window], care_type, scope or Scope())
    bucket = _hour_bucket("counted_at")
    sql = f"""WITH {base_sql}
SELECT {bucket} AS hour, counted_kind, COUNT(*)
FROM base WHERE counted_at IS NOT NULL
GROUP BY {bucket}, counted_kind"""  # noqa: S608 - built from constants and model table names
    per_hour: dict[datetime.datetime, dict[str, int]] = {}
    for hour, kind, count in fetch(sql, params):
        start = as_datetime(hour)
        assert start is not None
        per_hour.setdefault(start, {})[kind] = count
    rows: list[HourRow] = []
    running = dict.fromkeys(KINDS, 0)
    # Hours are whole UTC hours; UK time differs from UTC by whole hours, so they are UK hours too.
    hour = window.opens_at.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    while hour < window.closes_at and hour <= now:
        for kind, count in per_hour.get(hour, {}).items():
            running[kind] = running.get(kind, 0) + count
        rows.append(
            HourRow(
                ends_at=hour + HOUR,
                full=running["full"],
                unchanged=running["unchanged"],
                nil=running["nil"],
                owing=owing,
            )
        )
        hour += HOUR
    return rows


def missing(
    window: CollectionWindow,
    *,
    care_type: str | None = None,
    scope: Scope | None = None,
    offset: int = 0,
    limit: int = MISSING_PAGE_SIZE,
) -> tuple[list[MissingRow], int]:
    """One page of the owed obligations with no return in the window (late ones included,
    flagged), by council then name, and how many there are in all: one query."""
    base_sql, params = obligations_base([window], care_type, scope or Scope())
    sql = f"""WITH {base_sql}
SELECT base.location_id, loc.cqc_id, loc.name, pr.name, lau.name, rg.name, base.care_type,
       base.late, COUNT(*) OVER ()
FROM base{naming_joins("base", window=False)}
WHERE base.counted_kind IS NULL
ORDER BY rg.name, lau.name, loc.name, loc.cqc_id, base.care_type
LIMIT %s OFFSET %s"""  # noqa: S608 - built from constants and model table names
    raw = fetch(sql, [*params, int(limit), int(offset)])
    rows = [
        MissingRow(
            location_id=r[0],
            cqc_id=r[1],
            name=r[2],
            provider_name=r[3],
            council=r[4],
            region=r[5],
            care_type=r[6],
            late=bool(r[7]),
        )
        for r in raw
    ]
    return rows, (raw[0][8] if raw else 0)


def monitor_window(now: datetime.datetime, period: str | None = None) -> CollectionWindow:
    """The stored window for ``period``; by default the one open at ``now``, else the newest
    that has opened. Raises Http404 when there is none."""
    if period:
        try:
            first_day = Period.parse(period).first_day()
        except ValueError:
            raise Http404("No such month.") from None
        window = CollectionWindow.objects.filter(period=first_day).first()
    else:
        window = (
            CollectionWindow.objects.filter(opens_at__lte=now).order_by("-opens_at", "-pk").first()
        )
    if window is None:
        raise Http404("That collection window is not stored.")
    return window


@dataclass
class Filters:
    care_type: str | None
    region: Region | None
    council: LocalAuthority | None
    page: int

    @property
    def scope(self) -> Scope:
        if self.council is not None:
            return Scope(local_authority_ids=[self.council.pk])
        if self.region is not None:
            return Scope(region_ids=[self.region.pk])
        return Scope()

    def query(self, **changes: Any) -> str:
        values = {
            "care_type": self.care_type or "",
            "region": self.region.ons_code if self.region else "",
            "council": self.council.ons_code if self.council else "",
            "page": "",
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})


def read_filters(request: HttpRequest) -> Filters:
    care_type = request.GET.get("care_type") or None
    if care_type not in (None, *CareType.values):
        care_type = None
    council = (
        LocalAuthority.objects.select_related("region")
        .filter(ons_code=request.GET.get("council", ""))
        .first()
        if request.GET.get("council")
        else None
    )
    region = None
    if council is not None:
        region = council.region
    elif request.GET.get("region"):
        region = Region.objects.filter(ons_code=request.GET["region"]).first()
    try:
        page = max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    return Filters(care_type=care_type, region=region, council=council, page=page)


def monitor_data(
    window: CollectionWindow, now: datetime.datetime, filters: Filters
) -> dict[str, Any]:
    """Everything the page and the JSON show, in a fixed number of queries."""
    england, regions, councils = area_counts(window, filters.care_type)
    if filters.council is not None:
        scoped = next((a.counts for a in councils if a.code == filters.council.ons_code), Counts())
    elif filters.region is not None:
        scoped = next((a.counts for a in regions if a.code == filters.region.ons_code), Counts())
    else:
        scoped = england
    hours = hourly(
        window, now=now, owing=scoped.owing, care_type=filters.care_type, scope=filters.scope
    )
    offset = (filters.page - 1) * MISSING_PAGE_SIZE
    missing_rows, missing_total = missing(
        window, care_type=filters.care_type, scope=filters.scope, offset=offset
    )
    return {
        "window": window,
        "is_open": window.contains(now),
        "closed": now >= window.closes_at,
        "england": england,
        "regions": regions,
        "councils": councils,
        "scoped": scoped,
        "hours": hours,
        "missing_rows": missing_rows,
        "missing_total": missing_total,
        "generated_at": now,
    }


# --- Views ------------------------------------------------------------------------------------


def _urls(window: CollectionWindow, filters: Filters) -> dict[str, str]:
    page = reverse("admin:returns_collectionwindow_monitor_period", args=[window.period_key])
    data = reverse("admin:returns_collectionwindow_monitor_data", args=[window.period_key])
    query = filters.query()
    return {"page": page, "data": f"{data}?{query}" if query else data}


def monitor_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, period: str | None = None
) -> HttpResponse:
    require_support_desk(request)
    now = clock.now()
    filters = read_filters(request)
    window = monitor_window(now, period)
    data = monitor_data(window, now, filters)
    pages = -(-data["missing_total"] // MISSING_PAGE_SIZE) if data["missing_total"] else 1
    if filters.page > pages:
        raise Http404("No such page.")
    recent = list(CollectionWindow.objects.filter(opens_at__lte=now).order_by("-period")[:13])
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Window monitor: {window.label}",
        **data,
        "hours_newest_first": data["hours"][::-1],
        "filters": filters,
        "urls": _urls(window, filters),
        "recent_windows": recent,
        "all_regions": Region.objects.order_by("name"),
        "all_councils": LocalAuthority.objects.order_by("name"),
        "care_types": CareType.choices,
        "care_type_label": CareType(filters.care_type).label if filters.care_type else "",
        "page": filters.page,
        "pages": pages,
        "previous_page_query": filters.query(page=filters.page - 1) if filters.page > 1 else None,
        "next_page_query": filters.query(page=filters.page + 1) if filters.page < pages else None,
        "missing_from": (filters.page - 1) * MISSING_PAGE_SIZE + 1,
        "missing_to": (filters.page - 1) * MISSING_PAGE_SIZE + len(data["missing_rows"]),
    }
    response = TemplateResponse(request, "admin/support/window_monitor.html", context)
    response["Cache-Control"] = "no-store"
    return response


def monitor_current(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    return monitor_view(model_admin, request)


def monitor_json(model_admin: admin.ModelAdmin, request: HttpRequest, period: str) -> HttpResponse:
    require_support_desk(request)
    now = clock.now()
    filters = read_filters(request)
    window = monitor_window(now, period)
    data = monitor_data(window, now, filters)
    response = JsonResponse(
        {
            "period": window.period_key,
            "generated_at": now.astimezone(LONDON).isoformat(),
            "generated_label": f"{now.astimezone(LONDON):%H:%M:%S}",
            "is_open": data["is_open"],
            "closed": data["closed"],
            "england": data["england"].as_dict(),
            "scoped": data["scoped"].as_dict(),
            "areas": {
                area.code: area.counts.as_dict() for area in [*data["regions"], *data["councils"]]
            },
            "hours": [row.as_dict() for row in data["hours"][::-1]],
            "missing_total": data["missing_total"],
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def monitor_urls(model_admin: admin.ModelAdmin[CollectionWindow]) -> list[URLPattern]:
    """URL patterns for ``CollectionWindowAdmin.get_urls`` (before the model admin's own)."""
    site = model_admin.admin_site

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return view(model_admin, request, *args, **kwargs)

        return site.admin_view(inner)

    return [
        path("monitor/", wrap(monitor_current), name="returns_collectionwindow_monitor"),
        path(
            "monitor/<str:period>/",
            wrap(monitor_view),
            name="returns_collectionwindow_monitor_period",
        ),
        path(
            "monitor/<str:period>/data.json",
            wrap(monitor_json),
            name="returns_collectionwindow_monitor_data",
        ),
    ]


class WindowMonitorMixin(admin.ModelAdmin):
    """For ``CollectionWindowAdmin``: the monitor's URLs and a link on the changelist."""

    change_list_template = "admin/support/collectionwindow_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return monitor_urls(self) + super().get_urls()
