"""The aggregate CSV export without building a row object per row: the same bytes, faster.

``iter_aggregate`` builds an ``AggregateRow`` per row, the export turns it into a dict
(``as_dict``) and then a list, and ``capacity_tracker.lib.exports.csv_chunks`` checks every
cell for a formula. For a location-level export of 24 windows (345,600 care home rows of 93
cells, 705,600 home care rows of 43) that was two thirds of the time (bench/RESULTS.md has the
profile). Here each cursor tuple becomes the CSV row directly:

- the text cells (the first 11 columns: period, level, codes and names, care type) are
  neutralised exactly as ``escape_cell`` does (``neutralise_text``), once per distinct value;
- every other cell is a COUNT or SUM from the query (int, None, or a Decimal) or a rate
  computed here as ``Rate.value`` computes it (numerator / denominator, None when either is
  None or the denominator is 0): ``escape_cell`` only turns those into ``str(value)``, and
  the csv module writes a number as ``str`` (``repr`` for a float, the same thing) and None
  as an empty field, so they go to the writer as they are.

So ``csv_chunks(header, aggregate_csv_rows(...))`` is byte for byte what
``capacity_tracker.lib.exports.csv_chunks(header, (row.as_dict().values() for row in
iter_aggregate(...)))`` writes (tests/dissemination/test_export_rows.py checks every level and
both care types), streamed the same way: the BOM goes out before the query runs, and rows are
read through the same server-side cursor (``dissemination.sql.stream``).

These rows are for the CSV writer here only: their text is already neutralised, so they are
not for ``xlsx_file`` (which drops control characters before neutralising) nor for a second
pass through ``escape_cell``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

from capacity_tracker.lib.csv_files import neutralise_text
from capacity_tracker.lib.exports import CSV_CONTENT_TYPE
from dissemination.aggregates import AGG_KEYS, COUNTS, NAMES, aggregate_query
from dissemination.measures import catalogue
from dissemination.rows import ENGLAND_CODE, LEVEL_ORDER, Level
from dissemination.sql import Scope, as_date, stream
from providers.models import CareType
from returns.models import CollectionWindow

# Positions in the query's row (aggregates.aggregate_query's final SELECT).
PERIOD, RG_CODE, RG_NAME, LA_CODE, LA_NAME, LOC_CODE, LOC_NAME, PR_CODE, PR_NAME = range(NAMES)
LEVEL_RANK = NAMES
FIRST_COUNT = NAMES + AGG_KEYS  # owing, returned, full, unchanged, nil, late, missing, places
OWING, RETURNED = FIRST_COUNT, FIRST_COUNT + 1
PLACES = FIRST_COUNT + len(COUNTS) - 1
FIGURES = FIRST_COUNT + len(COUNTS)  # then the figures, the tallies, and (num, den) per rate
# Where each level's area code and name come from.
AREA = {
    Level.REGION: (RG_CODE, RG_NAME),
    Level.LOCAL_AUTHORITY: (LA_CODE, LA_NAME),
    Level.LOCATION: (LOC_CODE, LOC_NAME),
}
CHUNK_CHARS = 64_000  # as capacity_tracker.lib.csv_files.iter_csv_lines


class _Neutralised(dict[Any, str]):
    """Text cells as ``escape_cell`` writes them, worked out once per distinct value (names
    repeat in every window: 24 lookups, one check)."""

    def __missing__(self, value: Any) -> str:
        text = "" if value is None else neutralise_text(str(value))
        self[value] = text
        return text


def aggregate_csv_rows(
    *,
    windows: Sequence[CollectionWindow],
    level: Level | Iterable[Level],
    care_type: str,
    scope: Scope | None = None,
    area_total: tuple[str, str] | None = None,
) -> Iterator[list[object]]:
    """``iter_aggregate``'s rows as lists of cells in ``aggregate_columns(care_type)`` order,
    ready for ``csv_chunks`` below (text neutralised, numbers as numbers).

    ``area_total`` = (level, name): write the England row as that level and name with no area
    code (a local authority user's "England" row is their area's total, as
    ``downloads._relabelled`` labels it).
    """
    if not windows:
        return
    cat = catalogue(care_type)
    sql, params = aggregate_query(windows=windows, level=level, care_type=care_type, scope=scope)
    texts = _Neutralised()
    periods: dict[Any, str] = {}  # raw period -> "YYYY-MM", neutralised like any text
    care_home = care_type == CareType.CARE_HOME
    care_text = texts[care_type]
    level_texts = {LEVEL_ORDER[lv]: texts[lv.value] for lv in Level}
    england_rank = LEVEL_ORDER[Level.ENGLAND]
    if area_total is None:
        england = (level_texts[england_rank], texts[ENGLAND_CODE], texts["England"])
    else:
        england = (texts[area_total[0]], "", texts[area_total[1]])
    areas = {LEVEL_ORDER[lv]: where for lv, where in AREA.items()}
    rates_at = FIGURES + len(cat.figures) + len(cat.tallies)
    for raw in stream(sql, params):
        period = raw[PERIOD]
        try:
            period_text = periods[period]
        except KeyError:
            period_text = periods[period] = texts[f"{as_date(period):%Y-%m}"]
        rank = raw[LEVEL_RANK]
        if rank == england_rank:
            level_text, area_code, area_name = england
        else:
            code_at, name_at = areas[rank]
            level_text = level_texts[rank]
            area_code, area_name = texts[raw[code_at]], texts[raw[name_at]]
        owing, returned = raw[OWING], raw[RETURNED]
        out: list[object] = [
            period_text,
            level_text,
            area_code,
            area_name,
            texts[raw[RG_CODE]],
            texts[raw[RG_NAME]],
            texts[raw[LA_CODE]],
            texts[raw[LA_NAME]],
            texts[raw[PR_CODE]],
            texts[raw[PR_NAME]],
            care_text,
            *raw[FIRST_COUNT:PLACES],  # owing, returned, full, unchanged, nil, late, missing
            returned,
            owing,
            None if returned is None or not owing else returned / owing,
        ]
        if care_home:
            out.append(raw[PLACES])
        out += raw[FIGURES:rates_at]  # figures, then tallies
        for num, den in zip(raw[rates_at::2], raw[rates_at + 1 :: 2], strict=True):
            out += (num, den, None if num is None or not den else num / den)
        yield out


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """``capacity_tracker.lib.exports.csv_chunks`` for rows whose cells are already safe
    (``aggregate_csv_rows``): the same BOM, header, line ends and ~64 kB chunks, no per-cell
    check."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff".encode()
    writer.writerow(header)
    write, tell = writer.writerow, buffer.tell
    for row in rows:
        write(row)
        if tell() > CHUNK_CHARS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if tail := buffer.getvalue():
        yield tail.encode("utf-8")


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """``capacity_tracker.lib.exports.csv_response`` for ``aggregate_csv_rows``."""
    response = StreamingHttpResponse(csv_chunks(header, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
