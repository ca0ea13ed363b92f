"""The bulk template as an Excel workbook: the CSV template's columns and rows, made harder to
get wrong in a spreadsheet.

The columns that say which location a row is for are locked (the sheet is protected, with no
password: it prevents slips, not determined edits, and the upload checks every ID anyway); the
return kind and nil reason columns offer a drop-down of the values the upload accepts; the
header row stays in view. Written with openpyxl's write-only mode, one row at a time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from capacity_tracker.lib.exports import XLSX_SPOOL_BYTES, xlsx_value
from returns.bulk.parsing import (
    CARE_TYPE,
    KINDS,
    LOCATION_ID,
    LOCATION_NAME,
    NIL_REASON,
    RETURN_KIND,
    TEMPLATE_SHEET,
)
from returns.models import NilReason

LOCKED_COLUMNS = (LOCATION_ID, LOCATION_NAME, CARE_TYPE)
# The values the upload accepts (returns/bulk/parsing.py checks against the same ones).
RETURN_KIND_CHOICES = tuple(KINDS)
NIL_REASON_CHOICES = tuple(NilReason.values)


def _choices(column: str, values: Sequence[str], *, allow_blank: bool, what: str) -> DataValidation:
    listed = ", ".join(values)
    return DataValidation(
        type="list",
        formula1=f'"{",".join(values)}"',  # Excel's limit is 255 characters; ours are ~60
        allow_blank=allow_blank,
        showDropDown=False,  # False shows the arrow (the OOXML attribute means "hide it")
        showErrorMessage=True,
        errorTitle=f"Check the {column}",
        error=f"Enter {what}: {listed}",
        showInputMessage=True,
        promptTitle=column,
        prompt=f"{what[0].upper()}{what[1:]}: {listed}",
    )


def template_workbook(header: Sequence[str], rows: Iterable[Sequence[object]]) -> IO[bytes]:
    """The workbook, open and at its start; the caller closes it (FileResponse does)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(TEMPLATE_SHEET)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 2)
    locked = Protection(locked=True)
    unlocked = Protection(locked=False)
    bold = Font(bold=True)

    def cell(value: object, *, is_locked: bool, font: Font | None = None) -> Cell:
        written = WriteOnlyCell(sheet)
        # Set after: the setter takes every cell value (the function's stubs list fewer).
        written.value = xlsx_value(value)
        written.protection = locked if is_locked else unlocked
        if font is not None:
            written.font = font
        return written

    sheet.append([cell(name, is_locked=True, font=bold) for name in header])
    is_locked = [name in LOCKED_COLUMNS for name in header]
    count = 0
    for row in rows:
        sheet.append(
            [cell(value, is_locked=lock) for value, lock in zip(row, is_locked, strict=True)]
        )
        count += 1
    if count:
        last = count + 1
        for column, validation in (
            (
                RETURN_KIND,
                _choices(
                    RETURN_KIND, RETURN_KIND_CHOICES, allow_blank=False, what="the return kind"
                ),
            ),
            (
                NIL_REASON,
                _choices(
                    NIL_REASON,
                    NIL_REASON_CHOICES,
                    allow_blank=True,
                    what="the reason for a nil return",
                ),
            ),
        ):
            if column in header:
                letter = get_column_letter(list(header).index(column) + 1)
                validation.add(f"{letter}2:{letter}{last}")
                sheet.data_validations.append(validation)
    # No password; filtering, sorting and resizing stay allowed. Deleting rows is allowed too,
    # though Excel refuses to delete a row with locked cells: the start page says how to
    # unprotect the sheet for that.
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
    protection.autoFilter = False
    protection.sort = False
    protection.deleteRows = False
    out = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115 - returned open
    book.save(out)
    out.seek(0)
    return out
