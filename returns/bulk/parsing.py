"""Bulk update by CSV or XLSX, the pure half: parse a file and check its rows (no database).

A workbook is told from a CSV file by its content, not its name: people rename files.

See returns/bulk/save.py for the whole flow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from capacity_tracker.lib.csv_files import (
    FORMULA_PREFIXES,
    CsvFileError,
    count_lines,
    normalise_header,
    read_csv,
)
from capacity_tracker.lib.xlsx_files import count_rows, looks_like_xlsx, read_xlsx
from providers.models import CareType
from returns.models import (
    NilReason,
    ReturnKind,
)
from returns.validation import Dataset, ItemSpec, clean_answers
from returns.warnings import FigureWarning, WarningRuleSpec, warnings_for

# Limits, stated on the upload page. 10,000 rows is four times the largest provider group's
# location x care type count; 5 MB holds that with room to spare (about 150 bytes a row).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# Bigger files are checked and saved by the worker, with a progress page. bench/bench_bulk.py:
# 5,000 rows take about 0.5 s to check and 2-3 s to save, so 1,000 rows stay under a second.
INLINE_MAX_ROWS = 1_000
# A file this big is checked by the worker however few rows it has (a 1,000-row return file is
# about 150 KB).
INLINE_MAX_BYTES = 1_000_000
# A file with more errors than this is the wrong file: keep the first ones, count them all.
# ``check_rows`` stops keeping them here too: a 5 MB file of stray cells once built 2.4 million.
MAX_STORED_ERRORS = 5_000
# Soft warnings (returns/warnings.py) kept for the preview, which shows them all; counted in full.
MAX_STORED_WARNINGS = 5_000
# The widest template is about 40 columns; a row wider than this is not one of ours.
MAX_COLUMNS = 200
PROGRESS_EVERY = 250
BATCH = 1_000

LOCATION_ID = "location_id"
LOCATION_NAME = "location_name"
CARE_TYPE = "care_type"
RETURN_KIND = "return_kind"
NIL_REASON = "nil_reason"
NIL_DETAIL = "nil_reason_detail"
LEADING_COLUMNS = (LOCATION_ID, LOCATION_NAME, CARE_TYPE, RETURN_KIND)
TRAILING_COLUMNS = (NIL_REASON, NIL_DETAIL)
REQUIRED_COLUMNS = (LOCATION_ID, CARE_TYPE, RETURN_KIND)
NIL_DETAIL_MAX = 500
# The template workbook's sheet; an upload is read from the sheet of this name, else its first.
TEMPLATE_SHEET = "Returns"
DATE_IN_NUMBER = (
    "This cell is formatted as a date in your spreadsheet. Format the column as a number "
    "and enter the figure again"
)

KINDS = {"full": ReturnKind.FULL, "unchanged": ReturnKind.UNCHANGED, "nil": ReturnKind.NIL}
NIL_REASONS: dict[str, str] = {
    **{value: value for value in NilReason.values},
    **{str(label).lower(): value for value, label in NilReason.choices},
}


# --- 1. Parsing (pure) ----------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    """One problem: ``row`` is the spreadsheet's row number, None for the file or its header."""

    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}

    @property
    def text(self) -> str:
        """As the preview shows it: Row 12, beds_occupied: Occupied beds cannot be more ..."""
        where = [f"Row {self.row}"] if self.row is not None else []
        if self.column:
            where.append(self.column)
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class ParsedRow:
    number: int
    values: dict[str, str]  # column key -> cell, "" where the row is short
    stray: tuple[str, ...] = ()  # letters of non-empty cells under no heading
    dates: frozenset[str] = frozenset()  # column keys of cells a workbook formatted as dates

    @property
    def cqc_id(self) -> str:
        return self.values.get(LOCATION_ID, "").strip()

    @property
    def care_type(self) -> str:
        """'care_home', 'Care home' and 'care-home' all mean care_home."""
        return column_key(self.values.get(CARE_TYPE, ""))

    @property
    def kind(self) -> str:
        return self.values.get(RETURN_KIND, "").strip().lower()


