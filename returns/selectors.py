"""Reads shared by the calendar page, command and API, and the start page.

Nothing here writes. Windows are stored only by the scheduled job (``windows_ensure_ahead``)
and, for this month or later, by a save that needs the row (``returns.services.window_for_saving``).
A read of a month with no stored row gets the rules' dates as an unsaved ``CollectionWindow``:
storing a past window from a GET would make the next breach sweep punish it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from capacity_tracker.lib.govuk_dates import govuk_date, govuk_time
from providers.models import CareType, LocalAuthority, Location, RegistrationStatus
from returns import window_cache
from returns.deadlines import LONDON, Period, window_dates
from returns.models import CollectionWindow, Return, ReturnKind, ReturnVersion
from returns.obligations import OFFERED, opening_day, owes, status_on, with_status_on

MIN_YEAR = 2020
MAX_YEAR = 2100


def window_from_rules(period: Period) -> CollectionWindow:
    """The month's window as the rules compute it, unsaved (``pk`` is None)."""
    dates = window_dates(period)
    return CollectionWindow(
        period=period.first_day(),
        opens_at=dates.opens_at,
        closes_at=dates.closes_at,
        last_day=dates.last_day,
        rule_opens_at=dates.opens_at,
        rule_closes_at=dates.closes_at,
    )


def windows_for_periods(periods: list[Period]) -> list[CollectionWindow]:
    """One window per period, in the order given: the stored row where there is one (staff may
    have overridden it), else the rules' dates, unsaved. From this process's window cache when
    it is current (no query), else one query; see returns/window_cache.py."""
    return window_cache.windows_for(periods, _read_windows)


def _read_windows(periods: list[Period]) -> list[CollectionWindow]:
    """The database read behind ``windows_for_periods``: one query."""
    stored = {
        w.period: w
        for w in CollectionWindow.objects.filter(period__in=[p.first_day() for p in periods])
    }
    return [stored.get(p.first_day()) or window_from_rules(p) for p in periods]


def window_for_period(period: Period) -> CollectionWindow:
    return windows_for_periods([period])[0]


