"""The support desk's location overview (admin): everything about one location in one page.

Its obligations this window and why (``returns.obligations``, the one rule), this window's
status as the provider's dashboard shows it (``returns.selectors.dashboard_status``), the
return history of recent windows, contacts, the provider users who can see it, the emails sent
about it, and its provider's enforcement state. Read-only, support staff only, and a fixed
number of queries however long the history (each list is one query, capped).

Wired by ``LocationAdmin.get_urls`` (``LocationOverviewMixin``):
``admin/providers/location/<object_id>/overview/``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from capacity_tracker.lib import clock
from enforcement.models import Breach, EnforcementCase, Letter
from enforcement.transitions import OPEN_STATES
from providers.models import CareType, Location, RegistrationStatus, Role, User
from returns.models import CollectionWindow, Return, ReturnVersion
from returns.monitor import require_support_desk
from returns.obligations import obligations, opening_day, owes, status_on
from returns.selectors import Status, dashboard_status, latest_opened_window

HISTORY_WINDOWS = 12
EMAILS_SHOWN = 50
LETTERS_SHOWN = 50
BREACHES_SHOWN = 50


@dataclass(frozen=True)
class Obligation:
    care_type: str
    owed: bool
    status: str
    head: Return | None

    @property
    def care_type_label(self) -> str:
        return CareType(self.care_type).label

    @property
    def status_label(self) -> tuple[str, str]:
        return Status.LABELS[self.status]


@dataclass(frozen=True)
class HistoryRow:
    window: CollectionWindow
    care_type: str
    owed: bool
    status: str
    head: Return | None

    @property
    def care_type_label(self) -> str:
        return CareType(self.care_type).label

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status][0]

    @property
    def version(self) -> ReturnVersion | None:
        """The month's return (saved in the window), else the newest save (a late one)."""
        if self.head is None:
            return None
        return self.head.counted or self.head.latest


if TYPE_CHECKING:
    # django_stubs_ext is a development dependency: for the type checker only.
    from django_stubs_ext import WithAnnotations

    class _StatusThen(TypedDict):
        status_then: str

    # A location annotated with the registration status in force on a window's opening day.
    LocationThen = WithAnnotations[Location, _StatusThen]


def why(location: LocationThen, window: CollectionWindow) -> tuple[bool, str]:
    """Does ``location`` (annotated ``status_then`` for the window's opening day) owe
    ``window``, and why, in the words of the rule in ``returns.obligations``."""
    day = opening_day(window)
    owed = owes(location, window)
    status = RegistrationStatus(location.status_then).label.lower()
    types = " and ".join(ct.label.lower() for ct in location.care_types)
    if owed:
        return True, (
            f"Owes a return for each care type it offers ({types}): its registration status "
            f"was {status} on {day:%A %-d %B %Y}, the day the window opened, and it was added to "
            f"the service on {location.added_to_service_on:%A %-d %B %Y}."
        )
    reasons = []
    if location.status_then != RegistrationStatus.ACTIVE:
        reasons.append(f"its registration status was {status} on {day:%-d %B %Y}")
    if location.added_to_service_on > day:
        reasons.append(
            f"it was added to the service on {location.added_to_service_on:%-d %B %Y}, after "
            f"the window opened on {day:%-d %B %Y} (it owes from the next window)"
        )
    return False, "Owes no return this window: " + " and ".join(reasons) + "."


def provider_users_who_see(location: Location) -> QuerySet[User]:
    """Provider users of the location's provider who can see it: those with no location limit
    and those limited to a set that includes it (pending and inactive ones shown as such)."""
    through = User.limited_to_locations.through
    return (
        User.objects.filter(role=Role.PROVIDER, provider_id=location.provider_id)
        .annotate(
            limited=Exists(through.objects.filter(user_id=OuterRef("pk"))),
            limited_here=Exists(
                through.objects.filter(user_id=OuterRef("pk"), location_id=location.pk)
            ),
        )
        .filter(Q(limited=False) | Q(limited_here=True))
        .order_by("last_name", "first_name", "pk")
    )


def overview(location_id: int, now: datetime.datetime) -> dict[str, Any]:
    """Everything on the page, in a fixed number of queries."""
    window = latest_opened_window(now)  # the window providers are working on (dashboard's)
    # status_on, not returns.obligations.with_status_on: annotated here, the row's type says so.
    located = (
        Location.objects.filter(pk=location_id)
        .annotate(status_then=status_on(opening_day(window)))
        .select_related("provider", "local_authority__region")
        .first()
    )
    if located is None:
        raise Http404("No such location.")
    location = located
    windows = list(
        CollectionWindow.objects.filter(period__lte=window.period).order_by("-period")[
            :HISTORY_WINDOWS
        ]
    )
    heads = {
        (h.window_id, h.care_type): h
        for h in Return.objects.filter(
            location_id=location.pk, window__in=[w.pk for w in windows]
        ).select_related("latest__submitted_by", "counted__submitted_by")
    }
    owed_set = (
        {
            (o["window_id"], o["care_type"])
            for o in obligations(windows, locations=Location.objects.filter(pk=location.pk))
        }
        if windows
        else set()
    )
    owed_now, reason = why(location, window)
    current = [
        Obligation(
            care_type=ct,
            owed=owed_now,
            status=dashboard_status(heads.get((window.pk, ct)), owed_now, window, now),
            head=heads.get((window.pk, ct)),
        )
        for ct in location.care_types
    ]
    history = []
    for w in windows:
        for ct in location.care_types:
            head = heads.get((w.pk, ct))
            owed = (w.pk, ct) in owed_set
            history.append(
                HistoryRow(
                    window=w,
                    care_type=ct,
                    owed=owed,
                    status=dashboard_status(head, owed, w, now),
                    head=head,
                )
            )
    provider = location.provider
    cases = list(
        EnforcementCase.objects.filter(provider_id=provider.pk)
        .select_related("last_breach_window")
        .order_by("-opened_at", "-pk")
    )
    breaches = list(
        Breach.objects.filter(location_id=location.pk)
        .select_related("window", "cured_by")
        .order_by("-window__period", "care_type")[:BREACHES_SHOWN]
    )
    letters = list(
        Letter.objects.filter(case__provider_id=provider.pk)
        .select_related("case")
        .order_by("-created_at", "-pk")[:LETTERS_SHOWN]
    )
    emails = list(
        # The outbox's rows by their relation: providers does not import notifications.
        location.emails.select_related("contact").order_by("-created_at", "-pk")[: EMAILS_SHOWN + 1]
    )
    return {
        "location": location,
        "provider": provider,
        "window": window,
        "window_is_open": window.contains(now),
        "owes_now": owed_now,
        "owes_reason": reason,
        "current": current,
        "history": history,
        "contacts": list(location.contacts.all()),
        "users": list(provider_users_who_see(location)),
        "emails": emails[:EMAILS_SHOWN],
        "more_emails": len(emails) > EMAILS_SHOWN,
        "cases": cases,
        "open_cases": [c for c in cases if c.state in {s.value for s in OPEN_STATES}],
        "breaches": breaches,
        "uncured_breaches": sum(1 for b in breaches if b.cured_by_id is None),
        "letters": letters,
    }


def overview_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    require_support_desk(request)
    try:
        location_id = int(object_id)
    except ValueError:
        raise Http404("No such location.") from None
    data = overview(location_id, clock.now())
    location = data["location"]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": location,
        "title": f"Support overview: {location.name}",
        **data,
        "change_url": reverse("admin:providers_location_change", args=[location.pk]),
        "emails_url": reverse("admin:notifications_outboundmessage_changelist")
        + f"?location__id__exact={location.pk}",
        "monitor_url": reverse("admin:returns_collectionwindow_monitor"),
    }
    response = TemplateResponse(request, "admin/support/location_overview.html", context)
    response["Cache-Control"] = "no-store"
    return response


def overview_urls(model_admin: admin.ModelAdmin[Location]) -> list[URLPattern]:
    site = model_admin.admin_site

    def view(request: HttpRequest, object_id: str) -> HttpResponse:
        return overview_view(model_admin, request, object_id)

    return [
        path(
            "<path:object_id>/overview/",
            site.admin_view(view),
            name="providers_location_overview",
        )
    ]


class LocationOverviewMixin(admin.ModelAdmin):
    """For ``LocationAdmin``: the overview's URL, a column linking to it on the changelist,
    and a button on the change page."""

    change_form_template = "admin/support/location_change_form.html"

    def get_urls(self) -> list[URLPattern]:
        return overview_urls(self) + super().get_urls()

    @admin.display(description="Support overview")
    def overview_link(self, obj: Location) -> str:
        url = reverse("admin:providers_location_overview", args=[obj.pk])
        return format_html('<a href="{}">Overview</a>', url)
