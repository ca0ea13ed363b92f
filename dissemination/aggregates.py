"""England, region, local authority and location aggregates in one SQL query.

``aggregate_query`` builds it: the owed obligations joined to their returns
(``dissemination.sql.obligations_base``), each item pulled out of the month's return's JSON
answers once (``vals``), then one GROUP BY per level asked for, glued with UNION ALL (the same
result as GROUPING SETS, which SQLite lacks), then the names joined on. Every count, figure,
numerator and denominator is summed in the database; Python only builds the dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from dissemination.measures import Catalogue, catalogue
from dissemination.rows import ENGLAND_CODE, LEVEL_ORDER, AggregateRow, Level, Rate
from dissemination.sql import (
    Scope,
    as_date,
    fetch,
    integer_item,
    naming_joins,
    obligations_base,
    stream,
    text_item,
)
from providers.models import CareType
from returns.models import CollectionWindow

# GROUP BY columns per level; the others are NULL in that level's rows.
KEYS = {
    Level.ENGLAND: (),
    Level.REGION: ("region_id",),
    Level.LOCAL_AUTHORITY: ("region_id", "local_authority_id"),
    Level.LOCATION: ("region_id", "local_authority_id", "location_id"),
}
ALL_KEYS = ("region_id", "local_authority_id", "location_id")
COUNTS = (
    "COUNT(*)",
    "COUNT(counted_kind)",
    "COUNT(*) FILTER (WHERE counted_kind = 'full')",
    "COUNT(*) FILTER (WHERE counted_kind = 'unchanged')",
    "COUNT(*) FILTER (WHERE counted_kind = 'nil')",
    "COUNT(*) FILTER (WHERE late)",
    "COUNT(*) FILTER (WHERE counted_kind IS NULL AND NOT late)",
    "SUM(registered_places)",
)


def _sum(codes: Sequence[str], index: dict[str, int]) -> str:
    # Per return, NULL unless every item is answered: a partly answered return must not add
    # to a total that others answered in full.
    return "(" + " + ".join(f"i{index[c]}" for c in codes) + ")"


def _measures(cat: Catalogue, index: dict[str, int]) -> list[str]:
    """The aggregate expressions after COUNTS, in the order ``_row`` reads them."""
    exprs = [f"SUM({_sum(f.codes, index)})" for f in cat.figures]
    exprs += [
        f"COUNT(*) FILTER (WHERE t{t_index} = '{tally.value}')"
        for t_index, tally in enumerate(cat.tallies)
    ]
    for rate in cat.rates:
        num, den = _sum(rate.numerator, index), _sum(rate.denominator, index)
        both = f"{num} IS NOT NULL AND {den} IS NOT NULL"
        exprs += [f"SUM({num}) FILTER (WHERE {both})", f"SUM({den}) FILTER (WHERE {both})"]
    return exprs


def _levels(level: Level | Iterable[Level]) -> list[Level]:
    levels = [level] if isinstance(level, Level | str) else list(level)
    return sorted({Level(lv) for lv in levels}, key=LEVEL_ORDER.__getitem__)


def aggregate_query(
    *,
    windows: Sequence[CollectionWindow],
    level: Level | Iterable[Level],
    care_type: str,
    scope: Scope | None = None,
) -> tuple[str, list[Any]]:
    """The SQL and parameters behind ``aggregate`` (also for ``COPY (...) TO STDOUT``)."""
    if care_type not in CareType.values:
        raise ValueError(f"Unknown care type {care_type!r}.")
    cat = catalogue(care_type)
    codes = cat.integer_codes
    index = {code: i for i, code in enumerate(codes)}
    base_sql, params = obligations_base(windows, care_type, scope or Scope())
    pulled = [f"{integer_item(code)} AS i{i}" for i, code in enumerate(codes)]
    pulled += [f"{text_item(t.code)} AS t{i}" for i, t in enumerate(cat.tallies)]
    aggregates = ",\n    ".join([*COUNTS, *_measures(cat, index)])
    branches = []
    for lv in _levels(level):
        keys = KEYS[lv]
        key_columns = ", ".join(
            k if k in keys else f"CAST(NULL AS BIGINT) AS {k}" for k in ALL_KEYS
        )
        group_by = ", ".join(("window_id", *keys))
        branches.append(
            f"SELECT {LEVEL_ORDER[lv]} AS level_rank, window_id, {key_columns},\n    {aggregates}\n"  # noqa: S608 - built from constants and slug-checked item codes
            f"  FROM vals GROUP BY {group_by}"
        )
    union = "\n  UNION ALL\n  ".join(branches)
    sql = f"""WITH {base_sql},