def windows_for_year(year: int) -> list[CollectionWindow]:
    """The year's twelve windows (stored or computed; see ``windows_for_periods``)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"Enter a year from {MIN_YEAR} to {MAX_YEAR}.")
    return windows_for_periods([Period(year, month) for month in range(1, 13)])


def _windows_around(now: datetime.datetime) -> list[CollectionWindow]:
    """Last month's, this month's and next month's windows. Last month's because an overridden
    window may stay open into the next month."""
    this_month = Period.of(now.astimezone(LONDON).date())
    return windows_for_periods([this_month.previous(), this_month, this_month.next()])


def window_current_or_next(now: datetime.datetime) -> CollectionWindow:
    """The window open at ``now``, or else the next one to open."""
    return _current_or_next_of(_windows_around(now), now)


def _current_or_next_of(
    windows: list[CollectionWindow], now: datetime.datetime
) -> CollectionWindow:
    for window in windows:
        if now < window.closes_at:
            return window
    return windows[-1]


def calendar_rows(windows: list[CollectionWindow]) -> list[dict[str, object]]:
    """The shape shared by the CSV command and the JSON API (ISO 8601 with UTC offset)."""
    return [
        {
            "period": w.period_key,
            "opens_at": w.opens_local.isoformat(),
            "last_day": w.last_day.isoformat(),
            "closes_at": w.closes_local.isoformat(),
            "overridden": w.overridden,
        }
        for w in windows
    ]


# --- Obligations and the provider dashboard -------------------------------------------------


def latest_opened_window(now: datetime.datetime) -> CollectionWindow:
    """The window providers are working on: the newest one that has opened by ``now``
    (last month's until this month's opens)."""
    return _latest_opened_of(_windows_around(now), now)


def _latest_opened_of(windows: list[CollectionWindow], now: datetime.datetime) -> CollectionWindow:
    opened = [w for w in windows if w.opens_at <= now]
    # None opened only if staff moved last month's opening past ``now``: it is the next to open.
    return opened[-1] if opened else windows[0]


@dataclass(frozen=True)
class DashboardWindows:
    window: CollectionWindow  # ``latest_opened_window``
    next_window: CollectionWindow  # ``window_current_or_next``
    previous: CollectionWindow | None  # the newest stored window before ``window``


def dashboard_windows(now: datetime.datetime) -> DashboardWindows:
    """The dashboard's three windows in one query rather than three: the newest four stored
    windows up to next month's hold last, this and next month's (where stored) and the stored
    one before whichever of them is ``window``."""
    this_month = Period.of(now.astimezone(LONDON).date())
    periods = [this_month.previous(), this_month, this_month.next()]
    newest = periods[-1].first_day()
    stored = window_cache.cached(
        ("newest_four_to", newest),
        lambda: list(CollectionWindow.objects.filter(period__lte=newest).order_by("-period")[:4]),
    )
    by_period = {w.period: w for w in stored}
    around = [by_period.get(p.first_day()) or window_from_rules(p) for p in periods]
    window = _latest_opened_of(around, now)
    previous = next((w for w in stored if w.period < window.period), None)
    return DashboardWindows(
        window=window, next_window=_current_or_next_of(around, now), previous=previous
    )


class Status:
    NOT_STARTED = "not_started"
    UPDATED = "updated"
    NIL = "nil"
    LATE = "late"
    MISSED = "missed"
    NOT_REQUIRED = "not_required"
    # The dashboard's finer statuses (``dashboard_status``): what the newest save did. The
    # API's statuses (``obligation_status``) stay the six above.
    UPDATED_LATE = "updated_late"
    NIL_LATE = "nil_late"

    LABELS = {
        NOT_STARTED: ("Not started", "govuk-tag--grey"),
        UPDATED: ("Updated", "govuk-tag--green"),
        NIL: ("Nil return sent", "govuk-tag--turquoise"),
        LATE: ("Sent late", "govuk-tag--orange"),
        UPDATED_LATE: ("Updated late", "govuk-tag--yellow"),
        NIL_LATE: ("Nil return sent late", "govuk-tag--orange"),
        MISSED: ("Missed", "govuk-tag--red"),
        NOT_REQUIRED: ("Not required", "govuk-tag--grey"),
    }


def obligation_status(
    head: Return | None, owed: bool, window: CollectionWindow, now: datetime.datetime
) -> str:
    """The API's status: whether the month's return counts, and how (six values)."""
    if head is not None and head.counted is not None:
        return Status.NIL if head.counted.kind == ReturnKind.NIL else Status.UPDATED
    if not owed:
        return Status.NOT_REQUIRED
    if head is not None and head.latest is not None:
        return Status.LATE
    return Status.MISSED if now >= window.closes_at else Status.NOT_STARTED


def dashboard_status(
    head: Return | None, owed: bool, window: CollectionWindow, now: datetime.datetime
) -> str:
    """``obligation_status`` told by the newest save, for people: a return that counted and was
    then changed after the window closed is "Updated late", a nil return saved after the close
    "Nil return sent late", not the "Updated" of the save that counted. ``head`` needs its
    ``latest`` and ``counted`` loaded."""
    status = obligation_status(head, owed, window, now)
    latest = head.latest if head is not None else None
    if (
        latest is None
        or latest.in_window
        or status not in (Status.UPDATED, Status.NIL, Status.LATE)
    ):
        return status
    # The newest save came after the window closed (a save inside it would be the counted one).
    if latest.kind == ReturnKind.NIL:
        return Status.NIL_LATE
    return Status.LATE if status == Status.LATE else Status.UPDATED_LATE


@dataclass(frozen=True)
class DashboardRow:
    location: Location
    care_type: str
    status: str
    last_month_status: str | None
    latest: ReturnVersion | None

    @property
    def care_type_label(self) -> str:
        return CareType(self.care_type).label

    @property
    def status_label(self) -> tuple[str, str]:
        return Status.LABELS[self.status]

    @property
    def last_month_label(self) -> tuple[str, str] | None:
        return Status.LABELS[self.last_month_status] if self.last_month_status else None


if TYPE_CHECKING:
    # django_stubs_ext is a development dependency: for the type checker only.
    from django_stubs_ext import WithAnnotations

    class _StatusBefore(TypedDict):
        status_before: str

    # A location annotated with its registration status on the previous window's opening day.
    LocationBefore = WithAnnotations[Location, _StatusBefore]


def _rows_for(
    located: Sequence[LocationBefore],
    keys: list[tuple[int, str]],
    window: CollectionWindow,
    previous: CollectionWindow | None,
    now: datetime.datetime,
) -> list[DashboardRow]:
    """Rows for ``keys`` (location pk, care type), in that order, from ``located`` (annotated
    ``status_then`` and ``status_before``): one query for the return heads of both windows."""
    by_pk = {location.pk: location for location in located}
    windows = [window] + ([previous] if previous else [])
    heads = {
        (h.location_id, h.care_type, h.window_id): h
        for h in Return.objects.filter(
            location__in=list(by_pk),
            # A window not stored yet (computed from the rules) has no returns.
            window__in=[w for w in windows if w.pk is not None],
        ).select_related("latest", "counted")
    }
    rows = []
    for location_pk, care_type in keys:
        location = by_pk[location_pk]
        head = heads.get((location.pk, care_type, window.pk))
        status = dashboard_status(head, owes(location, window), window, now)
        last = None
        if previous is not None:
            before = heads.get((location.pk, care_type, previous.pk))
            owed_before = owes(location, previous, status=location.status_before)
            last = dashboard_status(before, owed_before, previous, now)
        rows.append(
            DashboardRow(
                location=location,
                care_type=care_type,
                status=status,
                last_month_status=last,
                latest=head.latest if head else None,
            )
        )
    return rows


# --- The dashboard, paged and filtered in SQL ------------------------------------------------

DASHBOARD_PAGE_SIZE = 50


@dataclass(frozen=True)
class DashboardFilters:
    """What the dashboard's filter form asks for; empty means "any"."""

    status: str = ""
    care_type: str = ""
    local_authority_id: int | None = None
    name: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.care_type or self.local_authority_id or self.name)


