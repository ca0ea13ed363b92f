"""Row numbers in uploaded CSV files are the spreadsheet's (issue 16).

They used to be the csv module's physical line numbers, so after a quoted cell with a line break
in it every error named the wrong row ("Row 6" for the fifth row in Excel). A row is a record:
the header is row 1, the first data row row 2, a row with a multi-line cell is still one row,
and a blank line is a row of its own, as Excel shows it.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from capacity_tracker.lib.csv_files import CsvFileError, read_csv
from returns.bulk import parsing as bulk_parsing
from returns.deadlines import LONDON
from returns.services import windows_ensure_ahead
from tests.conftest import client_for
from tests.factories import LocationFactory
from tests.portal_data import GOOD_CARE_HOME
from tests.providers.test_cqc_import import CQC_HEADER, GOOD_ROWS
from tests.returns.test_bulk import (
    HEADER as WEB_HEADER,
)
from tests.returns.test_bulk import (
    IN_WINDOW,
    frozen,
    latest_upload,
    messages_of,
    post_file,
)
from tests.returns.test_bulk_parsing import DATASETS, HEADER

ENDINGS = {"crlf": "\r\n", "lf": "\n", "cr": "\r"}
BOM = "\ufeff"


def lines_to_bytes(lines: list[str], ending: str, *, bom: bool = False) -> bytes:
    return ((BOM if bom else "") + ending.join(lines) + ending).encode("utf-8")


# --- read_csv on its own ----------------------------------------------------------------------


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_plain_rows_are_numbered_from_the_header_as_row_one(ending):
    decoded = read_csv(lines_to_bytes(["name,beds", "Oak,40", "Ash,12", "Elm,8"], ending))
    assert decoded.header == ["name", "beds"]
    assert decoded.rows == [(2, ["Oak", "40"]), (3, ["Ash", "12"]), (4, ["Elm", "8"])]


@pytest.mark.parametrize("inside", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_a_multi_line_cell_is_one_row_and_the_rows_after_it_keep_their_numbers(ending, inside):
    lines = [
        "name,note,beds",
        "Oak,,40",
        f'Ash,"first line{inside}second line{inside}third line",12',
        "Elm,,8",
        "Fir,,7",
    ]
    decoded = read_csv(lines_to_bytes(lines, ending))
    assert [number for number, _ in decoded.rows] == [2, 3, 4, 5]
    assert decoded.rows[1] == (3, ["Ash", f"first line{inside}second line{inside}third line", "12"])
    assert decoded.rows[3] == (5, ["Fir", "", "7"])


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_a_blank_line_is_skipped_but_keeps_its_row_number(ending):
    decoded = read_csv(lines_to_bytes(["name,beds", "Oak,40", "", ",", "Ash,12"], ending))
    assert decoded.rows == [(2, ["Oak", "40"]), (5, ["Ash", "12"])]


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_excels_utf8_byte_order_mark_is_not_part_of_the_header(ending):
    lines = ["location_id,name", '1-1000000001,"Oak\nLodge"', "1-1000000002,Ash"]
    decoded = read_csv(lines_to_bytes(lines, ending, bom=True))
    assert decoded.encoding == "utf-8-sig"
    assert decoded.header == ["location_id", "name"]
    assert decoded.rows == [(2, ["1-1000000001", "Oak\nLodge"]), (3, ["1-1000000002", "Ash"])]


def test_a_too_wide_row_is_named_by_its_spreadsheet_row():
    lines = ["a,b", '"x\ny\nz",1', "1,2", "1,2,3,4"]
    with pytest.raises(CsvFileError) as caught:
        read_csv(lines_to_bytes(lines, "\r\n"), max_columns=3)
    assert str(caught.value).startswith("Row 4 has more than 3 columns.")


# --- through the bulk upload's checks ---------------------------------------------------------

FACTS = [
    bulk_parsing.LocationFact(n, f"1-100000000{n}", f"Home {n}", ("care_home",), editable=True)
    for n in range(1, 5)
]
CONTEXT = bulk_parsing.CheckContext(
    datasets=DATASETS, locations={fact.cqc_id: fact for fact in FACTS}, previous={}
)
OVER_CAPACITY = "Occupied beds cannot be more than maximum capacity (40)"


def bulk_file(header: list[str], cells: list[dict[str, str]], ending: str, *, bom: bool) -> bytes:
    """The file as Excel writes it, a cell with a line break quoted, with ``ending`` lines."""

    def quoted(value: str) -> str:
        return f'"{value}"' if any(c in value for c in ',"\r\n') else value

    lines = [",".join(header)]
    lines += [",".join(quoted(row.get(name, "")) for name in header) for row in cells]
    return lines_to_bytes(lines, ending, bom=bom)


def four_rows(ids: list[str]) -> list[dict[str, str]]:
    """Rows 2-5: a location name over two lines in row 3, too many occupied beds in row 5."""
    rows = [
        {"location_id": cqc_id, "care_type": "care_home", "return_kind": "full", **GOOD_CARE_HOME}
        for cqc_id in ids
    ]
    rows[1]["location_name"] = "Ash House\nthe annexe"
    rows[3]["beds_occupied"] = "41"
    return rows


@pytest.mark.parametrize("bom", [False, True], ids=["utf8", "bom"])
@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_an_error_after_a_multi_line_cell_names_the_spreadsheet_row(ending, bom):
    content = bulk_file(HEADER, four_rows([fact.cqc_id for fact in FACTS]), ending, bom=bom)
    parsed = bulk_parsing.parse_file(content, datasets=DATASETS)
    assert parsed.errors == []
    assert [row.number for row in parsed.rows] == [2, 3, 4, 5]
    assert parsed.rows[1].values["location_name"] == "Ash House\nthe annexe"

    result = bulk_parsing.check_rows(parsed, CONTEXT)
    assert [(error.row, error.column) for error in result.errors] == [(5, "beds_occupied")]
    assert result.errors[0].text == f"Row 5, beds_occupied: {OVER_CAPACITY}"


def test_a_repeated_location_after_a_multi_line_cell_names_both_rows_rightly():
    rows = four_rows([FACTS[0].cqc_id, FACTS[1].cqc_id, FACTS[2].cqc_id, FACTS[0].cqc_id])
    rows[3]["beds_occupied"] = GOOD_CARE_HOME["beds_occupied"]
    content = bulk_file(HEADER, rows, "\r\n", bom=True)
    result = bulk_parsing.check_rows(bulk_parsing.parse_file(content, datasets=DATASETS), CONTEXT)
    assert [error.text for error in result.errors] == [
        f"Row 5, location_id: {FACTS[0].cqc_id} (care home) is already in row 2. "
        "Each location and care type can be in the file only once."
    ]


@pytest.mark.django_db
def test_the_upload_page_shows_the_spreadsheet_row_after_a_multi_line_cell(provider_user):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    homes = [LocationFactory(provider=provider_user.provider, name=f"Home {n}") for n in "ABCD"]
    content = bulk_file(WEB_HEADER, four_rows([home.cqc_id for home in homes]), "\r\n", bom=True)
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        response = post_file(client, content)
        page = client.get(response.url)
    upload = latest_upload()
    assert upload.status == "invalid" and upload.error_count == 1
    assert messages_of(upload) == f"Row 5, beds_occupied: {OVER_CAPACITY}"
    assert page.status_code == 400
    assert f"Row 5, beds_occupied: {OVER_CAPACITY}" in page.content.decode()


# --- the CQC directory import counts records too ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_the_cqc_import_names_rows_as_a_spreadsheet_does(tmp_path: Path, ending):
    # Row 3's name over two lines; row 5 is a GP surgery, out of scope and listed by its row.
    rows = [GOOD_ROWS[0], GOOD_ROWS[1].replace("Oak Home Support", '"Oak Home\nSupport"')]
    path = tmp_path / "extract.csv"
    path.write_bytes(lines_to_bytes([CQC_HEADER, *rows, *GOOD_ROWS[2:]], ending, bom=True))
    out = io.StringIO()
    call_command("import_cqc", str(path), "--as-of", "2026-11-01", stdout=out)
    assert "row 5: 1-1000000104" in out.getvalue()
