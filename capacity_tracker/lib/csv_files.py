"""Reading uploaded or exported CSV files the way spreadsheets actually write them.

Excel's "CSV UTF-8" adds a byte order mark; its plain "CSV" is Windows-1252. We accept those
and plain UTF-8, and refuse anything else with a message a person can act on.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

ENCODINGS = ("utf-8-sig", "cp1252")

# Cells that a spreadsheet would run as a formula when the export is opened (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


class CsvFileError(ValueError):
    """The file as a whole cannot be read: nothing in it is used."""


@dataclass(frozen=True)
class DecodedCsv:
    encoding: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)


# What other files start with, and what to tell the person who chose one. An .xlsx is a zip
# of XML files (the bulk upload reads those: capacity_tracker/lib/xlsx_files.py, before this is
# asked); an .xls, and an .xlsx with a password, is an OLE2 compound file, which nothing reads.
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # how a zip (and so an .xlsx) starts
_SAVE_AS_CSV = "Save it from your spreadsheet as 'CSV UTF-8' and upload it again."
_EXCEL = f"The file is an Excel workbook, not a CSV file. {_SAVE_AS_CSV}"
_OLD_EXCEL = (
    "The file is an Excel 97-2003 workbook (.xls) or has a password. Remove any password and "
    "save it from your spreadsheet as 'Excel Workbook (.xlsx)' or 'CSV UTF-8', then upload it "
    "again."
)
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _OLD_EXCEL),
    (b"%PDF-", f"The file is a PDF, not a CSV file. {_SAVE_AS_CSV}"),
    (b"\x1f\x8b", "The file is compressed (gzip). Upload the CSV file itself."),
    (b"7z\xbc\xaf\x27\x1c", "The file is compressed (7-Zip). Upload the CSV file itself."),
    (b"Rar!", "The file is compressed (RAR). Upload the CSV file itself."),
    (b"\xff\xfe\x00\x00", f"The file is saved as UTF-32 text, not a CSV file. {_SAVE_AS_CSV}"),
    (b"\xff\xfe", f"The file is saved as Unicode text (UTF-16), not a CSV file. {_SAVE_AS_CSV}"),
    (b"\xfe\xff", f"The file is saved as Unicode text (UTF-16), not a CSV file. {_SAVE_AS_CSV}"),
)


def not_a_csv_file(data: bytes) -> str | None:
    """Why ``data`` is plainly some other kind of file, as a message; None if it may be CSV."""
    if data.startswith(ZIP_SIGNATURES):
        if b"[Content_Types].xml" in data and b"xl/" in data:
            return _EXCEL
        if b"application/vnd.oasis.opendocument.spreadsheet" in data[:200]:
            return f"The file is an OpenDocument spreadsheet, not a CSV file. {_SAVE_AS_CSV}"
        return "The file is a zip file. Unzip it and upload the CSV file inside."
    for signature, message in _SIGNATURES:
        if data.startswith(signature):
            return message
    if _looks_like_utf16(data[:2_000]):
        return f"The file is saved as Unicode text (UTF-16), not a CSV file. {_SAVE_AS_CSV}"
    if b"\0" in data:
        return (
            "The file is not a CSV file (it contains binary data). "
            "Save it from your spreadsheet as 'CSV UTF-8' and try again."
        )
    return None


def _looks_like_utf16(head: bytes) -> bool:
    """UTF-16 without a byte order mark: English text has a 0 in every other byte."""
    halves = (head[0::2], head[1::2])
    return len(head) >= 8 and any(half.count(0) >= 0.9 * len(half) for half in halves)


def decode_bytes(data: bytes) -> tuple[str, str]:
    problem = not_a_csv_file(data)
    if problem:
        raise CsvFileError(problem)
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise CsvFileError(
        "The file's text encoding is not UTF-8 or Windows-1252. "
        "Save it from your spreadsheet as 'CSV UTF-8' and try again."
    )


def count_lines(data: bytes) -> int:
    """Lines as the csv module ends them: "\r\n", "\n" or a lone "\r" (Excel for Mac's old
    "CSV (Macintosh)"). Counting only "\n" made a 9,727-row file of "\r" endings one line.
    A line break inside a quoted cell counts too, so this is never fewer than the rows (one
    more for the header), and more than them when a cell has line breaks in it."""
    lines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    return lines + (1 if data and not data.endswith((b"\n", b"\r")) else 0)


def normalise_header(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().lower()


def read_csv(
    data: bytes, *, max_rows: int | None = None, max_columns: int | None = None
) -> DecodedCsv:
    """Decode and split a CSV file. Blank lines are skipped, but still counted.

    Each row is numbered as a spreadsheet shows it: by record, not by line, so a quoted cell
    with a line break in it is still one row, and the rows after it keep their numbers. The
    file's first line is row 1 (the header, in a file from the template), the first data row
    row 2, and a blank line is a row of its own, as it is when the file is opened in Excel.

    ``max_columns`` refuses a row wider than that (empty cells at its end aside, which a
    spreadsheet writes for a formatted column far to the right): a 5 MB file of one-character
    cells is 2.5 million cells, and every one kept, or reported as an error, costs memory."""
    text, encoding = decode_bytes(data)
    if not text.strip():
        raise CsvFileError("The file is empty.")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        # ``reader.line_num`` counts physical lines, so it runs ahead of the spreadsheet's row
        # numbers after a cell with a line break: number the records themselves.
        for number, cells in enumerate(reader, start=1):
            if max_columns is not None and len(cells) > max_columns:
                _refuse_wide_row(cells, max_columns, number)
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                continue
            rows.append((number, cells))
            if max_rows is not None and len(rows) > max_rows:
                raise CsvFileError(
                    f"The file has more than {max_rows:,} rows. Split it and try again."
                )
    except csv.Error as exc:
        raise CsvFileError(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    if header is None:
        raise CsvFileError("The file is empty.")
    return DecodedCsv(encoding=encoding, header=header, rows=rows)


def _refuse_wide_row(cells: list[str], max_columns: int, row: int) -> None:
    """Drop the empty cells at the end of a row; raise if it is still too wide."""
    end = len(cells)
    while end > max_columns and not cells[end - 1].strip():
        end -= 1
    if end > max_columns:
        raise CsvFileError(
            f"Row {row} has more than {max_columns:,} columns. Remove the columns that are "
            "not in the template and try again."
        )
    del cells[end:]


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet run this text as a formula? Excel and LibreOffice skip leading
    spaces before looking for "=", so " =HYPERLINK(...)" counts too."""
    return text.startswith(FORMULA_PREFIXES) or text.lstrip().startswith(FORMULA_PREFIXES)


def neutralise_text(text: str) -> str:
    """Prefix formula-like text with an apostrophe: shown as text, never run."""
    return "'" + text if is_formula_like(text) else text


def escape_cell(value: object) -> str:
    """Neutralise a cell that a spreadsheet would run as a formula."""
    if value is None:
        return ""
    # Numbers and dates are written by us, never typed by a user: "-3" from an int is data,
    # not a formula. Anything else becomes text, and text is checked.
    if isinstance(value, int | float | Decimal | datetime.date):
        return str(value)
    return neutralise_text(str(value))


def iter_csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Lines for a streamed download, starting with a BOM so that Excel reads UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow(header)
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
