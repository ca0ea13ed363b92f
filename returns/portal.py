"""The provider portal: dashboard, return form, check answers, unchanged, nil, history.

Every page finds its location through providers.access (a location the user may not change
is a 404), then calls one service. Support staff may use the same pages for any location,
and must say why they are submitting on the provider's behalf.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from capacity_tracker.lib import clock
from capacity_tracker.lib.govuk_dates import govuk_date, govuk_time
from providers.access import (
    editable_locations,
    get_location_for,
    role_of,
    role_required,
    signed_in_user,
)
from providers.models import CareType, Location, Role
from returns.dashboard_filters import DashboardFilterForm, page_number
from returns.dashboard_links import DashboardLinks
from returns.datasets import dataset_for
from returns.deadlines import Period
from returns.drafts import waiting_drafts
from returns.forms import (
    ConfirmForm,
    NilReturnForm,
    OnBehalfForm,
    ReturnForm,
    conditional_items,
)
from returns.models import CollectionWindow, Return, ReturnKind, ReturnSource, ReturnVersion
from returns.selectors import (
    DASHBOARD_PAGE_SIZE,
    dashboard_councils,
    dashboard_page,
    dashboard_windows,
    opening_words,
    window_for_period,
)
from returns.services import window_storable
from returns.submission import (
    ReturnInvalid,
    ReturnNotAllowed,
    StaleReturn,
    Submitter,
    previous_answers,
    previous_figures,
    return_save,
)
from returns.validation import Dataset, ItemSpec
from returns.version_labels import figure_text
from returns.warnings import FigureWarning, active_rules, warnings_for

PORTAL_ROLES = (Role.PROVIDER, Role.SUPPORT)


_UNREAD: Any = object()


@dataclass
class Obligation:
    location: Location
    care_type: str
    window: CollectionWindow
    # The request's one reading of the clock: the checks, the save and the page all use it.
    now: datetime.datetime
    # Read on first use: the form's POST and the save never need it (the save service locks
    # and reads the head itself), which spares each of those requests a query.
    _head: Any = field(default=_UNREAD, repr=False)

    @property
    def head(self) -> Return | None:
        if self._head is _UNREAD:
            self._head = (
                Return.objects.filter(
                    location=self.location, care_type=self.care_type, window=self.window
                )
                .select_related("latest")
                .first()
                if self.window.pk is not None
                else None
            )
        return self._head

    @property
    def care_type_label(self) -> str:
        return CareType(self.care_type).label

    @property
    def version_count(self) -> int:
        return self.head.version_count if self.head else 0

    @property
    def session_key(self) -> str:
        # The period, not the pk: a window computed from the rules has none until a save stores it.
        return f"return-draft:{self.location.pk}:{self.care_type}:{self.window.period_key}"

    @property
    def saved_key(self) -> str:
        """Where the session keeps the reference of the draft's save, once it is saved."""
        return f"{self.session_key}:saved"

    def url(self, name: str) -> str:
        return reverse(name, args=[self.window.period_key, self.location.cqc_id, self.care_type])


class NotOpenYet(Exception):
    """This month's collection, asked for before it opens (an emailed link followed early, or
    the window's dates moved later): a page that says when, never a 404."""

    def __init__(self, window: CollectionWindow):
        super().__init__(window.period_key)
        self.window = window


def not_open_page(
    request: HttpRequest, window: CollectionWindow, *, signed_in: bool = True
) -> HttpResponse:
    """Says when ``window`` opens. 200 to look; 409 to a POST, which saved nothing."""
    return render(
        request,
        "returns/not_open.html",
        {"window": window, "opens": opening_words(window), "signed_in": signed_in},
        status=200 if request.method in ("GET", "HEAD") else 409,
    )


ReturnView = Callable[..., HttpResponse]


def _explains_not_open(view: ReturnView) -> ReturnView:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotOpenYet as exc:
            return not_open_page(request, exc.window)

    return wrapped


def _obligation(
    request: HttpRequest, period: str, cqc_id: str, care_type: str, *, now: datetime.datetime
) -> Obligation:
    # The return's pages show the location's own fields only: no provider, council or region.
    location = get_location_for(request.user, cqc_id, write=True, related=())
    if care_type not in location.care_types:
        raise Http404("This location does not offer that care type.")
    try:
        month = Period.parse(period)
    except ValueError:
        raise Http404("No such month.") from None
    # Stored, or computed from the rules if the scheduled job has not stored it yet: a GET never
    # stores a window. The save stores it (this month or later) or refuses (an earlier month).
    window = window_for_period(month)
    if window.opens_at > now:
        if month == Period.of(clock.local_date(now)):
            raise NotOpenYet(window)
        raise Http404("That collection has not opened.")  # a later month: nothing to say yet
    if window.pk is None and not window_storable(month, now=now):
        raise Http404("This service did not run that month's collection.")
    return Obligation(location=location, care_type=care_type, window=window, now=now)


