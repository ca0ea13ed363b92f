"""Reading uploaded XLSX workbooks into the same header and rows as ``read_csv``.

Excel, LibreOffice and openpyxl each write the format a little differently (shared strings or
inline strings, whole numbers as "12" or "12.0", dates as numbers with a date format), so every
cell is turned back into the text a person would have typed. A workbook is a zip of XML files:
the sizes the zip declares are checked before anything is decompressed, so a small upload cannot
expand into gigabytes (Python's zipfile never reads past a part's declared size).
"""

from __future__ import annotations

import datetime
import io
import logging
import re
import warnings
import zipfile
from dataclasses import dataclass, field

from capacity_tracker.lib.csv_files import ZIP_SIGNATURES, CsvFileError

logger = logging.getLogger(__name__)

ENCODING = "xlsx"  # what BulkUpload.encoding records for a workbook
# Our largest template (10,000 rows of 40 numbers) is about 15 MB of sheet XML.
MAX_PART_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_PARTS = 1_000
_WORKBOOK_PART = b"xl/workbook.xml"
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_RESAVE = (
    "Open it in your spreadsheet, save it again as 'Excel Workbook (.xlsx)' or 'CSV UTF-8', "
    "and upload it again."
)


@dataclass(frozen=True)
class DecodedSheet:
    """As ``csv_files.DecodedCsv``, plus where the cells formatted as dates were."""

    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as the spreadsheet shows it, cells)
    date_cells: frozenset[tuple[int, int]] = field(default_factory=frozenset)  # (row, column)
    encoding: str = ENCODING
    sheet: str = ""


def looks_like_xlsx(data: bytes) -> bool:
    """A zip holding xl/workbook.xml. Zip part names are stored uncompressed, so this also
    finds a damaged workbook, which then gets a message about damage rather than about CSV."""
    return data.startswith(ZIP_SIGNATURES) and _WORKBOOK_PART in data


def count_rows(data: bytes) -> int:
    """At least as many rows as any sheet has (every sheet's <row> elements counted), without
    building the workbook: used to decide whether the worker reads it. 1 if it cannot be read
    (the reader then refuses it quickly)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_sizes(archive)
            return max(
                1,
                sum(
                    len(_ROW_TAG.findall(archive.read(info)))
                    for info in archive.infolist()
                    if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
                ),
            )
    except (zipfile.BadZipFile, CsvFileError, OSError, ValueError, EOFError, NotImplementedError):
        return 1


def _check_sizes(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise CsvFileError(f"The workbook has too many parts to be read. {_RESAVE}")
    too_big = any(info.file_size > MAX_PART_BYTES for info in infos)
    if too_big or sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        raise CsvFileError(
            f"The workbook is too big to read: a sheet is over {MAX_PART_BYTES // 1024 // 1024} "
            "MB when unpacked. Delete the rows and columns that are not in the template, or "
            "split the file, and try again."
        )


def cell_text(value: object) -> str:
    """A cell as the text a person typed: 12.0 is "12"; a date is 2026-12-01."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: True is an int
        return "yes" if value else "no"  # TRUE typed into a yes/no column
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # every number in XLSX is a float; LibreOffice writes 12.0
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def read_xlsx(
    data: bytes, *, max_rows: int, max_columns: int, sheet_name: str = ""
) -> DecodedSheet:
    """The sheet called ``sheet_name`` if there is one, else the first worksheet.

    Blank rows are skipped and empty cells at the end of a row dropped; row numbers are the
    spreadsheet's. Raises ``CsvFileError`` with a message for the person for anything wrong."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise CsvFileError(
            f"The file looks like an Excel workbook but is damaged. {_RESAVE}"
        ) from None
    with archive:
        _check_sizes(archive)
        if any(info.flag_bits & 0x1 for info in archive.infolist()):
            raise CsvFileError(f"The workbook is encrypted. Remove its password. {_RESAVE}")
    try:
        return _read_sheet(data, max_rows, max_columns, sheet_name)
    except CsvFileError:
        raise
    # openpyxl raises many kinds of error for a malformed part (KeyError for a missing one,
    # ValueError or ParseError for bad XML, TypeError for a wrong attribute); all mean the same
    # to the person, and none may escape: the upload must end with a message.
    except Exception:
        logger.info("Unreadable XLSX upload", exc_info=True)
        raise CsvFileError(f"The workbook cannot be read. {_RESAVE}") from None


def _read_sheet(data: bytes, max_rows: int, max_columns: int, sheet_name: str) -> DecodedSheet:
    import openpyxl  # imported here: most uploads are CSV, and openpyxl is slow to import

    with warnings.catch_warnings():
        # "Workbook contains no default style" and the like: harmless, and not for the log.
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = book.worksheets
            if not sheets:
                raise CsvFileError(f"The workbook has no sheets. {_RESAVE}")
            named = [s for s in sheets if s.title.strip().lower() == sheet_name.lower()]
            sheet = named[0] if sheet_name and named else sheets[0]
            # The declared size ("A1:XFD1048576" after formatting whole columns) would pad every
            # row to it; without it each row is as long as its last cell, capped below.
            sheet.reset_dimensions()
            header: list[str] | None = None
            rows: list[tuple[int, list[str]]] = []
            dates: set[tuple[int, int]] = set()
            # One column more than allowed: a value there means the row is too wide. Cells
            # further right are not read at all, so a stray one there cannot cost memory.
            iterator = sheet.iter_rows(max_col=max_columns + 1, values_only=True)
            for number, values in enumerate(iterator, start=1):
                cells = [cell_text(value) for value in values]
                while cells and not cells[-1].strip():
                    cells.pop()
                if not cells:
                    continue
                if len(cells) > max_columns:
                    raise CsvFileError(
                        f"Row {number} has more than {max_columns:,} columns. Remove the columns "
                        "that are not in the template and try again."
                    )
                if header is None:
                    header = [cell.strip() for cell in cells]
                    continue
                dates.update(
                    (number, index)
                    for index, value in enumerate(values[: len(cells)])
                    if isinstance(value, datetime.date | datetime.time)
                )
                rows.append((number, cells))
                if len(rows) > max_rows:
                    raise CsvFileError(
                        f"The file has more than {max_rows:,} rows. Split it and try again."
                    )
            title = sheet.title
        finally:
            book.close()
    if header is None:
        raise CsvFileError("The file is empty.")
    return DecodedSheet(header=header, rows=rows, date_cells=frozenset(dates), sheet=title)
