"""The compliance release (NHSBSA, local authorities): per obligation per window, and at risk.

Both read the same owed obligations as the aggregates (``dissemination.sql.obligations_base``),
so a location's flag here always agrees with the counts there and with the breach sweep.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from dissemination.rows import AtRiskRow, ComplianceRow
from dissemination.sql import (
    Scope,
    as_date,
    as_datetime,
    fetch,
    naming_joins,
    obligations_base,
    stream,
)
from returns.models import CollectionWindow

AT_RISK_WINDOWS = 3


def compliance_query(
    *, windows: Sequence[CollectionWindow], care_type: str | None = None, scope: Scope | None = None
) -> tuple[str, list[Any]]:
    base_sql, params = obligations_base(windows, care_type, scope or Scope())
    sql = f"""WITH {base_sql}
SELECT w.period, loc.cqc_id, loc.name, pr.cqc_id, pr.name, lau.ons_code, lau.name,
       rg.ons_code, rg.name, b.care_type, b.counted_kind, b.counted_at, b.late,
       b.latest_kind, b.latest_at
FROM base b{naming_joins("b")}
ORDER BY w.period, rg.name, lau.name, loc.name, loc.cqc_id, b.care_type"""  # noqa: S608 - constants and table names only
    return sql, params


def _compliance_row(raw: Sequence[Any]) -> ComplianceRow:
    (period, loc_code, loc_name, pr_code, pr_name, la_code, la_name, rg_code, rg_name,
     care_type, counted_kind, counted_at, late, latest_kind, latest_at) = raw  # fmt: skip
    late = bool(late)
    return ComplianceRow(
        period=as_date(period),
        location_code=loc_code,
        location_name=loc_name,
        provider_code=pr_code,
        provider_name=pr_name,
        local_authority_code=la_code,
        local_authority_name=la_name,
        region_code=rg_code,
        region_name=rg_name,
        care_type=care_type,
        compliant=int(counted_kind is not None),
        return_kind=latest_kind if late else counted_kind,
        saved_at=as_datetime(latest_at if late else counted_at),
        late=late,
    )


def iter_compliance(
    *, windows: Sequence[CollectionWindow], care_type: str | None = None, scope: Scope | None = None
) -> Generator[ComplianceRow, None, None]:
    """``compliance`` as a stream (server-side cursor), for exports of many windows."""
    if not windows:
        return
    sql, params = compliance_query(windows=windows, care_type=care_type, scope=scope)
    for raw in stream(sql, params):
        yield _compliance_row(raw)


def compliance(
    *, windows: Sequence[CollectionWindow], care_type: str | None = None, scope: Scope | None = None
) -> list[ComplianceRow]:
    """One row per owed (location, care type, window), ordered by window, region, council,
    location and care type. One query."""
    if not windows:
        return []
    sql, params = compliance_query(windows=windows, care_type=care_type, scope=scope)
    return [_compliance_row(raw) for raw in fetch(sql, params)]


def last_windows(window: CollectionWindow, count: int = AT_RISK_WINDOWS) -> list[CollectionWindow]:
    """``window`` and the ones before it, newest first (fewer when the history is shorter)."""
    return list(
        CollectionWindow.objects.filter(period__lte=window.period).order_by("-period")[:count]
    )


def at_risk(
    *, window: CollectionWindow, care_type: str | None = None, scope: Scope | None = None
) -> list[AtRiskRow]:
    """Locations that missed ``window`` (pass the last closed one), or at least 2 of it and the
    2 windows before. Two queries: the windows, then the list."""
    windows = last_windows(window)
    if not windows or windows[0].pk != window.pk:
        raise ValueError("At-risk lists are for stored windows only.")
    base_sql, params = obligations_base(windows, care_type, scope or Scope())
    # Each window's bit (newest = 1), so one integer per location says which it missed.
    bits = " ".join(f"WHEN {int(w.pk)} THEN {1 << i}" for i, w in enumerate(windows))
    sql = f"""WITH {base_sql},
per_window AS (
  SELECT location_id, window_id, local_authority_id, region_id,
         MAX(CASE WHEN counted_kind IS NULL THEN 1 ELSE 0 END) AS missed
  FROM base GROUP BY location_id, window_id, local_authority_id, region_id
),
per_location AS (
  SELECT location_id, local_authority_id, region_id, COUNT(*) AS owed,
         SUM(missed) AS missed_count,
         SUM(missed * CASE window_id {bits} ELSE 0 END) AS missed_bits,
         MAX(CASE WHEN window_id = {int(windows[0].pk)} THEN missed ELSE 0 END) AS missed_last
  FROM per_window GROUP BY location_id, local_authority_id, region_id
)
SELECT loc.cqc_id, loc.name, pr.cqc_id, pr.name, lau.ons_code, lau.name, rg.ons_code, rg.name,
       pl.owed, pl.missed_count, pl.missed_bits, pl.missed_last
FROM per_location pl{naming_joins("pl", window=False)}
WHERE pl.missed_count >= 2 OR pl.missed_last = 1
ORDER BY rg.name, lau.name, loc.name, loc.cqc_id"""  # noqa: S608 - constants, table names and window ids (int)
    rows = []
    for raw in fetch(sql, params):
        (
            location_code,
            location_name,
            provider_code,
            provider_name,
            local_authority_code,
            local_authority_name,
            region_code,
            region_name,
            owed,
            missed_count,
            missed_bits,
            missed_last,
        ) = raw
        rows.append(
            AtRiskRow(
                location_code=location_code,
                location_name=location_name,
                provider_code=provider_code,
                provider_name=provider_name,
                local_authority_code=local_authority_code,
                local_authority_name=local_authority_name,
                region_code=region_code,
                region_name=region_name,
                last_period=windows[0].period,
                missed_last=bool(missed_last),
                missed_of_last_3=missed_count,
                owed_of_last_3=owed,
                missed_periods=tuple(
                    w.period for i, w in enumerate(windows) if missed_bits & (1 << i)
                ),
            )
        )
    return rows