def _submitter(request: HttpRequest) -> tuple[Submitter, str]:
    source = ReturnSource.ASSISTED if role_of(request.user) is Role.SUPPORT else ReturnSource.PORTAL
    return Submitter.of(signed_in_user(request)), source


def _save(request: HttpRequest, obligation: Obligation, kind: str, **fields: Any) -> ReturnVersion:
    """One call of the save service on behalf of the signed-in person; raises its errors.
    Pass ``dataset=`` when the view has read it already (the service would read it again)."""
    submitter, source = _submitter(request)
    return return_save(
        submitter=submitter,
        location=obligation.location,
        care_type=obligation.care_type,
        window=obligation.window,
        kind=kind,
        source=source,
        now=obligation.now,
        on_behalf_reason=request.POST.get("on_behalf_reason", ""),
        **fields,
    )


def _context(obligation: Obligation, **extra: Any) -> dict[str, Any]:
    return {
        "obligation": obligation,
        "window": obligation.window,
        "window_is_open": obligation.window.contains(obligation.now),
        **extra,
    }


@role_required(*PORTAL_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) is not Role.PROVIDER:
        return redirect("providers:locations")  # staff work from a location, not a dashboard
    now = clock.now()
    windows = dashboard_windows(now)
    window, next_window = windows.window, windows.next_window
    locations = editable_locations(request.user)
    # The council list is a query of its own: read it only when a council is asked for (to
    # check it) or the filters are shown (a big group's, or a filtered page), never for the
    # small group's single table.
    asks_council = bool(request.GET.get("council"))
    councils = list(dashboard_councils(locations)) if asks_council else []
    form = DashboardFilterForm(request.GET, councils=councils)
    filters = form.filters()
    # One page of rows, filtered and counted in SQL: a group of 500 locations costs the same
    # queries as one of five, and the to-do count is the whole group's, not the page's.
    page = dashboard_page(
        locations,
        windows,
        now,
        filters=filters,
        page=page_number(request.GET.get("page")),
    )
    paged = page.group_rows > DASHBOARD_PAGE_SIZE or filters.active or bool(form.errors)
    if paged and not asks_council:
        form = DashboardFilterForm(request.GET, councils=dashboard_councils(locations))
    days_left = (window.last_day - clock.local_date(now)).days + 1 if window.contains(now) else None
    return render(
        request,
        "returns/dashboard.html",
        {
            "window": window,
            "window_is_open": window.contains(now),
            "days_left": days_left,
            "next_window": next_window if next_window.period != window.period else None,
            "previous_window": windows.previous,
            "page": page,
            "rows": page.rows,
            "linked_rows": list(DashboardLinks(window.period_key).rows(page.rows)),
            "to_do": page.to_do,
            # A small group looks as it always has: one table, no filters, no pages.
            "paged": paged,
            "form": form,
            "query": form.query(),
            # Figures care record suppliers sent through the API, for the provider to confirm.
            "drafts": list(waiting_drafts(signed_in_user(request), locations=locations)),
        },
        # A filter value not in its list is the request's fault: say so, and ignore that filter.
        status=400 if form.errors else 200,
    )


@role_required(*PORTAL_ROLES)
@_explains_not_open
def return_form(request: HttpRequest, period: str, cqc_id: str, care_type: str) -> HttpResponse:
    obligation = _obligation(request, period, cqc_id, care_type, now=clock.now())
    dataset = dataset_for(obligation.window.period_obj, care_type)
    if request.method == "POST":
        form = ReturnForm(dataset, request.POST)
        if form.is_valid():
            request.session[obligation.session_key] = {
                "answers": form.answers,
                "based_on": form.cleaned_data["based_on"],
            }
            request.session.pop(obligation.saved_key, None)  # a new draft: nothing sent yet
            return redirect(obligation.url("returns:check"))
    else:
        draft = request.session.get(obligation.session_key)
        if draft:
            initial = dict(draft["answers"])
            based_on = draft["based_on"]
        else:
            previous = (
                obligation.head.latest if obligation.head and obligation.head.latest else None
            )
            if previous is None or previous.kind == ReturnKind.NIL:
                previous = previous_figures(obligation.location, care_type)
            initial = dict(previous.answers) if previous else {}
            based_on = obligation.version_count
        form = ReturnForm(dataset, initial={**initial, "based_on": based_on})
    return render(
        request,
        "returns/return_form.html",
        _context(obligation, form=form, dataset=dataset),
        # A form sent back with its errors, as every other form: the request could not be used.
        status=400 if form.errors else 200,
    )


def _answer_rows(
    dataset: Dataset, answers: dict[str, Any]
) -> list[tuple[str, list[tuple[ItemSpec, str]]]]:
    # A follow-up not asked for the answer given (the visiting reason when visiting is
    # possible) is left out, not shown as "Not answered".
    conditions = conditional_items(dataset)
    rows = []
    for name, items in dataset.sections():
        shown: list[tuple[ItemSpec, str]] = []
        for item in items:
            condition = conditions.get(item.code)
            if condition is not None and answers.get(condition[0]) != condition[1]:
                continue
            shown.append((item, figure_text(item.code, item.kind, answers.get(item.code))))
        rows.append((name, shown))
    return rows


def _checked_rows(
    dataset: Dataset, answers: dict[str, Any], warnings: list[FigureWarning]
) -> list[tuple[str, list[tuple[ItemSpec, str, list[FigureWarning]]]]]:
    """As ``_answer_rows``, with each item's soft warnings beside its value."""
    by_item: dict[str, list[FigureWarning]] = {}
    for warning in warnings:
        by_item.setdefault(warning.item, []).append(warning)
    return [
        (name, [(item, value, by_item.get(item.code, [])) for item, value in shown])
        for name, shown in _answer_rows(dataset, answers)
    ]


@role_required(*PORTAL_ROLES)
@_explains_not_open
def check_answers(request: HttpRequest, period: str, cqc_id: str, care_type: str) -> HttpResponse:
    obligation = _obligation(request, period, cqc_id, care_type, now=clock.now())
    draft = request.session.get(obligation.session_key)
    if not draft:
        saved_reference = request.session.get(obligation.saved_key)
        if request.method == "POST" and saved_reference:
            # "Accept and send" again after the save went through (a double click whose first
            # request has already cleared the draft, a resubmitted page): show that save.
            return redirect("returns:saved", reference=saved_reference)
        return redirect(obligation.url("returns:form"))
    dataset = dataset_for(obligation.window.period_obj, care_type)
    on_behalf = _submitter(request)[1] == ReturnSource.ASSISTED
    error = ""
    form = OnBehalfForm(request.POST if request.method == "POST" else None, on_behalf=on_behalf)
    if request.method == "POST" and form.is_valid():
        try:
            version = _save(
                request,
                obligation,
                ReturnKind.FULL,
                answers=draft["answers"],
                based_on=int(draft["based_on"]),
                dataset=dataset,
                # Worked out again with the head locked, against the version this save
                # follows, and recorded as shown and confirmed: never taken from the page.
                warning_rules=active_rules(),
            )
        except StaleReturn as exc:
            return render(
                request,
                "returns/conflict.html",
                _context(
                    obligation,
                    theirs=exc.latest,
                    # The person's own earlier save with other figures (another tab): say so.
                    theirs_is_mine=exc.latest is not None
                    and exc.latest.submitted_by_id == request.user.pk,
                    their_rows=_answer_rows(dataset, exc.latest.answers) if exc.latest else [],
                    mine=_answer_rows(dataset, draft["answers"]),
                ),
                status=409,
            )
        except (ReturnInvalid, ReturnNotAllowed) as exc:
            error = str(exc)
        else:
            # The save service hands back the person's own save when this request repeats it
            # (a double click sends two requests that both read the draft): both land here.
            request.session.pop(obligation.session_key, None)
            request.session[obligation.saved_key] = version.reference
            return redirect("returns:saved", reference=version.reference)
    # Soft warnings: never blocking. The rules come from the process's cache (see
    # returns.warnings.active_rules); the last return's answers are one query.
    rules = active_rules()
    warnings = (
        warnings_for(
            draft["answers"], previous_answers(obligation.location, obligation.care_type), rules
        )
        if rules
        else []
    )
    return render(
        request,
        "returns/check_answers.html",
        _context(
            obligation,
            sections=_checked_rows(dataset, draft["answers"], warnings),
            warnings=warnings,
            on_behalf=on_behalf,
            form=form,
            error=error,
        ),
        status=400 if (error or form.errors) else 200,
    )


