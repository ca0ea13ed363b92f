"""Bulk update by CSV: read a file, check every row exactly as the portal would, then save it all.

Three layers, so that the rules can be tested without a database:

1. ``parse_file`` (pure): bytes to a header and rows, or file-level errors.
2. ``check_rows`` (pure): rows plus a ``CheckContext`` of facts looked up in advance, to
   errors or to the rows that will be saved. Every row's figures go through
   ``returns.validation.clean_answers``, the portal form's own checks.
3. Database reads (``load_context``, ``template_rows``) and writes (``bulk_upload_create``,
   ``bulk_check``, ``bulk_apply``) use a fixed number of queries whatever the number of rows
   (batches of ``BATCH`` aside), and the apply is one transaction: every row is saved, or none.

The apply re-checks the file with the return heads locked, so a row that has become invalid
since the preview (access removed, figures changed under an "unchanged" row) saves nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber

from capacity_tracker.lib.csv_files import (
    FORMULA_PREFIXES,
    CsvFileError,
    normalise_header,
    read_csv,
)
from capacity_tracker.lib.db import advisory_xact_lock
from providers.access import Role, editable_locations, role_of
from providers.audit import audit_record, audit_record_many
from providers.models import CareType, Location, Provider, User
from returns.datasets import dataset_for
from returns.models import (
    BulkUpload,
    CollectionWindow,
    NilReason,
    Return,
    ReturnKind,
    ReturnSource,
    ReturnVersion,
)
from returns.selectors import latest_opened_window
from returns.submission import Submitter, new_reference
from returns.validation import Dataset, ItemSpec, clean_answers

# Limits, stated on the upload page. 10,000 rows is four times the largest provider group's
# location x care type count; 5 MB holds that with room to spare (about 150 bytes a row).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# Bigger files are checked and saved by the worker, with a progress page. bench/bench_bulk.py:
# 5,000 rows take about 0.5 s to check and 2-3 s to save, so 1,000 rows stay under a second.
INLINE_MAX_ROWS = 1_000
# A file with more errors than this is the wrong file: keep the first ones, count them all.
MAX_STORED_ERRORS = 5_000
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


def parse_file(
    content: bytes, *, datasets: Mapping[str, Dataset], max_rows: int | None = None
) -> ParsedFile:
    """Decode the file and check its header. Never raises for anything in ``content``."""
    try:
        decoded = read_csv(content, max_rows=max_rows or MAX_ROWS)
    except CsvFileError as exc:
        return ParsedFile(errors=[CellError(None, "", str(exc))])
    parsed = ParsedFile(encoding=decoded.encoding)
    known = set(template_columns(list(datasets.values())))
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, name in enumerate(decoded.header):
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
    for number, cells in decoded.rows:
        values = {key: "" for key in positions}
        for key, index in positions.items():
            if index < len(cells):
                values[key] = unescape_cell(cells[index].strip())
        stray = tuple(
            column_letter(index)
            for index, cell in enumerate(cells)
            if cell.strip() and (index >= len(parsed.columns) or not parsed.columns[index])
        )
        parsed.rows.append(ParsedRow(number=number, values=values, stray=stray))
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


@dataclass
class CheckResult:
    errors: list[CellError]
    good: list[GoodRow]
    counts: dict[str, Any]


def check_rows(
    parsed: ParsedFile,
    context: CheckContext,
    *,
    on_progress: Callable[[int], object] | None = None,
) -> CheckResult:
    """Check every row; a row's figures only if it names a location, care type and kind."""
    if parsed.errors:
        return _refused(list(parsed.errors), len(parsed.rows))
    errors: list[CellError] = []
    good: list[GoodRow] = []
    first_row_of: dict[tuple[int, str], int] = {}
    all_codes = {code for dataset in context.datasets.values() for code in dataset.codes}
    for done, row in enumerate(parsed.rows, start=1):
        outcome = _check_row(row, context, first_row_of, all_codes)
        if isinstance(outcome, GoodRow):
            good.append(outcome)
        else:
            errors.extend(outcome)
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
    return CheckResult(errors=errors, good=good, counts=counts)


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
        errors += [CellError(row.number, code, message) for code, message in cleaned.errors.items()]
        answers = cleaned.answers
    else:
        answers, unchanged_errors = _check_unchanged(row, context, location, care_type, dataset)
        errors += unchanged_errors
    if errors:
        return errors
    return GoodRow(
        number=row.number,
        location=location,
        care_type=care_type,
        kind=kind,
        answers=answers,
        nil_reason="",
        nil_reason_detail="",
        dataset_version_id=dataset.version_id,
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


# --- 3. Database: reads ---------------------------------------------------------------------


def datasets_for(window: CollectionWindow) -> dict[str, Dataset]:
    return {care_type: dataset_for(window.period_obj, care_type) for care_type in CareType.values}


def latest_versions(
    location_ids: Iterable[int], *, figures_only: bool
) -> dict[tuple[int, str], ReturnVersion]:
    """The newest version per (location, care type) in one query, whatever the month.

    With ``figures_only`` this is ``submission.previous_figures`` for many locations at once.
    """
    versions = ReturnVersion.objects.filter(return_head__location_id__in=list(location_ids))
    if figures_only:
        versions = versions.filter(kind__in=[ReturnKind.FULL, ReturnKind.UNCHANGED])
    ranked = versions.annotate(
        head_location=F("return_head__location_id"),
        head_care_type=F("return_head__care_type"),
        rank=Window(
            RowNumber(),
            partition_by=[F("return_head__location_id"), F("return_head__care_type")],
            order_by=[F("submitted_at").desc(), F("pk").desc()],
        ),
    ).filter(rank=1)
    return {(v.head_location, v.head_care_type): v for v in ranked}


@dataclass
class _Located:
    facts: dict[str, LocationFact]
    instances: dict[int, Location]


def _locate(parsed: ParsedFile, user: User) -> _Located:
    ids = {row.cqc_id for row in parsed.rows} - {""}
    found = list(
        Location.objects.filter(cqc_id__in=ids).only(
            "pk", "cqc_id", "name", "offers_care_home", "offers_home_care"
        )
    )
    allowed = set(
        editable_locations(user)
        .filter(pk__in=[loc.pk for loc in found])
        .values_list("pk", flat=True)
    )
    return _Located(
        facts={
            loc.cqc_id: LocationFact(
                pk=loc.pk,
                cqc_id=loc.cqc_id,
                name=loc.name,
                care_types=tuple(str(ct) for ct in loc.care_types),
                editable=loc.pk in allowed,
            )
            for loc in found
        },
        instances={loc.pk: loc for loc in found},
    )


def _unchanged_location_ids(parsed: ParsedFile, located: _Located) -> set[int]:
    return {
        located.facts[cqc_id].pk
        for row in parsed.rows
        if row.kind == ReturnKind.UNCHANGED and (cqc_id := row.cqc_id) in located.facts
    }


def _not_in_file_counter(user: User) -> Callable[[set[tuple[int, str]]], int | None]:
    """For provider users: how many of their location x care types the file leaves alone."""

    def count(pairs: set[tuple[int, str]]) -> int | None:
        if role_of(user) is not Role.PROVIDER:
            return None  # support staff may update any location: "all the others" means nothing
        mine = editable_locations(user).values_list("pk", "offers_care_home", "offers_home_care")
        every = {
            (pk, care_type)
            for pk, care_home, home_care in mine
            for care_type, offered in (
                (CareType.CARE_HOME, care_home),
                (CareType.HOME_CARE, home_care),
            )
            if offered
        }
        return len(every - pairs)

    return count


def load_context(
    parsed: ParsedFile,
    *,
    user: User,
    window: CollectionWindow,
    datasets: Mapping[str, Dataset],
    located: _Located | None = None,
) -> CheckContext:
    """Every fact the rows are checked against, in a fixed number of queries.

    ``located`` is given by the apply, which has already looked the locations up to lock them;
    it does not count the locations left out of the file, which only the preview shows.
    """
    previewing = located is None
    located = located or _locate(parsed, user)
    saved = Return.objects.filter(
        window=window,
        location_id__in=[fact.pk for fact in located.facts.values() if fact.editable],
        latest__isnull=False,
    ).values_list("location_id", "care_type")
    unchanged_ids = _unchanged_location_ids(parsed, located)
    previous = latest_versions(unchanged_ids, figures_only=True) if unchanged_ids else {}
    return CheckContext(
        datasets=datasets,
        locations=located.facts,
        previous={pair: version.answers for pair, version in previous.items()},
        saved_this_window=frozenset(saved),
        not_in_file=_not_in_file_counter(user) if previewing else None,
    )


def same_file_uploads(upload: BulkUpload) -> list[BulkUpload]:
    """Earlier uploads of the same bytes by the same provider (or, for support, by anyone)."""
    earlier = BulkUpload.objects.filter(sha256=upload.sha256, pk__lt=upload.pk)
    if upload.provider_id is not None:
        earlier = earlier.filter(provider_id=upload.provider_id)
    return list(
        earlier.select_related("uploaded_by").defer("content", "errors").order_by("-pk")[:5]
    )


def uploads_visible_to(user: User) -> QuerySet[BulkUpload]:
    """Provider users see only their own uploads; support staff see every upload."""
    role = role_of(user)
    if role is Role.SUPPORT:
        return BulkUpload.objects.all()
    if role is Role.PROVIDER and user.is_approved:
        return BulkUpload.objects.filter(uploaded_by=user, provider_id=user.provider_id)
    return BulkUpload.objects.none()


# --- 4. Templates (downloads) ------------------------------------------------------------------


def template_care_types(choice: str) -> list[str]:
    """'care_home', 'home_care' or 'all' (one file with a row per location and care type)."""
    if choice == "all":
        return list(CareType.values)
    if choice in CareType.values:
        return [choice]
    raise ValueError(f"Unknown care type {choice!r}")


def template_rows(
    *, user: User, provider: Provider, window: CollectionWindow, care_types: Sequence[str]
) -> tuple[list[str], Iterator[list[object]]]:
    """The header and rows of a template, pre-filled with each location's last return."""
    datasets = [dataset_for(window.period_obj, care_type) for care_type in care_types]
    header = template_columns(datasets)
    locations = list(
        editable_locations(user)
        .filter(provider=provider)
        .filter(_offers_any(care_types))
        .order_by("name", "cqc_id")
        .only("pk", "cqc_id", "name", "offers_care_home", "offers_home_care")
    )
    ids = [loc.pk for loc in locations]
    figures = latest_versions(ids, figures_only=True)
    newest = latest_versions(ids, figures_only=False)
    by_type = {dataset.care_type: dataset for dataset in datasets}

    def rows() -> Iterator[list[object]]:
        for location in locations:
            for care_type in location.care_types:
                if care_type not in by_type:
                    continue
                latest = newest.get((location.pk, care_type))
                last = figures.get((location.pk, care_type))
                cells: dict[str, object] = {
                    LOCATION_ID: location.cqc_id,
                    LOCATION_NAME: location.name,
                    CARE_TYPE: str(care_type),
                    RETURN_KIND: ReturnKind.FULL,
                }
                if latest is not None and latest.kind == ReturnKind.NIL:
                    cells.update(
                        {
                            RETURN_KIND: ReturnKind.NIL,
                            NIL_REASON: latest.nil_reason,
                            NIL_DETAIL: latest.nil_reason_detail,
                        }
                    )
                elif last is not None:
                    cells.update(
                        {code: last.answers.get(code) for code in by_type[care_type].codes}
                    )
                yield [_cell(cells.get(column)) for column in header]

    return header, rows()


def _offers_any(care_types: Sequence[str]) -> Q:
    offers = Q(pk__in=[])
    if CareType.CARE_HOME in care_types:
        offers |= Q(offers_care_home=True)
    if CareType.HOME_CARE in care_types:
        offers |= Q(offers_home_care=True)
    return offers


def _cell(value: object) -> object:
    return "" if value is None else value


# --- 5. Database: writes ----------------------------------------------------------------------


class BulkNotReady(Exception):
    """The upload cannot be confirmed now (it has errors, is being saved, or was saved)."""


def estimated_rows(content: bytes) -> int:
    return max(content.count(b"\n"), 1)


def bulk_upload_create(
    *, user: User, file_name: str, content: bytes, on_behalf_reason: str, now: datetime.datetime
) -> BulkUpload:
    """Record an upload, to be checked next. Who, what file (and its SHA-256), and why."""
    if len(content) > MAX_FILE_BYTES:
        raise ValueError("The file is too big.")
    role = role_of(user)
    if role is Role.SUPPORT and not on_behalf_reason.strip():
        raise ValueError("Support staff must say why they are updating for the provider.")
    window = latest_opened_window(now)
    with transaction.atomic():
        upload = BulkUpload.objects.create(
            file_name=file_name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            content=content,
            uploaded_by=user,
            provider_id=user.provider_id if role is Role.PROVIDER else None,
            window=window,
            on_behalf_reason=on_behalf_reason.strip(),
            rows_total=estimated_rows(content),
            created_at=now,
        )
        audit_record(
            actor=user,
            action="returns.bulk_upload.uploaded",
            target=upload,
            reason=upload.on_behalf_reason,
            data={"file_name": upload.file_name, "sha256": upload.sha256, "size": upload.size},
        )
    return upload


def bulk_check(
    *, upload_id: int, now: datetime.datetime, report_progress: bool = False
) -> BulkUpload:
    """Check a file in full and record the outcome. Saves no return. Safe to run twice."""
    upload = BulkUpload.objects.select_related("uploaded_by", "window").get(pk=upload_id)
    if upload.status != BulkUpload.Status.CHECKING:
        return upload  # a re-delivered task: the work is done
    datasets = datasets_for(upload.window)
    parsed = parse_file(bytes(upload.content), datasets=datasets)
    upload.rows_total, upload.encoding = len(parsed.rows), parsed.encoding
    if parsed.errors:
        _record_outcome(upload, _refused(parsed.errors, len(parsed.rows)), now)
        return upload
    on_progress: Callable[[int], object] | None = None
    if report_progress:
        # Each update commits on its own (no transaction here), so the progress page sees it.
        BulkUpload.objects.filter(pk=upload.pk).update(rows_total=upload.rows_total, rows_checked=0)

        def on_progress(done: int) -> object:
            return BulkUpload.objects.filter(pk=upload.pk).update(rows_checked=done)

    context = load_context(parsed, user=upload.uploaded_by, window=upload.window, datasets=datasets)
    _record_outcome(upload, check_rows(parsed, context, on_progress=on_progress), now)
    return upload


def _refused(errors: list[CellError], rows: int) -> CheckResult:
    return CheckResult(errors=errors, good=[], counts={"rows": rows})


def _record_outcome(upload: BulkUpload, result: CheckResult, now: datetime.datetime) -> None:
    upload.status = BulkUpload.Status.INVALID if result.errors else BulkUpload.Status.READY
    upload.errors = [error.as_dict() for error in result.errors[:MAX_STORED_ERRORS]]
    upload.error_count = len(result.errors)
    upload.counts = result.counts
    upload.rows_checked = upload.rows_total
    upload.checked_at = now
    care_types = result.counts.get("care_types") or []
    upload.care_type = care_types[0] if len(care_types) == 1 else ""
    upload.save(
        update_fields=[
            "status",
            "errors",
            "error_count",
            "counts",
            "rows_total",
            "rows_checked",
            "encoding",
            "checked_at",
            "care_type",
        ]
    )


def bulk_mark_applying(*, upload_id: int) -> bool:
    """Claim a checked upload for the worker; False if it was not ready (e.g. a double click)."""
    claimed = BulkUpload.objects.filter(pk=upload_id, status=BulkUpload.Status.READY).update(
        status=BulkUpload.Status.APPLYING
    )
    return claimed == 1


def bulk_mark_failed(*, upload_id: int) -> None:
    BulkUpload.objects.filter(
        pk=upload_id, status__in=[BulkUpload.Status.CHECKING, BulkUpload.Status.APPLYING]
    ).update(status=BulkUpload.Status.FAILED)


class _Refused(Exception):
    def __init__(self, errors: list[CellError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def bulk_apply(*, upload_id: int, now: datetime.datetime) -> BulkUpload:
    """Save every row of a checked file as returns with source ``csv``, in one transaction.

    The file is checked again with the heads locked; if anything is wrong now, nothing is saved
    and the upload shows the new errors. Safe to run twice: a saved upload is left alone.
    """
    with transaction.atomic():
        # of=("self",): lock the upload row only. Without it PostgreSQL also locks the joined
        # user and window rows, and a portal save (which key-shares them) deadlocks with us.
        upload = (
            BulkUpload.objects.select_for_update(of=("self",))
            .select_related("uploaded_by", "window")
            .get(pk=upload_id)
        )
        if upload.status == BulkUpload.Status.APPLIED:
            return upload
        if upload.status not in (BulkUpload.Status.READY, BulkUpload.Status.APPLYING):
            raise BulkNotReady("This file cannot be saved: check it again.")
        # Two bulk saves for the same month queue here, so their head locks never interleave.
        advisory_xact_lock(f"returns.bulk_apply.{upload.window_id}")
        current = latest_opened_window(now)
        try:
            if current.pk != upload.window_id:
                raise _Refused(
                    [
                        CellError(
                            None,
                            "",
                            f"The collection for {current.label} has opened since you uploaded "
                            "this file. Download a new template and upload it again.",
                        )
                    ]
                )
            with transaction.atomic():  # a savepoint: a refused re-check undoes the new heads
                result = _check_and_save(upload, now)
        except _Refused as refused:
            _record_outcome(upload, _refused(refused.errors, upload.rows_total), now)
            return upload
        upload.status = BulkUpload.Status.APPLIED
        upload.applied_at = now
        upload.counts = {**result.counts, "in_window": upload.window.contains(now)}
        upload.save(update_fields=["status", "applied_at", "counts"])
        audit_record(
            actor=upload.uploaded_by,
            action="returns.bulk_upload.applied",
            target=upload,
            reason=upload.on_behalf_reason,
            data={"file_name": upload.file_name, "sha256": upload.sha256, **upload.counts},
        )
    return upload


def _check_and_save(upload: BulkUpload, now: datetime.datetime) -> CheckResult:
    user, window = upload.uploaded_by, upload.window
    datasets = datasets_for(window)
    parsed = parse_file(bytes(upload.content), datasets=datasets)
    if parsed.errors:
        raise _Refused(parsed.errors)
    located = _locate(parsed, user)
    heads = _lock_heads(window, _pairs(parsed, located))
    context = load_context(parsed, user=user, window=window, datasets=datasets, located=located)
    result = check_rows(parsed, context)
    if result.errors:
        raise _Refused(result.errors)
    _save_versions(upload, result.good, heads, located, now)
    return result


def _pairs(parsed: ParsedFile, located: _Located) -> list[tuple[int, str]]:
    pairs = set()
    for row in parsed.rows:
        fact = located.facts.get(row.cqc_id)
        care_type = row.care_type
        if fact is not None and fact.editable and care_type in fact.care_types:
            pairs.add((fact.pk, care_type))
    return sorted(pairs)


def _lock_heads(
    window: CollectionWindow, pairs: list[tuple[int, str]]
) -> dict[tuple[int, str], Return]:
    """Create the missing heads and lock them all, as ``submission._locked_head`` does for one.

    The insert skips heads that exist (or that a portal save is creating right now: it waits
    for that save to commit), then one SELECT ... FOR UPDATE locks every head in key order.
    """
    if not pairs:
        return {}
    Return.objects.bulk_create(
        [Return(location_id=pk, care_type=care_type, window=window) for pk, care_type in pairs],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    wanted = Q()
    for care_type in {care_type for _, care_type in pairs}:
        wanted |= Q(
            care_type=care_type, location_id__in=[pk for pk, ct in pairs if ct == care_type]
        )
    heads = Return.objects.select_for_update().filter(wanted, window=window).order_by("pk")
    return {(head.location_id, head.care_type): head for head in heads}


def _new_references(window: CollectionWindow, count: int) -> list[str]:
    """``count`` references unused so far: one query, another only on a (rare) collision."""
    references: set[str] = set()
    while len(references) < count:
        fresh = {new_reference(window) for _ in range(count - len(references))} - references
        taken = set(
            ReturnVersion.objects.filter(reference__in=fresh).values_list("reference", flat=True)
        )
        references |= fresh - taken
    return sorted(references)


def _save_versions(
    upload: BulkUpload,
    good: list[GoodRow],
    heads: dict[tuple[int, str], Return],
    located: _Located,
    now: datetime.datetime,
) -> None:
    """Write what ``submission.return_save`` writes for each row, in batches."""
    window = upload.window
    submitter = Submitter.of(upload.uploaded_by)
    in_window = window.contains(now)
    versions = []
    for row, reference in zip(good, _new_references(window, len(good)), strict=True):
        head = heads[(row.location.pk, row.care_type)]
        head.location, head.window = located.instances[row.location.pk], window  # for audit labels
        nil = row.kind == ReturnKind.NIL
        versions.append(
            ReturnVersion(
                return_head=head,
                number=head.version_count + 1,
                kind=row.kind,
                nil_reason=row.nil_reason if nil else "",
                nil_reason_detail=row.nil_reason_detail.strip() if nil else "",
                answers=row.answers,
                dataset_version_id=row.dataset_version_id,
                source=ReturnSource.CSV,
                submitted_by=submitter.user,
                submitter_first_name=submitter.first_name,
                submitter_last_name=submitter.last_name,
                submitted_at=now,
                in_window=in_window,
                reference=reference,
                on_behalf_reason=upload.on_behalf_reason,
            )
        )
    ReturnVersion.objects.bulk_create(versions, batch_size=BATCH)
    # One UPDATE for every head (bulk_update's CASE per row took seconds at 5,000 rows). Each
    # head has exactly one new version and is locked, so its newest version is the one we made.
    newest = (
        ReturnVersion.objects.filter(return_head=OuterRef("pk")).order_by("-number").values("pk")
    )[:1]
    updated = Return.objects.filter(pk__in=[v.return_head_id for v in versions]).update(
        version_count=F("version_count") + 1,
        latest=Subquery(newest),
        counted=Subquery(newest) if in_window else F("counted"),
        updated_at=now,
    )
    if updated != len(versions):  # impossible while the heads are locked: refuse, do not guess
        raise RuntimeError(f"Updated {updated} return heads for {len(versions)} versions.")
    for kind in ReturnKind.values:
        audit_record_many(
            actor=submitter.user,
            action=f"returns.return.{kind}",
            reason=upload.on_behalf_reason,
            targets=[
                (
                    version.return_head,
                    {
                        "reference": version.reference,
                        "number": version.number,
                        "source": ReturnSource.CSV,
                        "in_window": in_window,
                        "bulk_upload": upload.pk,
                    },
                )
                for version in versions
                if version.kind == kind
            ],
        )
