"""Row-level history in admin: a "History" link on tracked objects, and the events list.

The events list is pghistory's own events admin (``PGHISTORY_ADMIN_CLASS`` in settings points
here), over ``pghistory.MiddlewareEvents`` so that each event shows who made it. It is filtered
by object (``?obj=providers.Location:12&method=references`` for everything about a location,
``method=tracks`` for the row itself) and exported, with the same filters, as a streamed CSV for
an investigation. Events are append-only: nobody adds, changes or deletes them here, and the
database refuses it anyway (``append_only`` triggers). Reading them needs the
``pghistory.view_middlewareevents`` permission.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from pghistory import core
from pghistory.admin import EventsAdmin
from pghistory.admin.core import EventsChangeList, _get_model, _get_obj

from capacity_tracker.lib import clock
from capacity_tracker.lib.exports import csv_response

VIEW_PERMISSION = "pghistory.view_middlewareevents"
EXPORT_CHUNK = 2000
# Requests of export_view while it builds its changelist: get_changelist gives them the export's.
_exporting: weakref.WeakSet[HttpRequest] = weakref.WeakSet()

CSV_HEADER = [
    "When",
    "Record type",
    "Record ID",
    "Event",
    "Changed by",
    "User ID",
    "Job",
    "Reason",
    "URL",
    "Changes",
    "Snapshot",
    "Context ID",
    "Event ID",
]


def _events_admin(admin_site: admin.AdminSite) -> admin.ModelAdmin | None:
    from pghistory import config

    return admin_site._registry.get(config.admin_queryset().model)


def history_url(
    request: HttpRequest,
    model: type[Model],
    object_id: Any,
    *,
    method: str = "tracks",
    admin_site: admin.AdminSite = admin.site,
) -> str | None:
    """The events list for one object, or None when this user may not read history."""
    events_admin = _events_admin(admin_site)
    if events_admin is None or not events_admin.has_view_permission(request):
        return None
    opts = events_admin.model._meta
    base = reverse(f"{admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
    query = {"obj": f"{model._meta.label}:{object_id}", "method": method}
    return f"{base}?{urlencode(query)}"


if TYPE_CHECKING:
    # The mixin goes before admin.ModelAdmin in an admin's bases: typed as one, it has its
    # model, admin site and change_view.
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


class HistoryLinkMixin(_AdminBase):
    """Adds a "History" link to a tracked model's change page (see the object tools template).

    ``history_method = "references"`` lists every event that points at the object too: for a
    location, its contacts, status changes, returns, breaches and the users limited to it.
    """

    history_method = "tracks"

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        url = history_url(
            request,
            self.model,
            object_id,
            method=self.history_method,
            admin_site=self.admin_site,
        )
        if url:
            extra_context["history_url"] = url
        return super().change_view(request, object_id, form_url, extra_context)


class _ExportChangeList(EventsChangeList):
    """The changelist's filtering without its counts and page: the export reads everything."""

    def get_results(self, request: HttpRequest) -> None:
        self.result_count = self.full_result_count = 0
        self.result_list = []
        self.can_show_all = False
        self.multi_page = False
        self.paginator = None


def _is_tracked(model: type[Model]) -> bool:
    return bool(core.event_models(tracks_model=model))


def _who(event: Any) -> str:
    context = event.pgh_context or {}
    if event.user_id and event.user is not None:
        return str(event.user)
    if event.user_id:
        return f"user {event.user_id}"
    if context.get("job"):
        return f"job: {context['job']}"
    return ""


def _changes(diff: dict[str, Any] | None) -> str:
    if not diff:
        return ""
    return "; ".join(
        f"{field}: {json.dumps(old, default=str)} → {json.dumps(new, default=str)}"
        for field, (old, new) in sorted(diff.items())
    )


