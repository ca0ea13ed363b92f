"""The exports: which rows, under which header, sent as CSV or XLSX and put in the register.

Every export is read from the selectors (the same numbers as the pages) and registered in
the disclosure register before its first byte leaves. A CSV streams: the rows are read
through a server-side cursor and counted as they are written (``counted_rows`` finishes the
record when the stream ends, or stops). An XLSX is built whole on disk first (openpyxl's
write-only mode, constant memory), so its count is known when it is registered.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import FileResponse, HttpResponseBase

from capacity_tracker.lib.exports import XLSX_CONTENT_TYPE, csv_response, xlsx_file
from dissemination import export_rows
from dissemination.audience import Audience
from dissemination.models import DisclosureRecord
from dissemination.publishable import PUBLISHABLE_LEVELS, publishable
from dissemination.rows import AggregateRow
from dissemination.selectors import (
    AT_RISK_COLUMNS,
    RELEASE_COLUMNS,
    Level,
    aggregate_columns,
    at_risk,
    iter_aggregate,
    iter_compliance,
)
from dissemination.services import counted_rows, disclosure_record
from providers.models import LocalAuthority, Region, User
from returns.models import CollectionWindow

AGGREGATES = "aggregates"
PUBLISHABLE = "aggregates_publishable"
COMPLIANCE = "compliance"
AT_RISK = "at_risk"
# In a local authority user's export the selectors' England row is their area's total.
AREA_TOTAL = "area_total"


@dataclass(frozen=True)
class Export:
    """One export, not yet read: ``rows`` is lazy and read once, while it is sent."""

    kind: str
    name: str  # the file name without its extension
    header: list[str]
    rows: Iterable[Mapping[str, object]]
    parameters: dict[str, Any] = field(default_factory=dict)
    # The same rows as ready-made CSV cells (``export_rows.aggregate_csv_rows``), when the
    # export has that faster path: a national location-level file is ~700,000 rows.
    csv_rows: Iterable[Sequence[object]] | None = None


def _span(windows: Sequence[CollectionWindow]) -> str:
    first, last = windows[0].period_key, windows[-1].period_key
    return first if first == last else f"{first}-to-{last}"


def _area_parameters(
    audience: Audience, region: Region | None = None, council: LocalAuthority | None = None
) -> dict[str, Any]:
    return {
        "area": "england" if not audience.scoped else "local_authority_user",
        "councils": [c.ons_code for c in audience.councils] if audience.scoped else None,
        "region": region.ons_code if region else None,
        "local_authority": council.ons_code if council else None,
    }


def _relabelled(rows: Iterable[AggregateRow], audience: Audience) -> Iterator[dict[str, object]]:
    for row in rows:
        out = row.as_dict()
        if audience.scoped and row.level is Level.ENGLAND:
            out.update(level=AREA_TOTAL, area_code=None, area_name=audience.total_label)
        yield out


def aggregate_export(
    *,
    audience: Audience,
    windows: Sequence[CollectionWindow],
    level: Level,
    care_type: str,
    publish: bool,
) -> Export:
    parameters = {
        "windows": [w.period_key for w in windows],
        "level": level.value,
        "care_type": care_type,
        "publishable": publish,
        **_area_parameters(audience),
    }
    header = [column.name for column in aggregate_columns(care_type)]
    name = f"{care_type}-{level.value}-{_span(windows)}"
    if not publish:
        rows = iter_aggregate(
            windows=windows, level=level, care_type=care_type, scope=audience.scope()
        )
        csv_rows = export_rows.aggregate_csv_rows(
            windows=windows,
            level=level,
            care_type=care_type,
            scope=audience.scope(),
            area_total=(AREA_TOTAL, audience.total_label) if audience.scoped else None,
        )
        return Export(
            AGGREGATES,
            name,
            header,
            _relabelled(rows, audience),
            parameters,
            csv_rows=csv_rows,
        )
    if level not in PUBLISHABLE_LEVELS:
        raise ValueError("Location-level data is never publishable.")
    # Suppression is decided on the whole national table (see dissemination.publishable);
    # a local authority user then keeps only their own councils' rows.
    own = {council.ons_code for council in audience.councils}

    def keep(row: AggregateRow) -> bool:
        return row.level is level and (not audience.scoped or row.local_authority_code in own)

    national = iter_aggregate(windows=windows, level=PUBLISHABLE_LEVELS, care_type=care_type)
    return Export(
        PUBLISHABLE, f"publishable-{name}", header, publishable(national, keep=keep), parameters
    )


def compliance_export(
    *,
    audience: Audience,
    windows: Sequence[CollectionWindow],
    care_type: str | None,
    region: Region | None,
    council: LocalAuthority | None,
) -> Export:
    rows = iter_compliance(
        windows=windows, care_type=care_type, scope=audience.scope(region=region, council=council)
    )
    parameters = {
        "windows": [w.period_key for w in windows],
        "care_type": care_type or "all",
        **_area_parameters(audience, region, council),
    }
    header = [column.name for column in RELEASE_COLUMNS]
    name = f"compliance-{_span(windows)}"
    return Export(COMPLIANCE, name, header, (row.as_dict() for row in rows), parameters)


def at_risk_export(
    *,
    audience: Audience,
    window: CollectionWindow,
    care_type: str | None,
    region: Region | None,
    council: LocalAuthority | None,
) -> Export:
    rows = at_risk(
        window=window, care_type=care_type, scope=audience.scope(region=region, council=council)
    )
    parameters = {
        "window": window.period_key,
        "care_type": care_type or "all",
        **_area_parameters(audience, region, council),
    }
    header = [column.name for column in AT_RISK_COLUMNS]
    name = f"at-risk-{window.period_key}"
    return Export(AT_RISK, name, header, [row.as_dict() for row in rows], parameters)


class _Counter:
    def __init__(self, rows: Iterable[Sequence[object]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[object]]:
        for row in self.rows:
            self.count += 1
            yield row


def send(
    export: Export, *, actor: User, purpose: str, fmt: str, now: datetime.datetime
) -> HttpResponseBase:
    """Register the export and answer with the file."""
    values = ([row[name] for name in export.header] for row in export.rows)

    def register(row_count: int | None = None) -> DisclosureRecord:
        return disclosure_record(
            actor=actor,
            kind=export.kind,
            parameters=export.parameters,
            purpose=purpose,
            fmt=fmt,
            now=now,
            row_count=row_count,
        )

    if fmt == DisclosureRecord.Format.CSV:
        record = register()
        if export.csv_rows is not None:
            fast = counted_rows(export.csv_rows, record_id=record.pk)
            return export_rows.csv_response(f"{export.name}.csv", export.header, fast)
        rows = counted_rows(values, record_id=record.pk)
        return csv_response(f"{export.name}.csv", export.header, rows)
    counter = _Counter(values)
    out = xlsx_file(export.header, counter, sheet_title=export.kind)
    register(row_count=counter.count)
    return FileResponse(
        out, as_attachment=True, filename=f"{export.name}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