@dataclass
class ParsedFile:
    encoding: str = ""
    columns: list[str] = field(default_factory=list)  # column keys in file order
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)  # about the file as a whole


def column_key(name: str) -> str:
    """'Location ID', 'location-id' and 'location_id' are the same column."""
    return re.sub(r"[\s-]+", "_", normalise_header(name))


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def unescape_cell(text: str) -> str:
    """Undo ``escape_cell``: our templates write "'=..." so that Excel does not run it."""
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def template_columns(datasets: Sequence[Dataset]) -> list[str]:
    codes: list[str] = []
    for dataset in datasets:
        codes += [code for code in dataset.codes if code not in codes]
    return [*LEADING_COLUMNS, *codes, *TRAILING_COLUMNS]


def estimated_rows(content: bytes) -> int:
    """Rows before the file is read, to choose between the request and the worker: lines
    ended as the csv module ends them ("\r" alone too), or a workbook's <row> elements, so
    never fewer than there are rows."""
    if looks_like_xlsx(content):
        return count_rows(content)
    return max(count_lines(content), 1)


def parse_file(
    content: bytes, *, datasets: Mapping[str, Dataset], max_rows: int | None = None
) -> ParsedFile:
    """Decode the file and check its header. Never raises for anything in ``content``."""
    limits = {"max_rows": max_rows or MAX_ROWS, "max_columns": MAX_COLUMNS}
    date_cells: frozenset[tuple[int, int]] = frozenset()
    try:
        if looks_like_xlsx(content):
            sheet = read_xlsx(content, sheet_name=TEMPLATE_SHEET, **limits)
            encoding, header, data_rows = sheet.encoding, sheet.header, sheet.rows
            date_cells = sheet.date_cells
        else:
            decoded = read_csv(content, **limits)
            encoding, header, data_rows = decoded.encoding, decoded.header, decoded.rows
    except CsvFileError as exc:
        return ParsedFile(errors=[CellError(None, "", str(exc))])
    parsed = ParsedFile(encoding=encoding)
    known = set(template_columns(list(datasets.values())))
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, name in enumerate(header):
        key = column_key(name)
        parsed.columns.append(key)
        if not key:
            continue  # a blank heading: any data under it is reported row by row
        if key in positions:
            parsed.errors.append(
                CellError(
                    None,
                    key,
                    f"The column {key} appears more than once (columns "
                    f"{column_letter(positions[key])} and {column_letter(index)}). Keep one of them.",
                )
            )
            continue
        positions[key] = index
        if key not in known:
            unknown.append(name.strip()[:40])
    missing = [key for key in REQUIRED_COLUMNS if key not in positions]
    if missing and len(missing) == len(REQUIRED_COLUMNS):
        parsed.errors.append(
            CellError(
                None,
                "",
                "The first row of the file must be the header row from the template "
                f"({', '.join(LEADING_COLUMNS)}, …). Download the template and copy your "
                "figures into it.",
            )
        )
        return parsed
    if missing:
        parsed.errors.append(
            CellError(
                None, "", f"The file is missing the {_and(missing)} column{_s(missing)}. Add it."
            )
        )
    if unknown:
        parsed.errors.append(
            CellError(
                None,
                "",
                f"The file has column{_s(unknown)} we do not recognise: "
                f"{', '.join(unknown[:10])}{' and others' if len(unknown) > 10 else ''}. "
                "Remove them, or check the spelling against the template.",
            )
        )
    for number, cells in data_rows:
        values = {key: "" for key in positions}
        for key, index in positions.items():
            if index < len(cells):
                values[key] = unescape_cell(cells[index].strip())
        stray = tuple(
            column_letter(index)
            for index, cell in enumerate(cells)
            if cell.strip() and (index >= len(parsed.columns) or not parsed.columns[index])
        )
        dates = (
            frozenset(key for key, index in positions.items() if (number, index) in date_cells)
            if date_cells
            else frozenset()
        )
        parsed.rows.append(ParsedRow(number=number, values=values, stray=stray, dates=dates))
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(
            CellError(
                None,
                "",
                "The file has a header row but no rows of figures. Add a row for each location "
                "you want to update.",
            )
        )
    # Full returns need every item column of their care type; nil and unchanged rows need
    # none, so a file of nil returns can be just the first four columns and nil_reason.
    for care_type, dataset in datasets.items():
        if any(row.care_type == care_type and row.kind == "full" for row in parsed.rows):
            absent = [code for code in dataset.codes if code not in positions]
            if absent:
                parsed.errors.append(
                    CellError(
                        None,
                        "",
                        f"The file has full {CareType(care_type).label.lower()} returns but "
                        f"no {_and(absent)} column{_s(absent)}. Download a new template to see "
                        "every column.",
                    )
                )
    return parsed


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _s(words: Sequence[object]) -> str:
    return "" if len(words) == 1 else "s"


