"""Reading a CQC directory extract into checked rows (no database writes here).

Accepted columns (header names are matched without regard to case or extra spaces). Each
field lists our own short name first, then the names CQC uses in its published files
("HSCA active locations" and the "care directory"):

- location ID (required): location_id, "Location ID", "CQC Location ID (for office use only)",
  "CQC Location (for office use only" (the care directory's heading, without its closing bracket)
- location name (required): location_name, "Location Name", "Name"
- provider ID (required): provider_id, "Provider ID", "CQC Provider ID (for office use only)"
- provider name (required): provider_name, "Provider Name"
- local authority (required): local_authority, "Location Local Authority", "Local Authority"
  (a council name as CQC or ONS spells it, or its ONS code, e.g. E08000025)
- postcode (required): postcode, "Location Postal Code", "Postcode"
- care types (at least one of these columns is required):
  care_types ("care_home", "home_care", or both separated by ";"),
  "Care home?" (Y/N), "Service type - Care home service with nursing" (Y),
  "Service type - Care home service without nursing" (Y),
  "Service type - Domiciliary care service" (Y),
  "Service types" (text containing "Nursing homes", "Residential homes" or "Homecare agencies")
- kinds of care home (optional; all False when the file has none of these columns):
  nursing: nursing (Y/N), "Service type - Care home service with nursing" (Y), or "Service
  types" text containing "Nursing homes"; residential: residential (Y/N), "Service type - Care
  home service without nursing" (Y), or "Service types" text containing "Residential homes";
  dementia: dementia (Y/N), "Service user band - Dementia" (Y, the HSCA file), or
  "Specialisms/services" text containing "Dementia" (the care directory, e.g.
  "Caring for adults over 65 yrs|Dementia"). A kind the file has no column for is not known
  from it, and the import leaves what we hold for that kind as it is (``kinds_known``).
- address: address_line_1 / "Location Street Address" / "Address", address_line_2 /
  "Location Address Line 2", town / "Location City", county / "Location County"
- registered places: registered_places, "Care homes beds"
- people using the service: people_using_service
- status: status (active/dormant/deregistered), "Is Dormant (Y/N)"
- registered on: registered_on, "Location HSCA start date", "HSCA start date"
  (YYYY-MM-DD or DD/MM/YYYY)
- provider address: "Provider Street Address", "Provider Address Line 2", "Provider City",
  "Provider County", "Provider Postal Code"

CQC's files are read as CQC publishes them: CSV (UTF-8, UTF-8 with BOM, or Windows-1252 as Excel
saves it) or XLSX, with a few lines of preamble above the header row (the header is the first of
the first 20 rows that names every required column) and any number of columns we do not use
("Also known as", "Location Region" and so on).

Rows for services that offer neither care type (hospitals, GP practices in a full CQC extract)
are skipped as out of scope and listed as such, not rejected.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError

from capacity_tracker.lib.csv_files import CsvFileError, decode_bytes, normalise_header
from providers.models import (
    MAX_PEOPLE_USING_SERVICE,
    MAX_REGISTERED_PLACES,
    LocalAuthority,
    RegistrationStatus,
)
from providers.validators import (
    has_control_characters,
    normalise_cqc_id,
    normalise_postcode,
    strip_control_characters,
    validate_cqc_location_id,
    validate_cqc_provider_id,
    validate_postcode,
)

Checked = TypeVar("Checked")

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "location_id": (
        "location_id",
        "location id",
        "cqc location id (for office use only)",
        # The care directory's heading, exactly as CQC publishes it: no closing bracket.
        "cqc location (for office use only",
    ),
    "location_name": ("location_name", "location name", "name"),
    "provider_id": (
        "provider_id",
        "provider id",
        "cqc provider id (for office use only)",
        "cqc provider (for office use only",
    ),
    "provider_name": ("provider_name", "provider name"),
    "local_authority": ("local_authority", "location local authority", "local authority"),
    "postcode": ("postcode", "location postal code", "location postcode"),
    "address_line_1": ("address_line_1", "location street address", "address"),
    "address_line_2": ("address_line_2", "location address line 2"),
    "town": ("town", "location city"),
    "county": ("county", "location county"),
    "registered_places": ("registered_places", "care homes beds"),
    "people_using_service": ("people_using_service",),
    "status": ("status", "registration_status"),
    "dormant": ("is dormant (y/n)", "dormant"),
    "registered_on": ("registered_on", "location hsca start date", "hsca start date"),
    "care_types": ("care_types",),
    "care_home_flag": ("care home?", "care_home"),
    "service_nursing": ("service type - care home service with nursing",),
    "service_residential": ("service type - care home service without nursing",),
    "service_domiciliary": ("service type - domiciliary care service",),
    "service_types_text": ("service types",),
    "nursing_flag": ("nursing",),
    "residential_flag": ("residential",),
    "dementia_flag": ("dementia",),
    "service_user_band_dementia": ("service user band - dementia",),
    "specialisms_text": ("specialisms/services",),
    "provider_address_line_1": ("provider street address",),
    "provider_address_line_2": ("provider address line 2",),
    "provider_town": ("provider city",),
    "provider_county": ("provider county",),
    "provider_postcode": ("provider postal code",),
}
REQUIRED = (
    "location_id",
    "location_name",
    "provider_id",
    "provider_name",
    "local_authority",
    "postcode",
)
CARE_TYPE_SOURCES = (
    "care_types",
    "care_home_flag",
    "service_nursing",
    "service_residential",
    "service_domiciliary",
    "service_types_text",
)
READABLE = {
    "location_id": "Location ID",
    "location_name": "Location name",
    "provider_id": "Provider ID",
    "provider_name": "Provider name",
    "local_authority": "Local authority",
    "postcode": "Postcode",
    "registered_places": "Registered places",
    "people_using_service": "People using the service",
    "status": "Status",
    "registered_on": "Registered on",
    "care_types": "Care types",
}
MAX_FILE_ROWS = 200_000
CONTROL_CHARACTERS_MESSAGE = (
    "contains a line break, tab or other control character; "
    "correct the name in the file (CQC's names never contain one)"
)
# CQC puts a title, the date of the data and a blank line or two above the header row.
HEADER_SEARCH_ROWS = 20
XLSX_MAGIC = b"PK\x03\x04"
YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0", ""}
# Each kind of care home, and the columns that can say a location offers it.
KIND_SOURCES: dict[str, tuple[str, ...]] = {
    "nursing": ("nursing_flag", "service_nursing", "service_types_text"),
    "residential": ("residential_flag", "service_residential", "service_types_text"),
    "dementia": ("dementia_flag", "service_user_band_dementia", "specialisms_text"),
}

# Words councils' names carry in one spelling but not another ("Royal Borough of Windsor and
# Maidenhead", "Bristol, City of", "County Durham"): dropped before comparing names.
_LA_NOISE_WORDS = {
    "council",
    "city",
    "of",
    "county",
    "the",
    "borough",
    "royal",
    "metropolitan",
    "district",
}


def normalise_council_name(name: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", name.lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in _LA_NOISE_WORDS)


class LocalAuthorityResolver:
    def __init__(self, authorities: list[LocalAuthority]):
        self.by_code = {la.ons_code: la for la in authorities}
        self.by_name: dict[str, LocalAuthority] = {}
        for la in authorities:
            key = normalise_council_name(la.name)
            if key in self.by_name:
                raise ValueError(f"Two councils normalise to the same name: {key!r}")
            self.by_name[key] = la

    def resolve(self, value: str) -> LocalAuthority | None:
        value = value.strip()
        return self.by_code.get(value.upper()) or self.by_name.get(normalise_council_name(value))


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


@dataclass
class LocationRow:
    row: int
    location_id: str
    location_name: str
    provider_id: str
    provider_name: str
    local_authority: LocalAuthority
    postcode: str
    address_line_1: str
    address_line_2: str
    town: str
    county: str
    offers_care_home: bool
    offers_home_care: bool
    nursing: bool
    residential: bool
    dementia: bool
    registered_places: int | None
    people_using_service: int | None
    status: str
    registered_on: datetime.date | None
    provider_address: dict[str, str]


@dataclass
class ParsedExtract:
    rows: list[LocationRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    out_of_scope: list[tuple[int, str]] = field(default_factory=list)  # (row, location ID)
    # Location IDs named in the file, good rows or not: a full extract must not deregister a
    # location just because its row had a typo.
    seen_location_ids: set[str] = field(default_factory=set)
    seen_provider_ids: set[str] = field(default_factory=set)
    total_rows: int = 0
    # The kinds of care home (KIND_SOURCES) the file has a column for: only these are known
    # from it. A file without them says nothing about a home's kinds; it does not say "none".
    kinds_known: frozenset[str] = frozenset()


def header_key(name: str) -> str:
    """A header as we compare it: case, spacing and punctuation ignored.

    CQC's own headings are not tidy ("CQC Location (for office use only" has no closing
    bracket, "Care home?" a question mark); comparing letters and digits only matches them as
    they are and as they will be when someone fixes them.
    """
    return " ".join(re.sub(r"[^a-z0-9]+", " ", normalise_header(name)).split())


_ALIAS_KEYS: dict[str, tuple[str, ...]] = {
    canonical: tuple(dict.fromkeys(header_key(alias) for alias in aliases))
    for canonical, aliases in COLUMN_ALIASES.items()
}


def _recognised(header: list[str]) -> dict[str, list[int]]:
    """Every column we use, with each position it appears at."""
    keys = [header_key(h) for h in header]
    found: dict[str, list[int]] = {}
    for canonical, aliases in _ALIAS_KEYS.items():
        positions = [i for i, key in enumerate(keys) if key and key in aliases]
        if positions:
            found[canonical] = positions
    return found


def map_columns(header: list[str]) -> dict[str, int]:
    found = _recognised(header)
    # Only a column we use is ambiguous twice over: CQC's wider files may repeat a heading we
    # ignore, and that is no reason to refuse the file.
    duplicates = sorted(
        {
            normalise_header(header[i])
            for positions in found.values()
            if len(positions) > 1
            for i in positions
        }
    )
    if duplicates:
        raise CsvFileError(f"These columns appear more than once: {', '.join(duplicates)}.")
    positions = {canonical: found_at[0] for canonical, found_at in found.items()}
    missing = [READABLE.get(name, name) for name in REQUIRED if name not in positions]
    if missing:
        raise CsvFileError(
            f"The file is missing required columns: {', '.join(missing)}. "
            "See the list of accepted column names in the import documentation."
        )
    if not any(source in positions for source in CARE_TYPE_SOURCES):
        raise CsvFileError(
            "The file has no column saying which care types each location offers "
            "(for example care_types, 'Care home?' or 'Service type - Domiciliary care service')."
        )
    return positions


Records = list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)


def _csv_records(data: bytes) -> Records:
    text, _ = decode_bytes(data)
    records: Records = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        # Counting records, not lines: a quoted cell with a line break is still one row, as a
        # spreadsheet shows it.
        for number, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                records.append((number, cells))
            if len(records) > MAX_FILE_ROWS + HEADER_SEARCH_ROWS:
                raise CsvFileError(
                    f"The file has more than {MAX_FILE_ROWS:,} rows. Split it and try again."
                )
    except csv.Error as exc:
        raise CsvFileError(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    return records


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores every number as a float: 40.0 beds is 40
    return str(value)


def _xlsx_sheets(data: bytes) -> list[Records]:
    import openpyxl  # only for XLSX files; most imports are CSV

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise CsvFileError(
            "The file is not a CSV or XLSX file we can read. Save it from your spreadsheet as "
            "'CSV UTF-8' and try again."
        ) from None
    sheets: list[Records] = []
    try:
        for sheet in book.worksheets:
            records: Records = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_xlsx_cell(v) for v in values]
                if any(cell.strip() for cell in cells):
                    records.append((number, cells))
                if len(records) > MAX_FILE_ROWS + HEADER_SEARCH_ROWS:
                    raise CsvFileError(
                        f"The file has more than {MAX_FILE_ROWS:,} rows. Split it and try again."
                    )
            sheets.append(records)
    finally:
        book.close()
    return sheets


def _find_header(records: Records) -> tuple[int, dict[str, int]]:
    """The index of the header row among the first rows, and where each column is.

    The first row that names every required column is the header. When none does, the
    message is about the row that came closest, so it names the columns really missing.
    """
    best: tuple[int, CsvFileError] | None = None  # (columns recognised, why it is not)
    for index, (_, cells) in enumerate(records[:HEADER_SEARCH_ROWS]):
        try:
            return index, map_columns(cells)
        except CsvFileError as exc:
            score = len(_recognised(cells))
            if best is None or score > best[0]:
                best = (score, exc)
    if best is None:
        raise CsvFileError("The file is empty.")
    raise best[1]


def read_table(data: bytes) -> tuple[list[str], Records]:
    """The header row and the data rows below it, from a CSV or XLSX file."""
    if data.startswith(XLSX_MAGIC):
        sheets = [records for records in _xlsx_sheets(data) if records]
        if not sheets:
            raise CsvFileError("The file is empty.")
        # A workbook may open on a notes sheet: use the first sheet that has the columns.
        for records in sheets[:-1]:
            try:
                index, _ = _find_header(records)
            except CsvFileError:
                continue
            return records[index][1], records[index + 1 :]
        records = sheets[-1]
    else:
        records = _csv_records(data)
        if not records:
            raise CsvFileError("The file is empty.")
    index, _ = _find_header(records)
    return [cell.strip() for cell in records[index][1]], records[index + 1 :]


def _parse_date(value: str) -> datetime.date:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date like 2024-03-31 or 31/03/2024")


def _parse_count(value: str, maximum: int) -> int | None:
    value = value.strip().replace(",", "")
    if not value:
        return None
    if not re.fullmatch(r"\d+", value):
        raise ValueError(f"{value!r} is not a whole number of 0 or more")
    number = int(value)
    if number > maximum:
        raise ValueError(f"{number:,} is more than the largest allowed ({maximum:,})")
    return number


def _care_types(get: dict[str, str]) -> tuple[bool, bool]:
    care_home = home_care = False
    if "care_types" in get:
        for part in re.split(r"[;,|]", get["care_types"].lower()):
            part = part.strip().replace(" ", "_")
            if part == "care_home":
                care_home = True
            elif part == "home_care":
                home_care = True
            elif part:
                raise ValueError(f"{part!r} is not a care type (use care_home, home_care or both)")
    if get.get("care_home_flag", "").strip().lower() in YES:
        care_home = True
    if get.get("service_nursing", "").strip().lower() in YES:
        care_home = True
    if get.get("service_residential", "").strip().lower() in YES:
        care_home = True
    if get.get("service_domiciliary", "").strip().lower() in YES:
        home_care = True
    text = get.get("service_types_text", "").lower()
    if "nursing home" in text or "residential home" in text:
        care_home = True
    if "homecare" in text or "home care" in text or "domiciliary" in text:
        home_care = True
    return care_home, home_care


def _kinds(get: dict[str, str]) -> dict[str, bool]:
    """Nursing, residential and dementia as the row's columns say; False where none does.

    Like the care type flags, a cell that is not yes (blank, "N", anything else) is no: CQC
    leaves a service it does not register blank rather than writing N.
    """

    def flag(name: str) -> bool:
        return get.get(name, "").strip().lower() in YES

    services = get.get("service_types_text", "").lower()
    specialisms = get.get("specialisms_text", "").lower()
    return {
        "nursing": flag("nursing_flag") or flag("service_nursing") or "nursing home" in services,
        "residential": (
            flag("residential_flag")
            or flag("service_residential")
            or "residential home" in services
        ),
        "dementia": (
            flag("dementia_flag") or flag("service_user_band_dementia") or "dementia" in specialisms
        ),
    }


def _status(get: dict[str, str]) -> str:
    if "status" in get and get["status"].strip():
        value = get["status"].strip().lower()
        if value not in RegistrationStatus.values:
            raise ValueError(f"{value!r} is not a status (use active, dormant or deregistered)")
        return value
    dormant = get.get("dormant", "").strip().lower()
    if dormant in YES:
        return RegistrationStatus.DORMANT
    if dormant not in NO:
        raise ValueError(f"{dormant!r} is not Y or N")
    return RegistrationStatus.ACTIVE


def parse_extract(data: bytes, resolver: LocalAuthorityResolver) -> ParsedExtract:
    header, records = read_table(data)
    if len(records) > MAX_FILE_ROWS:
        raise CsvFileError(
            f"The file has more than {MAX_FILE_ROWS:,} rows. Split it and try again."
        )
    positions = map_columns(header)
    result = ParsedExtract(
        total_rows=len(records),
        kinds_known=frozenset(
            kind
            for kind, sources in KIND_SOURCES.items()
            if any(source in positions for source in sources)
        ),
    )
    first_row_of: dict[str, int] = {}
    duplicated: set[str] = set()

    for row_number, cells in records:
        raw = {name: (cells[i] if i < len(cells) else "") for name, i in positions.items()}
        get = {name: value.strip() for name, value in raw.items()}
        location_id = normalise_cqc_id(get["location_id"])
        if get["provider_id"]:
            result.seen_provider_ids.add(normalise_cqc_id(get["provider_id"]))
        if location_id:
            result.seen_location_ids.add(location_id)
            if location_id in first_row_of:
                duplicated.add(location_id)
            else:
                first_row_of[location_id] = row_number
        parsed = _parse_row(row_number, get, raw, resolver, result)
        if parsed is not None:
            result.rows.append(parsed)

    # A location twice in one extract is ambiguous: we cannot tell which row is right, so
    # neither is used.
    if duplicated:
        kept = []
        for parsed in result.rows:
            if parsed.location_id in duplicated:
                result.rejected.append(
                    Rejection(
                        parsed.row,
                        "Location ID",
                        f"{parsed.location_id} appears more than once in the file "
                        f"(first on row {first_row_of[parsed.location_id]}); no row for it was used",
                    )
                )
            else:
                kept.append(parsed)
        result.rows = kept
        result.rejected.sort(key=lambda r: r.row)
    return result


def _address(get: dict[str, str], name: str, length: int) -> str:
    """An address part on one line: a spreadsheet cell may hold a line break (Alt+Enter) where
    a comma was meant, and that is no reason to refuse the location; names are stricter."""
    return strip_control_characters(get.get(name, ""))[:length]


def _parse_row(
    row_number: int,
    get: dict[str, str],
    raw: dict[str, str],
    resolver: LocalAuthorityResolver,
    result: ParsedExtract,
) -> LocationRow | None:
    problems: list[Rejection] = []

    def check(field_name: str, fn: Callable[..., Checked], *args: Any) -> Checked | None:
        try:
            return fn(*args)
        except (ValueError, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            problems.append(Rejection(row_number, READABLE.get(field_name, field_name), message))
            return None

    try:
        care_home, home_care = _care_types(get)
    except ValueError as exc:
        result.rejected.append(Rejection(row_number, "Care types", str(exc)))
        return None
    location_id = normalise_cqc_id(get["location_id"])
    if not care_home and not home_care:
        result.out_of_scope.append((row_number, location_id))
        return None

    provider_id = normalise_cqc_id(get["provider_id"])
    check("location_id", validate_cqc_location_id, location_id)
    check("provider_id", validate_cqc_provider_id, provider_id)
    for name in ("location_name", "provider_name"):
        if not get[name]:
            problems.append(Rejection(row_number, READABLE[name], "is empty"))
        elif has_control_characters(raw[name]):
            # Names go into email subjects and bodies: a line break in one would stop the
            # email (header injection) or let the text start a paragraph of its own. Checked
            # before trimming, so a stray line break at the end is reported too.
            problems.append(Rejection(row_number, READABLE[name], CONTROL_CHARACTERS_MESSAGE))
    postcode = normalise_postcode(get["postcode"])
    check("postcode", validate_postcode, postcode)
    local_authority = resolver.resolve(get["local_authority"])
    if local_authority is None:
        problems.append(
            Rejection(
                row_number,
                "Local authority",
                f"{get['local_authority']!r} is not a council in England with adult social "
                "services responsibilities",
            )
        )
    places = check(
        "registered_places", _parse_count, get.get("registered_places", ""), MAX_REGISTERED_PLACES
    )
    people = check(
        "people_using_service",
        _parse_count,
        get.get("people_using_service", ""),
        MAX_PEOPLE_USING_SERVICE,
    )
    status = check("status", _status, get)
    registered_on = None
    if get.get("registered_on"):
        registered_on = check("registered_on", _parse_date, get["registered_on"])
    provider_postcode = normalise_postcode(get.get("provider_postcode", ""))
    if provider_postcode:
        check("provider_postcode", validate_postcode, provider_postcode)

    if problems:
        result.rejected.extend(problems)
        return None
    assert local_authority is not None and status is not None
    return LocationRow(
        row=row_number,
        location_id=location_id,
        location_name=get["location_name"][:255],
        provider_id=provider_id,
        provider_name=get["provider_name"][:255],
        local_authority=local_authority,
        postcode=postcode,
        address_line_1=_address(get, "address_line_1", 200),
        address_line_2=_address(get, "address_line_2", 200),
        town=_address(get, "town", 100),
        county=_address(get, "county", 100),
        offers_care_home=care_home,
        offers_home_care=home_care,
        **_kinds(get),
        registered_places=places if care_home else None,
        people_using_service=people if home_care else None,
        status=status,
        registered_on=registered_on,
        provider_address={
            "address_line_1": _address(get, "provider_address_line_1", 200),
            "address_line_2": _address(get, "provider_address_line_2", 200),
            "town": _address(get, "provider_town", 100),
            "county": _address(get, "provider_county", 100),
            "postcode": provider_postcode,
        },
    )