vals AS (
  SELECT base.*{"".join(", " + p for p in pulled)} FROM base
),
agg AS (
  {union}
)
SELECT w.period, rg.ons_code, rg.name, lau.ons_code, lau.name, loc.cqc_id, loc.name,
       pr.cqc_id, pr.name, agg.*
FROM agg{naming_joins("agg")}
ORDER BY w.period, agg.level_rank, rg.name, lau.name, loc.name, loc.cqc_id"""  # noqa: S608 - no input reaches the SQL text: constants, table names, slug-checked codes
    return sql, params


NAMES = 9  # period and the eight name columns before agg.*
AGG_KEYS = 5  # level_rank, window_id, region_id, local_authority_id, location_id


def _row(raw: Sequence[Any], care_type: str, cat: Catalogue) -> AggregateRow:
    period, rg_code, rg_name, la_code, la_name, loc_code, loc_name, pr_code, pr_name = raw[:NAMES]
    level = list(Level)[raw[NAMES]]
    values = iter(raw[NAMES + AGG_KEYS :])
    owing, returned, full, unchanged, nil, late, missing, places = (next(values) for _ in COUNTS)
    figures = {f.name: next(values) for f in cat.figures}
    figures.update({t.name: next(values) for t in cat.tallies})
    rates = {r.name: Rate(next(values), next(values)) for r in cat.rates}
    area_code, area_name = {
        Level.ENGLAND: (ENGLAND_CODE, "England"),
        Level.REGION: (rg_code, rg_name),
        Level.LOCAL_AUTHORITY: (la_code, la_name),
        Level.LOCATION: (loc_code, loc_name),
    }[level]
    return AggregateRow(
        period=as_date(period),
        level=level,
        area_code=area_code,
        area_name=area_name,
        region_code=rg_code,
        region_name=rg_name,
        local_authority_code=la_code,
        local_authority_name=la_name,
        provider_code=pr_code,
        provider_name=pr_name,
        care_type=care_type,
        locations_owing=owing,
        returned=returned,
        returned_full=full,
        returned_unchanged=unchanged,
        returned_nil=nil,
        late=late,
        missing=missing,
        compliance_rate=Rate(returned, owing),
        registered_places=places if care_type == CareType.CARE_HOME else None,
        figures=figures,
        rates=rates,
    )


def iter_aggregate(
    *,
    windows: Sequence[CollectionWindow],
    level: Level | Iterable[Level],
    care_type: str,
    scope: Scope | None = None,
) -> Iterator[AggregateRow]:
    """``aggregate`` as a stream (server-side cursor): for location-level exports. For a CSV,
    ``dissemination.export_rows`` writes the same bytes without building these rows."""
    if not windows:
        return
    cat = catalogue(care_type)
    sql, params = aggregate_query(windows=windows, level=level, care_type=care_type, scope=scope)
    for raw in stream(sql, params):
        yield _row(raw, care_type, cat)


def aggregate(
    *,
    windows: Sequence[CollectionWindow],
    level: Level | Iterable[Level],
    care_type: str,
    scope: Scope | None = None,
) -> list[AggregateRow]:
    """One row per window and area of each level asked for; one query. See the selectors
    module for the full contract."""
    if not windows:
        return []
    cat = catalogue(care_type)
    sql, params = aggregate_query(windows=windows, level=level, care_type=care_type, scope=scope)
    return [_row(raw, care_type, cat) for raw in fetch(sql, params)]
