"""Bulk update with an Excel workbook (issue 15): the XLSX template, and XLSX uploads read with
the same checks and preview as CSV, from openpyxl and from LibreOffice-style writers.

The LibreOffice-style files are written part by part with zipfile, so the test does not depend
on how openpyxl happens to write: inline strings, shared strings, whole numbers as "12.0" and a
date stored as a number with a date format.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl
import pytest
from django.urls import reverse

from capacity_tracker.lib import xlsx_files
from returns.bulk import parsing as bulk_parsing
from returns.bulk import save as bulk
from returns.models import BulkUpload, NilReason, ReturnVersion
from tests.conftest import client_for
from tests.factories import LocationFactory
from tests.portal_data import ASKED_FROM_2027, GOOD_CARE_HOME
from tests.returns.test_bulk import (
    HEADER,
    IN_WINDOW,
    csv_bytes,
    frozen,
    good_row,
    latest_upload,
    messages_of,
    post_file,
    save,
    windows,  # noqa: F401 - the autouse fixture: the windows stored, as in test_bulk
)
from tests.returns.test_bulk_parsing import CONTEXT, DATASETS, MINE

pytestmark = pytest.mark.django_db

FIGURES = {code: value for code, value in GOOD_CARE_HOME.items() if code not in ASKED_FROM_2027}


@pytest.fixture
def homes(provider):
    return [LocationFactory(provider=provider, name=f"Home {n}") for n in "ABC"]


def typed(value: str) -> object:
    """As a person types it into Excel: digits become a number, nothing an empty cell."""
    if not value:
        return None
    return int(value) if value.isdigit() else value


def workbook_bytes(rows: list[dict[str, str]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for cells in rows:
        sheet.append([typed(cells.get(name, "")) for name in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(client, care_type: str = "care_home") -> openpyxl.Workbook:
    response = client.get(reverse("bulk:template_xlsx", args=[care_type]))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


# --- the template ---------------------------------------------------------------------------


def test_the_start_page_links_to_the_xlsx_template(provider_user, homes):
    with frozen(IN_WINDOW):
        page = client_for(provider_user).get(reverse("bulk:start")).content.decode()
    assert reverse("bulk:template_xlsx", args=["care_home"]) in page
    assert "Download as Excel (XLSX)" in page


def test_the_xlsx_template_locks_the_locations_and_lists_the_choices(provider_user, homes):
    with frozen(IN_WINDOW):
        book = download(client_for(provider_user))
    sheet = book[bulk_parsing.TEMPLATE_SHEET]
    header = [cell.value for cell in sheet[1]]
    assert header == HEADER
    assert [sheet.cell(row, 1).value for row in (2, 3, 4)] == [home.cqc_id for home in homes]
    assert sheet.freeze_panes == "A2"
    assert sheet.protection.sheet is True and not sheet.protection.password
    kind, reason = header.index("return_kind") + 1, header.index("nil_reason") + 1
    for row in (2, 4):
        assert [sheet.cell(row, col).protection.locked for col in (1, 2, 3)] == [True] * 3
        assert sheet.cell(row, kind).protection.locked is False
        assert sheet.cell(row, kind + 1).protection.locked is False  # the first figure
        assert sheet.cell(row, reason).protection.locked is False
    lists = {
        str(validation.sqref): validation.formula1
        for validation in sheet.data_validations.dataValidation
    }
    assert lists == {
        "D2:D4": '"full,unchanged,nil"',
        f"{openpyxl.utils.get_column_letter(reason)}2:"
        f"{openpyxl.utils.get_column_letter(reason)}4": f'"{",".join(NilReason.values)}"',
    }


def test_the_filled_in_template_previews_and_saves_as_the_csv_file_does(provider_user, homes):
    save(homes[1], provider_user)  # so that its row can be "unchanged"
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        book = download(client)
        sheet = book[bulk_parsing.TEMPLATE_SHEET]
        header = [cell.value for cell in sheet[1]]
        for code, value in FIGURES.items():
            sheet.cell(2, header.index(code) + 1).value = typed(value)
        sheet.cell(3, header.index("return_kind") + 1).value = "unchanged"
        sheet.cell(4, header.index("return_kind") + 1).value = "nil"
        sheet.cell(4, header.index("nil_reason") + 1).value = "no_staff"
        out = io.BytesIO()
        book.save(out)
        # Named .csv: the content, not the name, says it is a workbook.
        post_file(client, out.getvalue(), name="returns.csv")
        from_xlsx = latest_upload()
        assert from_xlsx.status == "ready", messages_of(from_xlsx)
        page = client.get(reverse("bulk:upload", args=[from_xlsx.pk]))
        rows = [
            good_row(homes[0]),
            good_row(homes[1], "unchanged"),
            good_row(homes[2], "nil", nil_reason="no_staff"),
        ]
        post_file(client, csv_bytes(rows))
        from_csv = latest_upload()
        assert (from_xlsx.counts, from_xlsx.encoding) == (from_csv.counts, "xlsx")
        assert from_xlsx.counts["full"] == from_xlsx.counts["unchanged"] == 1
        assert page.status_code == 200 and "3 rows" in page.content.decode()
        client.post(reverse("bulk:confirm", args=[from_xlsx.pk]))
    from_xlsx.refresh_from_db()
    assert from_xlsx.status == "applied"
    saved = ReturnVersion.objects.filter(source="csv")
    assert saved.count() == 3
    full = saved.get(return_head__location=homes[0])
    assert full.answers["beds_occupied"] == 35 and full.answers["visiting_possible"] == "yes"
    assert saved.get(return_head__location=homes[2]).nil_reason == "no_staff"


# --- LibreOffice-style workbooks --------------------------------------------------------------


def hand_written_xlsx(
    rows: list[list[tuple[str, str] | None]], shared: list[str], *, sheets: bool = True
) -> bytes:
    """A workbook as LibreOffice writes one: each cell is (type, XML text), where type "s" is
    an index into ``shared``, "inlineStr" is text inline, "n" a number and "date" a number
    with style 1 (a date format)."""
    sheet_rows = []
    for number, cells in enumerate(rows, start=1):
        xml = []
        for index, cell in enumerate(cells):
            if cell is None:
                continue
            kind, text = cell
            ref = f"{openpyxl.utils.get_column_letter(index + 1)}{number}"
            if kind == "inlineStr":
                xml.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>')
            elif kind == "date":
                xml.append(f'<c r="{ref}" s="1" t="n"><v>{text}</v></c>')
            else:
                xml.append(f'<c r="{ref}" t="{kind}"><v>{text}</v></c>')
        sheet_rows.append(f'<row r="{number}">{"".join(xml)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            + ('<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>' if sheets else "")
            + "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}">'
            '<fonts count="1"><font><sz val="10"/><name val="Arial"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            "</cellXfs></styleSheet>"
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="{len(shared)}" '
            f'uniqueCount="{len(shared)}">'
            + "".join(f"<si><t>{escape(text)}</t></si>" for text in shared)
            + "</sst>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
            f"<sheetData>{''.join(sheet_rows)}</sheetData></worksheet>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def libreoffice_file(*, occupied: tuple[str, str] = ("n", "35.0")) -> bytes:
    """The header in shared strings, text inline, figures as floats, MINE's one row."""
    header = bulk.template_columns(list(DATASETS.values()))
    shared = [*header, "care_home"]
    cells: dict[str, tuple[str, str]] = {
        "location_id": ("inlineStr", MINE.cqc_id),
        "location_name": ("date", "46000"),  # a date where text is fine: read, not checked
        "care_type": ("s", str(shared.index("care_home"))),
        "return_kind": ("inlineStr", "full"),
    }
    for code, value in GOOD_CARE_HOME.items():
        if value.isdigit():
            cells[code] = ("n", f"{value}.0")
        elif value:
            cells[code] = ("inlineStr", value)
    cells["beds_occupied"] = occupied
    rows = [
        [("s", str(index)) for index in range(len(header))],
        [],  # a blank row, skipped
        [cells.get(name) for name in header],
    ]
    return hand_written_xlsx(rows, shared)