class HistoryEventsAdmin(EventsAdmin):
    """pghistory's events admin, read-only, with who/why columns and a CSV export."""

    change_list_template = "admin/history/events_change_list.html"
    list_select_related = ["user"]
    list_per_page = 50

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return ["when", "record", "record_id", "event", "who", "why", "changes"]

    @admin.display(description="when", ordering="pgh_created_at")
    def when(self, obj: Any) -> Any:
        return obj.pgh_created_at

    @admin.display(description="record", ordering="pgh_obj_model")
    def record(self, obj: Any) -> str:
        return obj.pgh_obj_model

    @admin.display(description="record ID")
    def record_id(self, obj: Any) -> str:
        return obj.pgh_obj_id or ""

    @admin.display(description="event", ordering="pgh_label")
    def event(self, obj: Any) -> str:
        return obj.pgh_label

    @admin.display(description="who")
    def who(self, obj: Any) -> str:
        return _who(obj)

    @admin.display(description="reason")
    def why(self, obj: Any) -> str:
        return (obj.pgh_context or {}).get("reason", "")

    @admin.display(description="changes")
    def changes(self, obj: Any) -> str:
        return _changes(obj.pgh_diff)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}  # nothing to do to an event but read it

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        opts = self.model._meta
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name=f"{opts.app_label}_{opts.model_name}_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {"title": "History", **(extra_context or {})}
        obj = _get_obj(request.GET.get("obj"))
        model = _get_model(request.GET.get("model"))
        method = request.GET.get("method", "")
        if obj is not None:
            try:
                if not _is_tracked(type(obj)):
                    raise ValueError  # name only the records whose history is kept
                obj.refresh_from_db()
                label = str(obj)
            except (ObjectDoesNotExist, ValueError):
                # A deleted row keeps its history: show it under its model and key.
                label = request.GET["obj"]
            extra_context["subtitle"] = f"{method.title()} {label}".strip()
        elif model is not None:
            extra_context["subtitle"] = model._meta.label
        back = request.GET.get("back", "")
        if back.startswith("/") and not back.startswith("//"):
            extra_context["pgh_back"] = back
        if obj is not None or model is not None:
            opts = self.model._meta
            export = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_export")
            extra_context["history_export_url"] = f"{export}?{request.GET.urlencode()}"
        # pghistory's own changelist_view does the same, but fails on a deleted object.
        return admin.ModelAdmin.changelist_view(self, request, extra_context)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        if request in _exporting:
            return _ExportChangeList
        return super().get_changelist(request, **kwargs)

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse:
        """Every event the list's filters select, oldest first, streamed: one query in all."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not (_get_obj(request.GET.get("obj")) or _get_model(request.GET.get("model"))):
            raise PermissionDenied("Choose an object or a model to export the history of.")
        _exporting.add(request)
        try:
            changelist = self.get_changelist_instance(request)
        finally:
            _exporting.discard(request)
        events = (
            changelist.queryset.select_related("user")
            .order_by("pgh_created_at", "pgh_model", "pgh_id")
            .iterator(chunk_size=EXPORT_CHUNK)
        )
        subject = (request.GET.get("obj") or request.GET.get("model") or "events").replace(":", "-")
        stamp = timezone.localtime(clock.now()).strftime("%Y%m%d-%H%M")
        return csv_response(f"history-{subject}-{stamp}.csv", CSV_HEADER, _rows(events))


def _rows(events: Iterator[Any]) -> Iterator[list[object]]:
    for event in events:
        context = event.pgh_context or {}
        yield [
            timezone.localtime(event.pgh_created_at).isoformat(),
            event.pgh_obj_model,
            event.pgh_obj_id or "",
            event.pgh_label,
            _who(event),
            event.user_id or "",
            context.get("job", ""),
            context.get("reason", ""),
            context.get("url", ""),
            _changes(event.pgh_diff),
            json.dumps(event.pgh_data, default=str, sort_keys=True),
            event.pgh_context_id or "",
            event.pgh_slug,
        ]
