"""CQC directory files shaped as CQC publishes them, for the import tests.

The care directory ("Care directory with filters"): a title and a date above the header, the
location ID headed "CQC Location (for office use only" with no closing bracket, extra columns
("Also known as", "Specialisms/services"), services joined with "|", quoted commas, blank
columns at the end of every line and Excel's CRLF line ends.

The HSCA active locations file: one row per location, dozens of columns, "Y" flags for each
service type and regulated activity.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence

import openpyxl

DIRECTORY_PREAMBLE = [
    ["Care directory with filters"],
    ["Data as at: 01 December 2026"],
    [],
]
DIRECTORY_HEADER = [
    "Name",
    "Also known as",
    "Address",
    "Postcode",
    "Phone number",
    "Service's website (if available)",
    "Service types",
    "Date of latest check",
    "Specialisms/services",
    "Provider name",
    "Local authority",
    "Region",
    "Location URL",
    "CQC Location (for office use only",
    "CQC Provider ID (for office use only)",
    "",  # Excel writes the empty columns at the right of the sheet too
    "",
]


def directory_row(
    location_id: str,
    name: str,
    *,
    provider_id: str = "1-101000500",
    provider_name: str = "Ash Care Ltd",
    services: str = "Residential homes|Homecare agencies",
    council: str = "Bristol, City of",
    postcode: str = "BS1 4DJ",
    address: str = "5 Ash Grove, Clifton, Bristol",
) -> list[str]:
    return [
        name,
        "",
        address,
        postcode,
        "0117 496 0000",
        "https://www.example.org.uk",
        services,
        "01/02/2025",
        "Caring for adults over 65 yrs|Dementia|Services for everyone",
        provider_name,
        council,
        "South West",
        f"https://www.cqc.org.uk/location/{location_id}",
        location_id,
        provider_id,
        "",
        "",
    ]


HSCA_HEADER = [
    "Location ID",
    "Location ODS Code",
    "Location Name",
    "Location Telephone Number",
    "Location Web Address",
    "Care home?",
    "Location Type/Sector",
    "Location Inspection Directorate",
    "Location Primary Inspection Category",
    "Location Latest Overall Rating",
    "Publication Date",
    "Is Dormant (Y/N)",
    "Care homes beds",
    "Location Street Address",
    "Location Address Line 2",
    "Location City",
    "Location County",
    "Location Postal Code",
    "Location Local Authority",
    "Location Region",
    "Location NHS Region",
    "Location ONSPD CCG Code",
    "Location HSCA start date",
    "Location Latitude",
    "Location Longitude",
    "Provider ID",
    "Provider Name",
    "Provider Type/Sector",
    "Provider Street Address",
    "Provider Address Line 2",
    "Provider City",
    "Provider County",
    "Provider Postal Code",
    "Regulated activity - Accommodation for persons who require nursing or personal care",
    "Regulated activity - Personal care",
    "Service type - Care home service with nursing",
    "Service type - Care home service without nursing",
    "Service type - Domiciliary care service",
    "Service type - Acute services with overnight beds",
    "Service user band - Older People",
    "Service user band - Dementia",
]


def hsca_row(
    location_id: str,
    name: str,
    *,
    care_home: bool = True,
    home_care: bool = False,
    hospital: bool = False,
    beds: object = 40,
    dormant: str = "N",
    provider_id: str = "1-101000100",
    provider_name: str = "Oak Care Ltd",
    council: str = "Leeds",
    postcode: str = "LS6 2QA",
    start: object = "01/04/2015",
) -> list[object]:
    values = {
        "Location ID": location_id,
        "Location ODS Code": "VN" + location_id[-3:],
        "Location Name": name,
        "Location Telephone Number": "0113 496 0000",
        "Location Web Address": "",
        "Care home?": "Y" if care_home else "N",
        "Location Type/Sector": "Independent Healthcare Org" if hospital else "Social Care Org",
        "Location Inspection Directorate": "Hospitals" if hospital else "Adult social care",
        "Location Primary Inspection Category": "Residential social care",
        "Location Latest Overall Rating": "Good",
        "Publication Date": "12/03/2024",
        "Is Dormant (Y/N)": dormant,
        "Care homes beds": beds if care_home else "",
        "Location Street Address": "1 Oak Road",
        "Location Address Line 2": "Headingley",
        "Location City": "Leeds",
        "Location County": "West Yorkshire",
        "Location Postal Code": postcode,
        "Location Local Authority": council,
        "Location Region": "Yorkshire and The Humber",
        "Location NHS Region": "North East and Yorkshire",
        "Location ONSPD CCG Code": "E38000225",
        "Location HSCA start date": start,
        "Location Latitude": 53.8199,
        "Location Longitude": -1.5812,
        "Provider ID": provider_id,
        "Provider Name": provider_name,
        "Provider Type/Sector": "Social Care Org",
        "Provider Street Address": "10 Park Row",
        "Provider Address Line 2": "",
        "Provider City": "Leeds",
        "Provider County": "West Yorkshire",
        "Provider Postal Code": "LS1 5HD",
        "Regulated activity - Accommodation for persons who require nursing or personal care": (
            "Y" if care_home else ""
        ),
        "Regulated activity - Personal care": "Y" if home_care else "",
        "Service type - Care home service with nursing": "",
        "Service type - Care home service without nursing": "Y" if care_home else "",
        "Service type - Domiciliary care service": "Y" if home_care else "",
        "Service type - Acute services with overnight beds": "Y" if hospital else "",
        "Service user band - Older People": "Y",
        "Service user band - Dementia": "",
    }
    return [values[name] for name in HSCA_HEADER]


def csv_bytes(rows: Sequence[Sequence[object]], *, encoding: str = "utf-8-sig") -> bytes:
    """As Excel saves it: CRLF, quotes only where needed, 'CSV UTF-8' (BOM) or cp1252."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode(encoding)


def directory_csv(rows: Sequence[Sequence[object]], *, encoding: str = "utf-8-sig") -> bytes:
    return csv_bytes([*DIRECTORY_PREAMBLE, DIRECTORY_HEADER, *rows], encoding=encoding)


def hsca_csv(rows: Sequence[Sequence[object]], *, preamble: bool = False) -> bytes:
    top = [["HSCA Active Locations"], ["Data as at 01 December 2026"]] if preamble else []
    return csv_bytes([*top, HSCA_HEADER, *rows])


def hsca_xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    """A workbook that opens on a notes sheet, with a title above the header on the data sheet."""
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["This file lists every location registered under the HSCA and active."])
    notes.append(["Published", datetime.date(2026, 12, 1)])
    data = book.create_sheet("HSCA_Active_Locations")
    data.append(["HSCA Active Locations"])
    data.append([])
    data.append(HSCA_HEADER)
    for row in rows:
        data.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