@role_required(*PORTAL_ROLES)
@_explains_not_open
def use_my_figures(request: HttpRequest, period: str, cqc_id: str, care_type: str) -> HttpResponse:
    """After a conflict: the person has seen both and chooses to save theirs on top."""
    if request.method != "POST":
        raise Http404
    obligation = _obligation(request, period, cqc_id, care_type, now=clock.now())
    draft = request.session.get(obligation.session_key)
    if not draft:
        return redirect(obligation.url("returns:form"))
    draft["based_on"] = obligation.version_count
    request.session[obligation.session_key] = draft
    return redirect(obligation.url("returns:check"))


@role_required(*PORTAL_ROLES)
@_explains_not_open
def unchanged(request: HttpRequest, period: str, cqc_id: str, care_type: str) -> HttpResponse:
    obligation = _obligation(request, period, cqc_id, care_type, now=clock.now())
    dataset = dataset_for(obligation.window.period_obj, care_type)
    previous = previous_figures(obligation.location, care_type)
    on_behalf = _submitter(request)[1] == ReturnSource.ASSISTED
    error = ""
    form = ConfirmForm(request.POST if request.method == "POST" else None, on_behalf=on_behalf)
    if request.method == "POST" and form.is_valid():
        try:
            version = _save(
                request,
                obligation,
                ReturnKind.UNCHANGED,
                based_on=form.cleaned_data["based_on"],
            )
        except StaleReturn:
            error = "Someone else saved this return while you were looking at it. Check the figures below again."
            obligation = _obligation(request, period, cqc_id, care_type, now=obligation.now)
            previous = previous_figures(obligation.location, care_type)
        except (ReturnInvalid, ReturnNotAllowed) as exc:
            error = str(exc)
        else:
            return redirect("returns:saved", reference=version.reference)
    return render(
        request,
        "returns/unchanged.html",
        _context(
            obligation,
            previous=previous,
            sections=_answer_rows(dataset, previous.answers) if previous else [],
            on_behalf=on_behalf,
            form=form,
            error=error,
        ),
        status=400 if (error or form.errors) else 200,
    )


@role_required(*PORTAL_ROLES)
@_explains_not_open
def nil_return(request: HttpRequest, period: str, cqc_id: str, care_type: str) -> HttpResponse:
    obligation = _obligation(request, period, cqc_id, care_type, now=clock.now())
    on_behalf = _submitter(request)[1] == ReturnSource.ASSISTED
    error = ""
    if request.method == "POST":
        form = NilReturnForm(request.POST, on_behalf=on_behalf)
        if form.is_valid():
            try:
                version = _save(
                    request,
                    obligation,
                    ReturnKind.NIL,
                    nil_reason=form.cleaned_data["nil_reason"],
                    nil_reason_detail=form.cleaned_data["nil_reason_detail"],
                    based_on=form.cleaned_data["based_on"],
                )
            except StaleReturn:
                error = "Someone else saved this return while you were filling this in. Check it and try again."
                obligation = _obligation(request, period, cqc_id, care_type, now=obligation.now)
                form = NilReturnForm(
                    initial={"based_on": obligation.version_count}, on_behalf=on_behalf
                )
            except (ReturnInvalid, ReturnNotAllowed) as exc:
                error = str(exc)
            else:
                return redirect("returns:saved", reference=version.reference)
    else:
        form = NilReturnForm(initial={"based_on": obligation.version_count}, on_behalf=on_behalf)
    return render(
        request,
        "returns/nil_return.html",
        _context(obligation, form=form, on_behalf=on_behalf, error=error),
        status=400 if (error or form.errors) else 200,
    )


@role_required(*PORTAL_ROLES)
def saved(request: HttpRequest, reference: str) -> HttpResponse:
    version = (
        ReturnVersion.objects.filter(
            reference=reference, return_head__location__in=editable_locations(request.user)
        )
        .select_related("return_head__location", "return_head__window")
        .first()
    )
    if version is None:
        raise Http404("No return with that reference that you can see.")
    return render(
        request,
        "returns/saved.html",
        {
            "version": version,
            "head": version.return_head,
            "saved_time": govuk_time(version.submitted_at),
            "saved_date": govuk_date(version.submitted_at),
        },
    )


# The history and each version's page: returns/history_views.py.
