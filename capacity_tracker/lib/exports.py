"""Writing exports: the same header and rows as a streamed CSV or an XLSX file.

Both writers take any iterable of rows and hold only one chunk of them at a time, so a
location-level export of hundreds of thousands of rows costs the same memory as ten. Both
neutralise text a spreadsheet would run as a formula (CSV injection): numbers, booleans and
dates stay what they are, and only text is ever prefixed.
"""

from __future__ import annotations

import datetime
import math
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from capacity_tracker.lib.csv_files import iter_csv_lines, neutralise_text

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The finished XLSX stays in memory up to this size, then moves to a temporary file on disk.
XLSX_SPOOL_BYTES = 8 * 1024 * 1024
# Excel's own limit: longer sheet names make a file Excel refuses to open.
SHEET_TITLE_MAX = 31

XlsxValue = str | int | float | Decimal | bool | datetime.date | datetime.datetime | None


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """UTF-8 bytes with a BOM (so Excel reads the accents), in chunks of about 64 kB."""
    for text in iter_csv_lines(header, rows):
        if text:
            yield text.encode("utf-8")


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(header, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_value(value: object) -> XlsxValue:
    """One cell as openpyxl should store it: numbers as numbers, text neutralised."""
    if value is None or isinstance(value, bool | int | Decimal):
        return value
    if isinstance(value, float):
        # NaN and infinity have no XLSX form and would make the file unreadable.
        return value if math.isfinite(value) else None
    if isinstance(value, datetime.datetime):
        # XLSX has no time zones: write the time as people in England read it.
        return timezone.localtime(value).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, datetime.date):
        return value
    # Control characters are not allowed in XLSX at all; drop them before checking the start,
    # so that "\x01=cmd" cannot slip a formula through.
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return neutralise_text(text)


def xlsx_file(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sheet_title: str = "Data",
    spool_bytes: int = XLSX_SPOOL_BYTES,
) -> IO[bytes]:
    """Write the rows to an XLSX file and return it open, positioned at the start.

    openpyxl's write-only mode streams each row to its own temporary file as it is appended,
    so memory stays flat; the zipped result is spooled to disk once it passes
    ``spool_bytes``. The caller owns the file (FileResponse closes it, which deletes it).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:SHEET_TITLE_MAX])
    sheet.append([xlsx_value(name) for name in header])
    for row in rows:
        sheet.append([xlsx_value(cell) for cell in row])
    out = tempfile.SpooledTemporaryFile(max_size=spool_bytes)  # noqa: SIM115 - returned open
    workbook.save(out)
    out.seek(0)
    return out


def xlsx_response(
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sheet_title: str = "Data",
) -> FileResponse:
    return FileResponse(
        xlsx_file(header, rows, sheet_title=sheet_title),
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )
