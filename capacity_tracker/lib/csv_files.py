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


def decode_bytes(data: bytes) -> tuple[str, str]:
    if b"\0" in data:
        raise CsvFileError(
            "The file is not a CSV file (it contains binary data). "
            "Save it from your spreadsheet as 'CSV UTF-8' and try again."
        )
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise CsvFileError(
        "The file's text encoding is not UTF-8 or Windows-1252. "
        "Save it from your spreadsheet as 'CSV UTF-8' and try again."
    )


def normalise_header(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().lower()


def read_csv(data: bytes, *, max_rows: int | None = None) -> DecodedCsv:
    """Decode and split a CSV file. Blank lines are skipped; row numbers count the header as 1."""
    text, encoding = decode_bytes(data)
    if not text.strip():
        raise CsvFileError("The file is empty.")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                continue
            rows.append((reader.line_num, cells))
            if max_rows is not None and len(rows) > max_rows:
                raise CsvFileError(
                    f"The file has more than {max_rows:,} rows. Split it and try again."
                )
    except csv.Error as exc:
        raise CsvFileError(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    if header is None:
        raise CsvFileError("The file is empty.")
    return DecodedCsv(encoding=encoding, header=header, rows=rows)


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