@dataclass(frozen=True)
class DashboardPage:
    rows: list[DashboardRow]
    number: int  # 1-based, within 1..pages
    pages: int  # at least 1, even with no rows
    total: int  # rows matching the filters
    group_rows: int  # rows of the whole group, unfiltered
    to_do: int  # rows of the whole group not started

    @property
    def first(self) -> int:
        return (self.number - 1) * DASHBOARD_PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def showing(self) -> str:
        """ "Showing 1 to 50 of 1,000", with thousands separators."""
        return f"Showing {self.first:,} to {self.last:,} of {self.total:,}"


def status_expression(care_type: str, window: CollectionWindow, now: datetime.datetime) -> Case:
    """``dashboard_status`` as SQL, for a Location queryset annotated ``status_then`` for
    ``window``'s opening day (``with_status_on``): the same rule, in the same order, so the
    dashboard can filter, count and page by status without building a row per location."""
    owed = Q(status_then=RegistrationStatus.ACTIVE, added_to_service_on__lte=opening_day(window))
    unsent = Status.MISSED if now >= window.closes_at else Status.NOT_STARTED
    if window.pk is None:
        # A window not stored yet has no returns: owed or not is all there is to say.
        return Case(
            When(owed, then=Value(unsent)),
            default=Value(Status.NOT_REQUIRED),
            output_field=CharField(),
        )
    heads = Return.objects.filter(location=OuterRef("pk"), care_type=care_type, window=window)
    counted = heads.filter(counted__isnull=False)
    # The newest save came after the window closed (see ``dashboard_status``).
    late_nil = Q(latest__in_window=False, latest__kind=ReturnKind.NIL)
    return Case(
        When(Exists(counted.filter(late_nil)), then=Value(Status.NIL_LATE)),
        When(Exists(counted.filter(latest__in_window=False)), then=Value(Status.UPDATED_LATE)),
        When(Exists(heads.filter(counted__kind=ReturnKind.NIL)), then=Value(Status.NIL)),
        When(Exists(counted), then=Value(Status.UPDATED)),
        When(~owed, then=Value(Status.NOT_REQUIRED)),
        When(Exists(heads.filter(late_nil)), then=Value(Status.NIL_LATE)),
        When(Exists(heads.filter(latest__isnull=False)), then=Value(Status.LATE)),
        default=Value(unsent),
        output_field=CharField(),
    )


def dashboard_councils(locations: QuerySet[Location]) -> QuerySet[LocalAuthority]:
    """The councils of ``locations`` (the user's own): the choices of the council filter."""
    return LocalAuthority.objects.filter(
        pk__in=locations.order_by().values("local_authority_id")
    ).order_by("name")


def _care_types(filters: DashboardFilters) -> list[CareType]:
    return [ct for ct in OFFERED if not filters.care_type or filters.care_type == ct.value]


def _matches(care_type: CareType, filters: DashboardFilters) -> Q:
    """The rows of ``care_type`` that ``filters`` keep, on a Location queryset annotated
    ``status_<care type>`` (``status_expression``)."""
    q = Q(**{OFFERED[care_type]: True})
    if filters.status:
        q &= Q(**{f"status_{care_type.value}": filters.status})
    if filters.local_authority_id is not None:
        q &= Q(local_authority_id=filters.local_authority_id)
    if filters.name:
        q &= Q(name__icontains=filters.name)
    return q


