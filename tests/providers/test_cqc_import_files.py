"""import_cqc with CQC's files as CQC publishes them (see tests/providers/cqc_files.py)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from providers.cqc_import import header_key, map_columns
from providers.models import CqcImport, Location, Provider, RegistrationStatus
from tests.providers.cqc_files import (
    DIRECTORY_HEADER,
    HSCA_HEADER,
    csv_bytes,
    directory_csv,
    directory_row,
    hsca_csv,
    hsca_row,
    hsca_xlsx,
)

pytestmark = pytest.mark.django_db


def run_import(tmp_path: Path, content: bytes, *args: str, name: str = "cqc.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_cqc", str(path), *args, stdout=out)
    return out.getvalue()


# --- the care directory ---------------------------------------------------------------------


def test_the_care_directory_as_published_imports(tmp_path):
    content = directory_csv(
        [
            directory_row("1-1000000301", "Ash Grove"),
            directory_row(
                "1-1000000302",
                "Beech House, Annexe",  # a quoted comma
                services="Nursing homes",
                provider_id="1-101000600",
                provider_name="Beech Homes Ltd",
            ),
        ]
    )
    assert content.startswith(b"\xef\xbb\xbf") and b"\r\n" in content
    output = run_import(tmp_path, content)

    assert "locations created: 2" in output and "rejected rows: 0" in output
    ash = Location.objects.get(cqc_id="1-1000000301")
    assert ash.name == "Ash Grove"
    assert ash.care_types == ["care_home", "home_care"]
    assert ash.local_authority.ons_code == "E06000023"  # "Bristol, City of"
    assert ash.address_line_1 == "5 Ash Grove, Clifton, Bristol"
    assert ash.provider.cqc_id == "1-101000500"
    beech = Location.objects.get(cqc_id="1-1000000302")
    assert beech.name == "Beech House, Annexe"
    assert beech.care_types == ["care_home"]
    assert beech.provider.name == "Beech Homes Ltd"


def test_the_care_directory_saved_by_excel_as_windows_1252_imports(tmp_path):
    content = directory_csv(
        [directory_row("1-1000000301", "Café Lodge – Annexe")], encoding="cp1252"
    )
    assert not content.startswith(b"\xef\xbb\xbf")
    run_import(tmp_path, content)
    assert Location.objects.get().name == "Café Lodge – Annexe"


def test_row_numbers_count_the_preamble_as_a_spreadsheet_does(tmp_path):
    content = directory_csv(
        [
            directory_row("1-1000000301", "Ash Grove"),
            directory_row("1-1000000302", "Bad Postcode Home", postcode="NOT A CODE"),
        ]
    )
    output = run_import(tmp_path, content)
    # Title, date, blank line, header: the rows are 5 and 6 in a spreadsheet.
    assert "row 6, Postcode: Enter a real postcode" in output
    [rejection] = CqcImport.objects.get().rejected
    assert (rejection["row"], rejection["field"]) == (6, "Postcode")
    assert rejection["message"].startswith("Enter a real postcode")


def test_the_location_heading_without_its_closing_bracket_is_matched():
    positions = map_columns(DIRECTORY_HEADER)
    assert positions["location_id"] == DIRECTORY_HEADER.index("CQC Location (for office use only")
    assert positions["provider_id"] == DIRECTORY_HEADER.index(
        "CQC Provider ID (for office use only)"
    )
    assert header_key(" CQC  Location (for office use only) ") == header_key(
        "cqc location (for office use only"
    )


def test_a_header_row_not_in_the_first_rows_is_reported_as_missing_columns(tmp_path):
    content = csv_bytes([["Title"]] * 25 + [DIRECTORY_HEADER])
    with pytest.raises(CommandError, match="missing required columns: Location ID"):
        run_import(tmp_path, content)
    assert not CqcImport.objects.exists()


def test_a_file_whose_closest_row_lacks_a_column_names_that_column(tmp_path):
    header = [h for h in DIRECTORY_HEADER if h != "Postcode"]
    content = csv_bytes([["Care directory with filters"], header, ["x"] * len(header)])
    with pytest.raises(CommandError, match="missing required columns: Postcode"):
        run_import(tmp_path, content)


# --- the HSCA active locations file ---------------------------------------------------------


def hsca_rows() -> list[list[object]]:
    return [
        hsca_row("1-1000000101", "Oak Lodge", beds=40),
        hsca_row("1-1000000102", "Oak Home Support", care_home=False, home_care=True),
        hsca_row(
            "1-1000000103",
            "Birch House",
            home_care=True,
            beds=12,
            dormant="Y",
            provider_id="1-101000200",
            provider_name="Birch Homes Ltd",
            council="Cornwall",
            postcode="TR1 2HE",
        ),
        hsca_row("1-1000000104", "St Mary's Hospital", care_home=False, hospital=True),
    ]


@pytest.mark.parametrize("preamble", [False, True])
def test_the_hsca_active_locations_csv_imports(tmp_path, preamble):
    output = run_import(tmp_path, hsca_csv(hsca_rows(), preamble=preamble))
    assert "locations created: 3" in output
    assert "skipped out of scope: 1" in output
    assert f"row {5 + 2 * preamble}: 1-1000000104" in output
    oak = Location.objects.get(cqc_id="1-1000000101")
    assert (oak.offers_care_home, oak.offers_home_care, oak.registered_places) == (True, False, 40)
    assert oak.registered_on == datetime.date(2015, 4, 1)
    assert oak.town == "Leeds" and oak.postcode == "LS6 2QA"
    assert Location.objects.get(cqc_id="1-1000000102").care_types == ["home_care"]
    birch = Location.objects.get(cqc_id="1-1000000103")
    assert birch.status == RegistrationStatus.DORMANT
    assert birch.care_types == ["care_home", "home_care"]
    assert birch.local_authority.ons_code == "E06000052"
    assert Provider.objects.get(cqc_id="1-101000100").postcode == "LS1 5HD"


def test_the_hsca_active_locations_xlsx_imports(tmp_path):
    rows = hsca_rows()
    rows[0][HSCA_HEADER.index("Location HSCA start date")] = datetime.datetime(2015, 4, 1)  # noqa: DTZ001 - Excel has no zones
    rows[0][HSCA_HEADER.index("Care homes beds")] = 40.0
    output = run_import(tmp_path, hsca_xlsx(rows), name="HSCA_Active_Locations.xlsx")
    assert "locations created: 3" in output
    # The data sheet has a title and a blank row above the header: the hospital is row 7.
    assert "row 7: 1-1000000104" in output
    oak = Location.objects.get(cqc_id="1-1000000101")
    assert oak.registered_places == 40
    assert oak.registered_on == datetime.date(2015, 4, 1)


def test_a_column_we_do_not_use_may_appear_twice(tmp_path):
    header = [*HSCA_HEADER, "Location Region"]
    rows = [[*row, "Yorkshire"] for row in hsca_rows()]
    output = run_import(tmp_path, csv_bytes([header, *rows]))
    assert "locations created: 3" in output


def test_xlsx_that_is_not_a_workbook_is_refused(tmp_path):
    with pytest.raises(CommandError, match="not a CSV or XLSX file"):
        run_import(tmp_path, b"PK\x03\x04 not really a zip", name="broken.xlsx")


# --- control characters in names (header and content injection into emails) ----------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Location Name", "Oak Lodge\r\nURGENT: re-enter your password at https://evil.example"),
        ("Location Name", "Oak\tLodge"),
        ("Location Name", "Oak Lodge\x85"),  # C1 "next line"
        ("Location Name", "Oak Lodge\x07"),
        ("Provider Name", "Oak Care Ltd\nSubject: injected"),
    ],
)
def test_names_with_control_characters_are_rejected_not_imported(tmp_path, field, value):
    bad = hsca_row("1-1000000105", "Elm Court")
    bad[HSCA_HEADER.index(field)] = value
    if field == "Provider Name":
        bad[HSCA_HEADER.index("Provider ID")] = "1-101000900"
    content = hsca_csv([bad, hsca_row("1-1000000101", "Oak Lodge")])
    output = run_import(tmp_path, content)

    readable = "Location name" if field == "Location Name" else "Provider name"
    assert f"row 2, {readable}: contains a line break, tab or other control character" in output
    # A quoted line break is inside one row, so the next row is still row 3, and imports.
    assert "locations created: 1" in output
    assert list(Location.objects.values_list("cqc_id", flat=True)) == ["1-1000000101"]
    assert not Provider.objects.filter(cqc_id="1-101000900").exists()
    [rejection] = CqcImport.objects.get().rejected
    assert rejection["row"] == 2 and rejection["field"] == readable


def test_a_line_break_in_an_address_is_made_a_space_not_a_rejection(tmp_path):
    row = hsca_row("1-1000000101", "Oak Lodge")
    row[HSCA_HEADER.index("Location Street Address")] = "Flat 2\r\n1 Oak Road"
    run_import(tmp_path, hsca_csv([row]))
    assert Location.objects.get().address_line_1 == "Flat 2 1 Oak Road"


# --- size ------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_file(tmp_path, django_assert_max_num_queries):
    def rows(n: int, offset: int) -> list[list[object]]:
        return [
            hsca_row(
                f"1-{3000000000 + offset + i}",
                f"Home {i}",
                provider_id=f"1-{103000000 + offset + i % 9}",
                provider_name=f"Provider {i % 9}",
                home_care=bool(i % 2),
            )
            for i in range(n)
        ]

    counts = []
    for size, offset in ((3, 0), (60, 10_000), (600, 20_000)):
        with django_assert_max_num_queries(30) as queries:
            run_import(tmp_path, hsca_csv(rows(size, offset)), name=f"{size}.csv")
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] == counts[2]
    assert Location.objects.count() == 663