def test_a_libreoffice_style_workbook_is_read_as_its_csv_would_be():
    content = libreoffice_file()
    sheet = xlsx_files.read_xlsx(content, max_rows=10, max_columns=200)
    [(number, cells)] = sheet.rows
    assert number == 3  # the spreadsheet's row number, the blank row counted
    header = bulk.template_columns(list(DATASETS.values()))
    assert sheet.header == header
    values = dict(zip(header, cells, strict=False))
    assert values["location_id"] == MINE.cqc_id and values["care_type"] == "care_home"
    assert values["beds_occupied"] == "35" and values["visiting_possible"] == "yes"
    assert values["location_name"] == "2025-12-09"  # serial 46000
    assert xlsx_files.looks_like_xlsx(content) and bulk_parsing.estimated_rows(content) == 3
    result = bulk.check_rows(bulk.parse_file(content, datasets=DATASETS), CONTEXT)
    assert result.errors == [] and len(result.good) == 1
    assert result.good[0].answers["beds_occupied"] == 35


def test_a_date_where_a_figure_belongs_is_a_clear_error_on_its_cell():
    parsed = bulk.parse_file(libreoffice_file(occupied=("date", "35")), datasets=DATASETS)
    result = bulk.check_rows(parsed, CONTEXT)
    assert [(error.row, error.column, error.message) for error in result.errors] == [
        (3, "beds_occupied", bulk_parsing.DATE_IN_NUMBER)
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [(12.0, "12"), (12.5, "12.5"), (7, "7"), (True, "yes"), (None, ""), (" x ", " x ")],
)
def test_cells_read_as_typed(value, text):
    assert xlsx_files.cell_text(value) == text