def _whole_small_group(
    locations: QuerySet[Location], windows: DashboardWindows, now: datetime.datetime
) -> DashboardPage | None:
    """The unfiltered dashboard of a group whose rows all fit on one page, in two queries (its
    locations with their statuses on both opening days, then their return heads), or None for
    a bigger group. Most groups are this small: the SQL counting and paging of
    ``dashboard_page`` (several subqueries per care type, compiled afresh on every request)
    would cost them far more than building every row, by the same rule (``dashboard_status``)."""
    window, previous = windows.window, windows.previous
    found = list(
        with_status_on(locations, opening_day(window))
        .annotate(status_before=status_on(opening_day(previous or window)))
        .order_by("name", "cqc_id")[: DASHBOARD_PAGE_SIZE + 1]
    )
    # In the SQL page's order: name, CQC ID, then care type ("care_home" before "home_care").
    keys = [
        (location.pk, ct.value)
        for location in found
        for ct in sorted(OFFERED, key=lambda ct: ct.value)
        if getattr(location, OFFERED[ct])
    ]
    if len(found) > DASHBOARD_PAGE_SIZE or len(keys) > DASHBOARD_PAGE_SIZE:
        return None
    rows = _rows_for(found, keys, window, previous, now) if keys else []
    return DashboardPage(
        rows=rows,
        number=1,
        pages=1,
        total=len(rows),
        group_rows=len(rows),
        to_do=sum(1 for row in rows if row.status == Status.NOT_STARTED),
    )


def dashboard_page(
    locations: QuerySet[Location],
    windows: DashboardWindows,
    now: datetime.datetime,
    *,
    filters: DashboardFilters,
    page: int = 1,
) -> DashboardPage:
    """One page of the dashboard's location x care type rows, filtered, in three queries
    whatever the size of the group: the counts (the group's rows, its rows not started, the
    rows matching), the page's rows with their locations, and their return heads. Only the
    page's rows (at most ``DASHBOARD_PAGE_SIZE``) are built: filtering, counting and paging
    happen in SQL, by ``status_expression``; the statuses shown come from ``dashboard_status``,
    the same rule.

    ``page`` out of range is brought into it (the last page, or the first).
    """
    window, previous = windows.window, windows.previous
    if not filters.active and page == 1:
        whole = _whole_small_group(locations, windows, now)
        if whole is not None:
            return whole
    # ``alias``, not ``annotate``: the statuses are filtered and counted on, never selected,
    # so the page query does not compute them for rows it then sorts away.
    located = with_status_on(locations, opening_day(window)).alias(
        **{f"status_{ct.value}": status_expression(ct.value, window, now) for ct in OFFERED}
    )
    wanted = _care_types(filters)
    counts = located.aggregate(
        **{f"rows_{ct.value}": Count("pk", filter=Q(**{OFFERED[ct]: True})) for ct in OFFERED},
        **{
            f"to_do_{ct.value}": Count(
                "pk", filter=Q(**{OFFERED[ct]: True, f"status_{ct.value}": Status.NOT_STARTED})
            )
            for ct in OFFERED
        },
        **{f"matching_{ct.value}": Count("pk", filter=_matches(ct, filters)) for ct in wanted},
    )
    total = sum(counts[f"matching_{ct.value}"] for ct in wanted)
    pages = max(1, -(-total // DASHBOARD_PAGE_SIZE))
    number = min(max(page, 1), pages)
    rows: list[DashboardRow] = []
    if total:
        # One part per care type, each the same columns (the location and its statuses on
        # both opening days), as one UNION ALL ordered and sliced in the database.
        parts = [
            located.filter(_matches(ct, filters))
            .annotate(
                status_before=status_on(opening_day(previous or window)),
                care_type=Value(ct.value, output_field=CharField()),
            )
            .order_by()
            for ct in wanted
        ]
        combined = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
        offset = (number - 1) * DASHBOARD_PAGE_SIZE
        found = list(
            combined.order_by("name", "cqc_id", "care_type")[offset : offset + DASHBOARD_PAGE_SIZE]
        )
        keys = [(location.pk, location.care_type) for location in found]
        rows = _rows_for(found, keys, window, previous, now)
    return DashboardPage(
        rows=rows,
        number=number,
        pages=pages,
        total=total,
        group_rows=sum(counts[f"rows_{ct.value}"] for ct in OFFERED),
        to_do=sum(counts[f"to_do_{ct.value}"] for ct in OFFERED),
    )


# --- Dates and times in GOV.UK style ---------------------------------------------------------


def opening_words(window: CollectionWindow) -> str:
    """When a window opens, as a sentence ends: "on Tuesday 8 December 2026", or "at 9am on
    Tuesday 8 December 2026" when it does not open at the start of the day."""
    local = window.opens_at.astimezone(LONDON)
    day = f"on {govuk_date(local)}"
    return day if (local.hour, local.minute) == (0, 0) else f"at {govuk_time(local)} {day}"
