"""Dissemination pages: the dashboard, the data dictionary, exports, the compliance release.

Thin: each page asks ``Audience`` what part of England the user may see, reads the
selectors (the same numbers as every export) and renders. Downloads are POSTs, because each
one writes a row in the disclosure register; a GET never writes.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from capacity_tracker.lib import clock
from dissemination import downloads
from dissemination.audience import Audience
from dissemination.dashboard import dashboard_context
from dissemination.dictionary import dictionary_sections
from dissemination.forms import (
    AggregateExportForm,
    AtRiskFilterForm,
    ComplianceFilterForm,
    DownloadForm,
)
from dissemination.selectors import Level, aggregate, at_risk, iter_compliance
from providers.access import role_required, signed_in_user
from providers.models import CareType, Role, User

DASHBOARD_ROLES = (Role.ANALYST, Role.SUPPORT, Role.LOCAL_AUTHORITY)
RELEASE_ROLES = (Role.CASEWORKER, Role.SUPPORT, Role.ANALYST, Role.LOCAL_AUTHORITY)
PAGE_SIZE = 100


def _filters(form_class: type, query: Any, **kwargs: Any) -> Any:
    """A filter form bound to the query string over its defaults, so the page always shows
    something; a council or region out of the user's reach is a 404."""
    defaults = form_class(**kwargs)
    data = {
        name: defaults.get_initial_for_field(field, name) for name, field in defaults.fields.items()
    }
    data = {name: value for name, value in data.items() if value is not None}
    data.update({key: query[key] for key in query if key in defaults.fields})
    form = form_class(data, **kwargs)
    if not form.is_valid() and form.out_of_reach:
        raise Http404("No such area that you can see.")
    return form


@role_required(*DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    audience = Audience.of(request.user)
    return render(
        request, "dissemination/dashboard.html", dashboard_context(audience, now=clock.now())
    )


@role_required(*RELEASE_ROLES)
def dictionary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dissemination/dictionary.html",
        {"sections": dictionary_sections(), "min_locations": settings.DISCLOSURE_MIN_LOCATIONS},
    )


@role_required(*DASHBOARD_ROLES)
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponseBase:
    """GET: the choices (pre-filled from the query string). POST: the file, registered."""
    now = clock.now()
    user = signed_in_user(request)
    audience = Audience.of(user)

    def export_form(data: QueryDict | None = None) -> AggregateExportForm:
        return AggregateExportForm(
            data, audience=audience, now=now, min_locations=settings.DISCLOSURE_MIN_LOCATIONS
        )

    if request.method == "POST":
        form = export_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            export = downloads.aggregate_export(
                audience=audience,
                windows=data["windows"],
                level=data["level"],
                care_type=data["care_type"],
                publish=data["publishable"],
            )
            return downloads.send(
                export,
                actor=user,
                purpose=data["purpose"],
                fmt=data["file_format"],
                now=now,
            )
    else:
        form = export_form()
        form.initial.update(
            {
                key: request.GET[key]
                for key in request.GET
                if key in form.fields and key != "purpose"
            }
        )
    return render(
        request,
        "dissemination/exports.html",
        {"form": form, "audience": audience},
        status=400 if form.errors else 200,
    )


def _release_page(
    request: HttpRequest,
    filters: Any,
    query: Any,
    *,
    build: Callable[[dict[str, Any]], downloads.Export],
    fill: Callable[[dict[str, Any]], dict[str, Any]],
    template: str,
    audience: Audience,
    user: User,
    now: datetime.datetime,
) -> HttpResponseBase:
    """The compliance and at-risk pages: GET shows the filtered rows; POST (the filters as
    hidden fields, a format and a purpose) sends them as a file."""
    download = DownloadForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not filters.is_valid():
            return HttpResponse(
                "Choose the filters on the page first.", status=400, content_type="text/plain"
            )
        if download.is_valid():
            return downloads.send(
                build(filters.cleaned_data),
                actor=user,
                purpose=download.cleaned_data["purpose"],
                fmt=download.cleaned_data["file_format"],
                now=now,
            )
    context: dict[str, Any] = {"filters": filters, "audience": audience, "download": download}
    if filters.is_valid():
        context.update(fill(filters.cleaned_data))
    # Filters the person chose that do not make sense are a 400; none chosen yet (say, before
    # the first window has opened) is just an empty page.
    asked = any(name in query for name in filters.fields)
    failed = download.errors or (filters.errors and asked)
    return render(request, template, context, status=400 if failed else 200)