# --- workbooks that cannot be read -------------------------------------------------------------


def _huge_sheet() -> bytes:
    """A sheet over the limit when unpacked: spaces compress about a thousand to one."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (xlsx_files.MAX_PART_BYTES + 1))
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: b"PK\x03\x04\x14\x00xl/workbook.xml" + b"\x00" * 200,
            "The file looks like an Excel workbook but is damaged.",
        ),
        (lambda: hand_written_xlsx([], [], sheets=False), "The workbook has no sheets."),
        (_huge_sheet, "The workbook is too big to read"),
        (lambda: hand_written_xlsx([[None]], []), "The file is empty."),
        (
            lambda: workbook_bytes([], header=["location_id", *["x"] * 250]),
            "Row 1 has more than 200 columns.",
        ),
    ],
    ids=["corrupt zip", "no sheets", "huge sheet", "empty sheet", "too wide"],
)
def test_workbooks_that_cannot_be_read_are_named_and_nothing_is_saved(
    provider_user, homes, make, message
):
    content = make()
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        response = post_file(client, content, name="returns.xlsx")
        page = client.get(response.url)
    upload = latest_upload()
    assert upload.status == "invalid"
    assert [(e["row"], e["column"]) for e in upload.errors] == [(None, "")]
    assert message in messages_of(upload)
    assert page.status_code == 400 and "There is a problem" in page.content.decode()
    assert not ReturnVersion.objects.exists()


def test_an_old_excel_file_is_refused_by_the_form(provider_user, homes):
    with frozen(IN_WINDOW):
        response = post_file(client_for(provider_user), b"\xd0\xcf\x11\xe0", name="returns.xls")
    assert response.status_code == 400
    assert "Excel Workbook (.xlsx)" in response.content.decode()
    assert not BulkUpload.objects.exists()


# --- queries ------------------------------------------------------------------------------------


def _check_and_apply(user, rows) -> BulkUpload:
    upload = bulk.bulk_upload_create(
        user=user,
        file_name="q.xlsx",
        content=workbook_bytes(rows),
        on_behalf_reason="",
        now=IN_WINDOW,
    )
    bulk.bulk_check(upload_id=upload.pk, now=IN_WINDOW)
    return bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW)


def test_an_xlsx_upload_takes_the_same_queries_for_5_and_200_rows(
    provider, provider_user, django_assert_max_num_queries
):
    locations = [LocationFactory(provider=provider) for _ in range(206)]
    save(locations[0], provider_user)
    small = [good_row(loc) for loc in locations[1:6]]
    small[1].update(return_kind="nil", nil_reason="no_staff")
    large = [good_row(loc) for loc in locations[6:]]
    large[0].update(return_kind="nil", nil_reason="no_staff")
    _check_and_apply(provider_user, [good_row(locations[0])])  # warm caches (content types)
    with django_assert_max_num_queries(60) as few:
        assert _check_and_apply(provider_user, small).status == "applied"
    with django_assert_max_num_queries(60) as many:
        assert _check_and_apply(provider_user, large).status == "applied"
    assert len(many.captured_queries) == len(few.captured_queries)
    assert ReturnVersion.objects.filter(source="csv").count() == 1 + 5 + 200