# --- 2. Checking rows (pure) ----------------------------------------------------------------


@dataclass(frozen=True)
class LocationFact:
    pk: int
    cqc_id: str
    name: str
    care_types: tuple[str, ...]
    editable: bool


@dataclass(frozen=True)
class CheckContext:
    datasets: Mapping[str, Dataset]
    locations: Mapping[str, LocationFact]  # by CQC ID: every ID in the file that exists
    previous: Mapping[tuple[int, str], Mapping[str, Any]]  # last figures per (location, care type)
    saved_this_window: frozenset[tuple[int, str]] = frozenset()
    not_in_file: Callable[[set[tuple[int, str]]], int | None] | None = None
    # Soft warnings: the active rules, and the newest version's answers (any kind, any month)
    # per (location, care type) that a full row's figures are compared with.
    warning_rules: tuple[WarningRuleSpec, ...] = ()
    latest: Mapping[tuple[int, str], Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class GoodRow:
    number: int
    location: LocationFact
    care_type: str
    kind: str
    answers: dict[str, Any]
    nil_reason: str
    nil_reason_detail: str
    dataset_version_id: int | None
    warnings: tuple[FigureWarning, ...] = ()  # never blocking: saved with the version


@dataclass
class CheckResult:
    errors: list[CellError]  # the first MAX_STORED_ERRORS
    good: list[GoodRow]
    counts: dict[str, Any]
    error_count: int = -1  # every error found; -1: as many as ``errors`` holds
    # The preview's "Check these figures": the first MAX_STORED_WARNINGS (see warning_rows).
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.error_count < 0:
            self.error_count = len(self.errors)


def check_rows(
    parsed: ParsedFile,
    context: CheckContext,
    *,
    on_progress: Callable[[int], object] | None = None,
) -> CheckResult:
    """Check every row; a row's figures only if it names a location, care type and kind."""
    if parsed.errors:
        return refused_result(list(parsed.errors), len(parsed.rows))
    errors: list[CellError] = []
    error_count = 0
    good: list[GoodRow] = []
    first_row_of: dict[tuple[int, str], int] = {}
    all_codes = {code for dataset in context.datasets.values() for code in dataset.codes}
    for done, row in enumerate(parsed.rows, start=1):
        outcome = _check_row(row, context, first_row_of, all_codes)
        if isinstance(outcome, GoodRow):
            good.append(outcome)
        else:
            error_count += len(outcome)
            errors.extend(outcome[: max(MAX_STORED_ERRORS - len(errors), 0)])
        if on_progress is not None and done % PROGRESS_EVERY == 0:
            on_progress(done)
    pairs = {(row.location.pk, row.care_type) for row in good}
    counts: dict[str, Any] = {
        "rows": len(parsed.rows),
        **{kind: sum(1 for row in good if row.kind == kind) for kind in ReturnKind.values},
        "already_saved": len(pairs & context.saved_this_window),
        "care_types": sorted({row.care_type for row in good}),
    }
    if not errors and context.not_in_file is not None:
        counts["not_in_file"] = context.not_in_file(pairs)
    warned = warning_rows(good, context.datasets) if not errors else []
    if context.warning_rules and not errors:
        counts["warnings"] = sum(len(row.warnings) for row in good)  # the preview keeps fewer
    return CheckResult(
        errors=errors, good=good, counts=counts, error_count=error_count, warnings=warned
    )


def warning_rows(good: Sequence[GoodRow], datasets: Mapping[str, Dataset]) -> list[dict[str, Any]]:
    """The rows' soft warnings as the preview shows them: row, location, care type, the item's
    label, and the warning itself (``FigureWarning.as_dict``). The first MAX_STORED_WARNINGS."""
    labels = {
        (care_type, item.code): item.label
        for care_type, dataset in datasets.items()
        for item in dataset.items
    }
    shown: list[dict[str, Any]] = []
    for row in good:
        for warning in row.warnings:
            if len(shown) >= MAX_STORED_WARNINGS:
                return shown
            shown.append(
                {
                    "row": row.number,
                    "location": row.location.cqc_id,
                    "location_name": row.location.name,
                    "care_type": row.care_type,
                    "care_type_label": str(CareType(row.care_type).label),
                    "item_label": labels.get((row.care_type, warning.item), warning.item),
                    **warning.as_dict(),
                }
            )
    return shown


def _check_row(
    row: ParsedRow,
    context: CheckContext,
    first_row_of: dict[tuple[int, str], int],
    all_codes: set[str],
) -> GoodRow | list[CellError]:
    errors: list[CellError] = [
        CellError(row.number, f"column {letter}", "This column has no heading. Remove the data.")
        for letter in row.stray
    ]

    def fail(column: str, message: str) -> list[CellError]:
        return [*errors, CellError(row.number, column, message)]

    cqc_id = row.cqc_id
    if not cqc_id:
        return fail(LOCATION_ID, "Enter the location ID, like 1-1234567890")
    location = context.locations.get(cqc_id)
    if location is None:
        return fail(
            LOCATION_ID,
            f"There is no location with the ID {cqc_id[:20]}. Check it against the template.",
        )
    if not location.editable:
        return fail(
            LOCATION_ID, f"You cannot update {cqc_id}: your account does not give you access to it"
        )
    care_type = row.care_type
    if care_type not in context.datasets:
        return fail(CARE_TYPE, "Enter the care type: care_home or home_care")
    if care_type not in location.care_types:
        return fail(
            CARE_TYPE,
            f"{location.name} does not offer {CareType(care_type).label.lower()} services",
        )
    earlier = first_row_of.setdefault((location.pk, care_type), row.number)
    if earlier != row.number:
        return fail(
            LOCATION_ID,
            f"{cqc_id} ({CareType(care_type).label.lower()}) is already in row {earlier}. "
            "Each location and care type can be in the file only once.",
        )
    kind = KINDS.get(row.kind)
    if kind is None:
        return fail(RETURN_KIND, "Enter the return kind: full, unchanged or nil")
    dataset = context.datasets[care_type]
    if kind == ReturnKind.NIL:
        return _check_nil(row, errors, location, care_type, dataset)
    for code in sorted(all_codes - set(dataset.codes)):
        if row.values.get(code, "").strip():
            label = CareType(care_type).label.lower()
            errors.append(
                CellError(row.number, code, f"Leave this empty: it is not asked for {label}")
            )
    if kind == ReturnKind.FULL:
        cleaned = clean_answers(dataset, {code: row.values.get(code, "") for code in dataset.codes})
        errors += [
            CellError(row.number, code, DATE_IN_NUMBER if code in row.dates else message)
            for code, message in cleaned.errors.items()
        ]
        answers = cleaned.answers
    else:
        answers, unchanged_errors = _check_unchanged(row, context, location, care_type, dataset)
        errors += unchanged_errors
    if errors:
        return errors
    # Full rows only: an unchanged row repeats figures already sent (and checked) before.
    warned = (
        tuple(
            warnings_for(
                answers, context.latest.get((location.pk, care_type)), context.warning_rules
            )
        )
        if kind == ReturnKind.FULL and context.warning_rules
        else ()
    )
    return GoodRow(
        number=row.number,
        location=location,
        care_type=care_type,
        kind=kind,
        answers=answers,
        nil_reason="",
        nil_reason_detail="",
        dataset_version_id=dataset.version_id,
        warnings=warned,
    )


def _check_nil(
    row: ParsedRow,
    errors: list[CellError],
    location: LocationFact,
    care_type: str,
    dataset: Dataset,
) -> GoodRow | list[CellError]:
    """Figures on a nil row are ignored (they are often the template's pre-filled ones)."""
    raw = row.values.get(NIL_REASON, "").strip().lower()
    reason = NIL_REASONS.get(raw) or NIL_REASONS.get(raw.replace(" ", "_"))
    detail = row.values.get(NIL_DETAIL, "").strip()
    if reason is None:
        choices = _and([f"{value}" for value in NilReason.values]).replace(" and ", " or ")
        errors.append(
            CellError(row.number, NIL_REASON, f"Enter why this is a nil return: {choices}")
        )
    elif reason == NilReason.OTHER and not detail:
        errors.append(CellError(row.number, NIL_DETAIL, "Enter the reason for the nil return"))
    if len(detail) > NIL_DETAIL_MAX:
        errors.append(
            CellError(
                row.number,
                NIL_DETAIL,
                f"The reason for the nil return must be {NIL_DETAIL_MAX} characters or fewer",
            )
        )
    if errors or reason is None:
        return errors
    return GoodRow(
        number=row.number,
        location=location,
        care_type=care_type,
        kind=ReturnKind.NIL,
        answers={},
        nil_reason=reason,
        nil_reason_detail=detail,
        dataset_version_id=dataset.version_id,
    )


def _check_unchanged(
    row: ParsedRow,
    context: CheckContext,
    location: LocationFact,
    care_type: str,
    dataset: Dataset,
) -> tuple[dict[str, Any], list[CellError]]:
    """As the portal's "nothing has changed": copy the last figures, which must still answer
    today's questions. A figure typed into an unchanged row that differs from them is an error:
    silently dropping it would lose what the person meant to send."""
    previous = context.previous.get((location.pk, care_type))
    if previous is None:
        return {}, [
            CellError(
                row.number,
                RETURN_KIND,
                "There are no earlier figures to confirm for this location. Fill in the "
                "figures and set return_kind to full.",
            )
        ]
    cleaned = clean_answers(dataset, {k: "" if v is None else str(v) for k, v in previous.items()})
    if not cleaned.is_valid:
        return {}, [
            CellError(
                row.number,
                RETURN_KIND,
                "The questions have changed since your last return, so it cannot be confirmed "
                "as unchanged. Fill in the figures and set return_kind to full.",
            )
        ]
    errors = []
    for item in dataset.items:
        typed = row.values.get(item.code, "")
        if typed.strip() and _clean_item(dataset, item, typed) != cleaned.answers[item.code]:
            shown = cleaned.answers[item.code]
            errors.append(
                CellError(
                    row.number,
                    item.code,
                    f"This is different from your last figures ({'empty' if shown is None else shown}). "
                    "To send new figures, set return_kind to full.",
                )
            )
    return cleaned.answers, errors


def _clean_item(dataset: Dataset, item: ItemSpec, raw: str) -> object:
    """One cell through the shared validation; an invalid value compares unequal to anything."""
    one = Dataset(
        version_id=dataset.version_id,
        care_type=dataset.care_type,
        items=(item,),
        rules=(),
        campaign=dataset.campaign,
    )
    cleaned = clean_answers(one, {item.code: raw})
    return cleaned.answers[item.code] if cleaned.is_valid else object()


def refused_result(errors: list[CellError], rows: int, error_count: int = -1) -> CheckResult:
    """A result with nothing to save: the file as a whole, or every row, was refused."""
    return CheckResult(errors=errors, good=[], counts={"rows": rows}, error_count=error_count)
