"""Aggregate rows made fit for publication outside government (DOMAIN 7.2).

The rows come from ``aggregate`` at England, region and local authority level; this applies
``dissemination.suppression`` per window and marks what it hides, following the Government
Statistical Service's symbols for tables:

- ``[c]`` (confidential): suppressed, either because fewer than ``DISCLOSURE_MIN_LOCATIONS``
  locations built the cell (primary) or because it would give such a cell away by subtraction
  (secondary). The two are not told apart: saying which is which would narrow a hidden cell.
- ``[x]`` (not available): nothing to publish, e.g. an item not asked that month, or a rate
  whose denominator is 0.

Why the whole national table, every time: a cell hidden to protect a neighbour in one output
must be hidden in every other output too, or subtracting across two releases gives it back.
So suppression is always decided on England > regions > all councils, whoever asks and
whatever level they want, and only then are the rows they asked for (and may see) kept.

Which locations build a cell: the compliance counts (owing, returned, late, missing, ...) and
registered places are built from the locations owing a return; every figure, tally and rate
part from the returns with figures (full and unchanged). All measures of one kind hide the
same areas (``area_patterns``): the rate parts repeat the figures, occupied + vacant make
capacity, the staff groups make the total, and returned + late + missing make owing, so a
cell hidden in one and shown in another would be given away.

What this leaves open (as ``suppression`` says, only exact recovery from the table is
prevented): a published total of 0 shows that each of its parts is 0 too, and the bounds
0 <= cell <= total narrow a hidden cell without fixing it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from dissemination.rows import AggregateRow, Level
from dissemination.suppression import (
    Cell,
    Published,
    Reason,
    hierarchy_groups,
    protect,
    publish,
    strongest,
)
from providers.models import CareType

SUPPRESSED = "[c]"
NOT_AVAILABLE = "[x]"
# Levels a publishable output may have: never a location.
PUBLISHABLE_LEVELS = (Level.ENGLAND, Level.REGION, Level.LOCAL_AUTHORITY)
COMPLIANCE_COUNTS = (
    "locations_owing",
    "returned",
    "returned_full",
    "returned_unchanged",
    "returned_nil",
    "late",
    "missing",
)
ENGLAND: Hashable = ("england",)


@dataclass(frozen=True)
class _Measures:
    """One window's measures: which columns they govern, and how to read them off a row."""

    counts: tuple[str, ...]  # built from the owing locations
    figures: tuple[str, ...]  # built from the returns with figures
    governs: Mapping[str, tuple[str, ...]]  # export column -> the measures it shows

    @classmethod
    def of(cls, row: AggregateRow) -> _Measures:
        counts = list(COMPLIANCE_COUNTS)
        governs: dict[str, tuple[str, ...]] = {name: (name,) for name in counts}
        governs["compliance_rate_numerator"] = ("returned",)
        governs["compliance_rate_denominator"] = ("locations_owing",)
        governs["compliance_rate"] = ("returned", "locations_owing")
        if row.care_type == CareType.CARE_HOME:
            counts.append("registered_places")
            governs["registered_places"] = ("registered_places",)
        figures = list(row.figures)
        governs.update({name: (name,) for name in figures})
        for name in row.rates:
            parts = (f"{name}_numerator", f"{name}_denominator")
            figures += parts
            governs.update({part: (part,) for part in parts})
            governs[name] = parts
        return cls(tuple(counts), tuple(figures), governs)


def _value(row: AggregateRow, measure: str) -> int | None:
    if measure in COMPLIANCE_COUNTS or measure == "registered_places":
        return getattr(row, measure)
    if measure in row.figures:
        return row.figures[measure]
    name, _, part = measure.rpartition("_")
    rate = row.rates[name]
    return rate.numerator if part == "numerator" else rate.denominator


def _key(row: AggregateRow) -> Hashable:
    if row.level is Level.ENGLAND:
        return ENGLAND
    if row.level is Level.REGION:
        return ("region", row.region_code)
    if row.level is Level.LOCAL_AUTHORITY:
        return ("local_authority", row.local_authority_code)
    raise ValueError("Location rows are never publishable.")


def _parent(row: AggregateRow) -> Hashable | None:
    if row.level is Level.ENGLAND:
        return None
    if row.level is Level.REGION:
        return ENGLAND
    return ("region", row.region_code)


def area_patterns(
    rows: list[AggregateRow], *, min_locations: int | None = None
) -> tuple[dict[Hashable, Reason], dict[Hashable, Reason]]:
    """The areas to hide in one window: for the counts, and for the figures.

    Each pattern is worked out once on the number of owing locations (additive, and at least
    1 in every area listed) and then applied to every measure of its kind. Protecting each
    measure on its own values and sharing the union instead spreads without end: a measure
    that is 0 everywhere (say, late returns in a quiet month) can only be protected by hiding
    every cell, England included, and linking would then hide every other measure too.
    """
    parents = {_key(row): _parent(row) for row in rows}
    groups = hierarchy_groups(parents)
    counts = {_key(row): Cell(row.locations_owing, row.locations_owing) for row in rows}
    figures = {
        _key(row): Cell(row.locations_owing, row.returned_full + row.returned_unchanged)
        for row in rows
    }
    return (
        protect(counts, groups, min_locations=min_locations),
        protect(figures, groups, min_locations=min_locations),
    )


def protect_window(
    rows: list[AggregateRow], *, min_locations: int | None = None
) -> dict[str, dict[Hashable, Published]]:
    """Every measure of one window's England > region > council rows, as published."""
    if not rows:
        return {}
    measures = _Measures.of(rows[0])
    count_pattern, figure_pattern = area_patterns(rows, min_locations=min_locations)
    out: dict[str, dict[Hashable, Published]] = {}
    for names, pattern, built_from in (
        (measures.counts, count_pattern, lambda row: row.locations_owing),
        (measures.figures, figure_pattern, lambda row: row.returned_full + row.returned_unchanged),
    ):
        for measure in names:
            cells = {_key(row): Cell(_value(row, measure), built_from(row)) for row in rows}
            out[measure] = publish(cells, pattern)
    return out


def published_row(
    row: AggregateRow, published: Mapping[str, Mapping[Hashable, Published]]
) -> dict[str, object]:
    """``row.as_dict()`` with each hidden cell ``[c]`` and each empty one ``[x]``."""
    governs = _Measures.of(row).governs
    key = _key(row)
    out = row.as_dict()
    for column, measures in governs.items():
        if strongest(*(published[m][key] for m in measures)) is not None:
            out[column] = SUPPRESSED
        elif out[column] is None:
            out[column] = NOT_AVAILABLE
    return out


def publishable(
    rows: Iterable[AggregateRow],
    *,
    keep: Callable[[AggregateRow], bool],
    min_locations: int | None = None,
) -> Iterator[dict[str, object]]:
    """Published export rows, window by window, of the rows ``keep`` picks.

    ``rows``: ``aggregate`` at ``PUBLISHABLE_LEVELS`` for the whole of England (no scope),
    ordered by period as it returns them; one window is held in memory at a time.
    """
    for _, window_rows in itertools.groupby(rows, key=lambda row: row.period):
        batch = list(window_rows)
        published = protect_window(batch, min_locations=min_locations)
        for row in batch:
            if keep(row):
                yield published_row(row, published)
