"""Provider benchmarking (DOMAIN 7.3): one location's rates beside its council, region and England.

Every figure comes from ``dissemination.selectors.aggregate``, the same rows the analysts'
pages and exports read, so a benchmark always agrees with them; nothing is summed here. Per
care type a page costs at most two selector calls (the areas, and the location itself), each
one SQL query whatever the number of windows or locations.

Which months: the last ``WINDOWS_SHOWN`` collection windows that have closed. An open window
is left out: most returns arrive in its last two days, so it would compare a half-filled area
with a location that has already sent.

Small numbers (DOMAIN 7.2): an area's figures for a month are shown only when at least
``settings.DISCLOSURE_MIN_LOCATIONS`` locations contributed figures to it, that is sent a full
or "unchanged" return in the window (``returned_full + returned_unchanged``). Not the number
owing: ten homes owing with three returns is three homes' beds. The location's own figures are
always shown: they are the provider's own.

Caching: the England, region and council rows of a closed window are the same for every
provider and change only if the window is reopened (its ``closes_at``, which is in the key) or
a location moves council, so they are kept in the cache for ``CACHE_SECONDS``. Without it, 24
windows of England at national scale take about 20 seconds (bench/results.json); with it, a
month's first visitor pays for the one new window. What is cached is only what this page reads
(locations contributing, and each rate's numerator and denominator), not whole rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from dissemination.measures import RateSpec, catalogue
from dissemination.rows import ENGLAND_CODE
from dissemination.selectors import AggregateRow, Level, Rate, Scope, aggregate
from providers.models import CareType, Location
from returns.models import CollectionWindow

WINDOWS_SHOWN = 24
CACHE_SECONDS = 6 * 60 * 60
CACHE_VERSION = 1  # bump when the selectors' figures change meaning
AREA_LEVELS = (Level.ENGLAND, Level.REGION, Level.LOCAL_AUTHORITY)

# The headline rates per care type, in page order; vaccination uptake rates follow, from the
# catalogue, for the items that were collected in the months shown.
HEADLINE = {
    CareType.CARE_HOME: ("occupancy_rate", "vacancy_rate", "absence_rate"),
    CareType.HOME_CARE: ("absence_rate",),
}
TITLES = {
    "occupancy_rate": (
        "Occupancy rate",
        "Beds occupied as a percentage of maximum bed capacity.",
    ),
    "vacancy_rate": (
        "Vacancy rate",
        "Vacant beds (reserved, and accepting admissions) as a percentage of maximum bed capacity.",
    ),
    "absence_rate": (
        "Staff absence rate",
        "Staff absent due to COVID-19 as a percentage of all staff (headcount).",
    ),
}
UPTAKE = "_uptake"


@dataclass(frozen=True)
class Summary:
    """What this page needs of one AggregateRow; small, so thousands fit in the cache."""

    contributors: int  # locations whose figures are in the sums: full + unchanged returns
    rates: dict[str, tuple[int | None, int | None]]  # name -> (numerator, denominator)

    @classmethod
    def of(cls, row: AggregateRow) -> Summary:
        return cls(
            contributors=row.returned_full + row.returned_unchanged,
            rates={name: (r.numerator, r.denominator) for name, r in row.rates.items()},
        )


NOTHING_OWED = Summary(contributors=0, rates={})  # an area with no row: nobody owed a return


@dataclass(frozen=True)
class Group:
    """A line on the chart and a column in the table: the location or one of its areas."""

    level: Level
    code: str
    name: str


@dataclass(frozen=True)
class Cell:
    rate: Rate | None  # None when suppressed, or nothing was owed
    suppressed: bool = False

    @property
    def value(self) -> float | None:
        return None if self.rate is None else self.rate.value

    @property
    def percent(self) -> str:
        value = self.value
        return "" if value is None else f"{value * 100:.1f}%"


@dataclass(frozen=True)
class Row:
    window: CollectionWindow
    cells: tuple[Cell, ...]  # one per group, in the section's group order


@dataclass(frozen=True)
class Measure:
    name: str
    title: str
    hint: str
    rows: tuple[Row, ...]  # oldest first, one per window

    def series(self, index: int) -> list[float | None]:
        return [row.cells[index].value for row in self.rows]


@dataclass(frozen=True)
class Section:
    care_type: CareType
    groups: tuple[Group, ...]  # the location first, then council, region, England
    hidden: tuple[Group, ...]  # areas too small in every month shown: no line, no column
    measures: tuple[Measure, ...]

    @property
    def label(self) -> str:
        return self.care_type.label


@dataclass(frozen=True)
class Benchmark:
    location: Location
    windows: tuple[CollectionWindow, ...]  # oldest first
    sections: tuple[Section, ...]
    min_locations: int


def closed_windows(now: datetime.datetime, count: int = WINDOWS_SHOWN) -> list[CollectionWindow]:
    """The newest ``count`` stored windows that have closed by ``now``, oldest first."""
    newest = CollectionWindow.objects.filter(closes_at__lte=now).order_by("-period")[:count]
    return list(reversed(newest))


def location_benchmark(location: Location, *, now: datetime.datetime) -> Benchmark:
    """The benchmark page's figures for ``location`` (with ``local_authority__region``
    loaded), for each care type it offers."""
    windows = closed_windows(now)
    threshold = int(settings.DISCLOSURE_MIN_LOCATIONS)
    council = location.local_authority
    groups = (
        Group(Level.LOCATION, location.cqc_id, location.name),
        Group(Level.LOCAL_AUTHORITY, council.ons_code, council.name),
        Group(Level.REGION, council.region.ons_code, council.region.name),
        Group(Level.ENGLAND, ENGLAND_CODE, "England"),
    )
    sections = tuple(
        _section(location, CareType(care_type), windows, groups, threshold)
        for care_type in location.care_types
    )
    return Benchmark(location, tuple(windows), sections if windows else (), threshold)


def _section(
    location: Location,
    care_type: CareType,
    windows: Sequence[CollectionWindow],
    groups: tuple[Group, ...],
    threshold: int,
) -> Section:
    summaries = _summaries(location, care_type, windows, groups)
    # Suppression is per area and month, the same for every measure: it is about who is in
    # the sums, not about the sums.
    shown = {
        (window.pk, group): group.level is Level.LOCATION
        or summaries[(window.pk, group)].contributors >= threshold
        for window in windows
        for group in groups
    }
    hidden = tuple(g for g in groups if not any(shown[(w.pk, g)] for w in windows))
    visible = tuple(g for g in groups if g not in hidden)

    def cell(window: CollectionWindow, group: Group, name: str) -> Cell:
        if not shown[(window.pk, group)]:
            return Cell(None, suppressed=True)
        summary = summaries[(window.pk, group)]
        if name not in summary.rates:
            return Cell(None)  # the location owed nothing that month
        return Cell(Rate(*summary.rates[name]))

    def measure(name: str, title: str, hint: str) -> Measure:
        rows = tuple(
            Row(window, tuple(cell(window, group, name) for group in visible)) for window in windows
        )
        return Measure(name, title, hint, rows)

    measures = [measure(name, *TITLES[name]) for name in HEADLINE[care_type]]
    for spec in _uptake_rates(care_type):
        candidate = measure(spec.name, *_uptake_title(spec))
        # Seasonal items are asked only in campaign months: chart those that were collected.
        if any(c.rate and c.rate.numerator is not None for r in candidate.rows for c in r.cells):
            measures.append(candidate)
    return Section(care_type, visible, hidden, tuple(measures))


def _uptake_rates(care_type: CareType) -> list[RateSpec]:
    return [spec for spec in catalogue(care_type).rates if spec.name.endswith(UPTAKE)]


def _uptake_title(spec: RateSpec) -> tuple[str, str]:
    who = spec.meaning.removeprefix("Uptake: ")
    population = (
        "residents (occupied beds)"
        if spec.denominator == ("beds_occupied",)
        else "all staff (headcount)"
    )
    return (
        f"Vaccination: {who[:1].lower()}{who[1:]}",
        f"As a percentage of {population}. Collected in the months the notice asks for it.",
    )


# --- Reading the selectors, through the cache -----------------------------------------------


def _key(care_type: str, window: CollectionWindow, level: Level, code: str) -> str:
    closes = int(window.closes_at.timestamp())  # a reopened window is a new key
    return f"benchmark:{CACHE_VERSION}:{care_type}:{window.pk}:{closes}:{level.value}:{code}"


def _summaries(
    location: Location,
    care_type: CareType,
    windows: Sequence[CollectionWindow],
    groups: Sequence[Group],
) -> dict[tuple[int, Group], Summary]:
    """Each (window, group)'s summary: from the cache, else from at most two selector calls
    (the areas, the location), each for only the windows missing."""
    keys = {
        (window.pk, group): _key(care_type, window, group.level, group.code)
        for window in windows
        for group in groups
    }
    found = cache.get_many(keys.values()) if keys else {}
    fresh: dict[str, Summary] = {}

    def fetch(levels: Sequence[Level], scope: Scope | None = None) -> None:
        todo = [
            w
            for w in windows
            if any(keys[(w.pk, g)] not in found for g in groups if g.level in levels)
        ]
        if not todo:
            return
        by_period = {window.period: window for window in todo}
        for row in aggregate(windows=todo, level=levels, care_type=care_type, scope=scope):
            fresh[_key(care_type, by_period[row.period], row.level, row.area_code)] = Summary.of(
                row
            )
        # An area with no owing location has no row: remember that too, or every visit
        # would ask again.
        for window in todo:
            for group in groups:
                key = keys[(window.pk, group)]
                if group.level in levels and key not in fresh:
                    fresh[key] = NOTHING_OWED

    # Every council and region at once: the scan is England's anyway, and the next provider's
    # page, anywhere, then finds its own areas in the cache.
    fetch(AREA_LEVELS)
    fetch([Level.LOCATION], scope=Scope(locations=Location.objects.filter(pk=location.pk)))
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    found.update(fresh)
    return {item: found[key] for item, key in keys.items()}