@role_required(*RELEASE_ROLES)
@require_http_methods(["GET", "POST"])
def compliance(request: HttpRequest) -> HttpResponseBase:
    """Per location per window: the 0/1 flag, return kind and time (NHSBSA, councils)."""
    now = clock.now()
    user = signed_in_user(request)
    audience = Audience.of(user)
    query = request.POST if request.method == "POST" else request.GET
    filters = _filters(ComplianceFilterForm, query, audience=audience, now=now)

    def build(data: dict[str, Any]) -> downloads.Export:
        return downloads.compliance_export(
            audience=audience,
            windows=data["windows"],
            care_type=data["care_type"] or None,
            region=data["region"],
            council=data["local_authority"],
        )

    def fill(data: dict[str, Any]) -> dict[str, Any]:
        scope = audience.scope(region=data["region"], council=data["local_authority"])
        care_types = [data["care_type"]] if data["care_type"] else list(CareType.values)
        # The owing count per window is the release's row count (one row per obligation).
        summary = [
            row
            for care_type in care_types
            for row in aggregate(
                windows=data["windows"], level=Level.ENGLAND, care_type=care_type, scope=scope
            )
        ]
        total = sum(row.locations_owing for row in summary)
        page = _page_number(request.GET.get("page"), total)
        start = (page - 1) * PAGE_SIZE
        rows = iter_compliance(
            windows=data["windows"], care_type=data["care_type"] or None, scope=scope
        )
        try:
            shown = list(itertools.islice(rows, start, start + PAGE_SIZE))
        finally:
            rows.close()  # let go of the server-side cursor once the page is read
        return {
            "summary": sorted(summary, key=lambda row: (row.period, row.care_type)),
            "rows": shown,
            "total": total,
            "page": page,
            "pages": _pages(total),
            "first_row": start + 1,
            "last_row": start + len(shown),
            "query": _query_without_page(request.GET),
        }

    return _release_page(
        request,
        filters,
        query,
        build=build,
        fill=fill,
        template="dissemination/compliance.html",
        audience=audience,
        user=user,
        now=now,
    )


@role_required(*RELEASE_ROLES)
@require_http_methods(["GET", "POST"])
def at_risk_list(request: HttpRequest) -> HttpResponseBase:
    """Locations that missed the last closed window, or 2 of the last 3."""
    now = clock.now()
    user = signed_in_user(request)
    audience = Audience.of(user)
    query = request.POST if request.method == "POST" else request.GET
    filters = _filters(AtRiskFilterForm, query, audience=audience, now=now)

    def build(data: dict[str, Any]) -> downloads.Export:
        return downloads.at_risk_export(
            audience=audience,
            window=data["window"],
            care_type=data["care_type"] or None,
            region=data["region"],
            council=data["local_authority"],
        )

    def fill(data: dict[str, Any]) -> dict[str, Any]:
        scope = audience.scope(region=data["region"], council=data["local_authority"])
        rows = at_risk(window=data["window"], care_type=data["care_type"] or None, scope=scope)
        return {"rows": rows}

    return _release_page(
        request,
        filters,
        query,
        build=build,
        fill=fill,
        template="dissemination/at_risk.html",
        audience=audience,
        user=user,
        now=now,
    )


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _page_number(raw: str | None, total: int) -> int:
    try:
        page = int(raw or 1)
    except ValueError:
        return 1
    return min(max(page, 1), _pages(total))


def _query_without_page(query: Any) -> str:
    kept = query.copy()
    kept.pop("page", None)
    return kept.urlencode()
