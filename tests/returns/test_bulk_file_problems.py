"""Files that are not what the upload expects (issue 14): counted, refused or read as the csv
module reads them, with a message naming the problem, and nothing saved.

The regression: a 5 MB file of "\\r"-only line endings (9,727 rows) was counted as one line,
so it was checked in the web request, and checking it built 2.4 million errors.
"""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest
from django.urls import reverse

from capacity_tracker.lib.csv_files import count_lines, read_csv
from returns.bulk import parsing as bulk_parsing
from returns.bulk import save as bulk
from returns.models import BulkUpload, ReturnVersion
from tests.conftest import client_for
from tests.factories import LocationFactory
from tests.returns.test_bulk import (
    HEADER,
    IN_WINDOW,
    csv_bytes,
    frozen,
    good_row,
    latest_upload,
    messages_of,
    post_file,
)
from tests.returns.test_bulk_parsing import CONTEXT, DATASETS, MINE, row, to_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def homes(provider):
    return [LocationFactory(provider=provider, name=f"Home {n}") for n in "ABC"]


def cr_only(content: bytes) -> bytes:
    """As Excel for Mac's old "CSV (Macintosh)" ends lines: "\\r" alone."""
    return content.replace(b"\r\n", b"\r")


# --- counting rows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "lines"),
    [
        (b"a\r\nb\r\nc\r\n", 3),
        (b"a\nb\nc", 3),
        (b"a\rb\rc\r", 3),
        (b"a\r\nb\rc\n", 3),  # mixed, as a file pasted together from two machines
        (b"", 0),
    ],
)
def test_lines_are_counted_as_the_csv_module_ends_them(content, lines):
    assert count_lines(content) == lines


def test_a_big_file_with_cr_line_endings_goes_to_the_worker(
    provider_user, homes, django_capture_on_commit_callbacks
):
    rows = bulk.INLINE_MAX_ROWS + 200
    content = cr_only(csv_bytes([good_row(homes[0])] * rows))
    assert content.count(b"\n") == 0
    # execute=False: the worker's task is queued on commit and not run here.
    with frozen(IN_WINDOW), django_capture_on_commit_callbacks(execute=False):
        post_file(client_for(provider_user), content)
    upload = latest_upload()
    assert upload.rows_total == rows + 1  # the header too, until the worker counts
    # Not checked in the request: still waiting for the worker, no outcome recorded.
    assert (upload.status, upload.checked_at, upload.error_count) == ("checking", None, 0)


def test_a_file_of_few_rows_but_many_bytes_goes_to_the_worker(
    provider_user, homes, django_capture_on_commit_callbacks, monkeypatch
):
    content = csv_bytes([good_row(home) for home in homes])
    monkeypatch.setattr(bulk, "INLINE_MAX_BYTES", len(content) - 1)
    with frozen(IN_WINDOW), django_capture_on_commit_callbacks(execute=False):
        post_file(client_for(provider_user), content)
    upload = latest_upload()
    assert upload.rows_total <= bulk.INLINE_MAX_ROWS
    assert (upload.status, upload.checked_at) == ("checking", None)


def test_a_small_file_with_cr_line_endings_is_read_and_saved(provider_user, homes):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, cr_only(csv_bytes([good_row(home) for home in homes])))
        upload = latest_upload()
        assert upload.status == "ready", messages_of(upload)
        assert upload.rows_total == 3
        client.post(reverse("bulk:confirm", args=[upload.pk]))
    assert ReturnVersion.objects.count() == 3


# --- capping errors while checking ------------------------------------------------------------


def test_checking_keeps_only_the_first_errors_but_counts_them_all(monkeypatch):
    monkeypatch.setattr(bulk_parsing, "MAX_STORED_ERRORS", 10)
    header = [*bulk.template_columns(list(DATASETS.values())), "", "", ""]
    lines = [",".join(header)]
    for _ in range(40):
        cells = [row(MINE, location_id="1-9999999999").get(name, "") for name in header[:-3]]
        lines.append(",".join([*cells, "x", "y", "z"]))
    result = bulk.check_rows(
        bulk.parse_file("\r\n".join(lines).encode(), datasets=DATASETS), CONTEXT
    )
    # Each row: three cells under no heading, and a location ID that does not exist.
    assert result.error_count == 40 * 4
    assert len(result.errors) == 10
    assert result.errors[0].row == 2 and not result.good


def test_the_upload_records_every_error_counted_and_the_first_ones_kept(
    provider_user, homes, monkeypatch
):
    monkeypatch.setattr(bulk_parsing, "MAX_STORED_ERRORS", 5)
    rows = [good_row(homes[0], location_id=f"1-{n:010d}") for n in range(12)]
    with frozen(IN_WINDOW):
        response = post_file(client_for(provider_user), csv_bytes(rows))
        page = client_for(provider_user).get(response.url)
    upload = latest_upload()
    assert upload.status == "invalid" and upload.error_count == 12 and len(upload.errors) == 5
    assert page.status_code == 400 and "The first 5 of 12 problems" in page.content.decode()


def test_a_row_wider_than_any_template_refuses_the_file_with_one_error():
    # The shape of the file in the issue: thousands of rows of 250 cells each.
    wide = "\r".join([",".join(HEADER + ["x"] * 250)] * 2_000).encode()
    parsed = bulk.parse_file(wide, datasets=DATASETS)
    assert [error.message for error in parsed.errors] == [
        f"Row 1 has more than {bulk_parsing.MAX_COLUMNS} columns. Remove the columns that are "
        "not in the template and try again."
    ]
    assert parsed.rows == []


def test_empty_cells_at_the_end_of_wide_rows_are_ignored():
    """A spreadsheet writes them for a formatted column far to the right."""
    content = to_csv([row()]).replace(b"\r\n", b"," * 500 + b"\r\n")
    result = bulk.check_rows(bulk.parse_file(content, datasets=DATASETS), CONTEXT)
    assert result.errors == [] and len(result.good) == 1
    assert len(read_csv(content, max_columns=200).header) <= 200


# --- files that are not CSV ------------------------------------------------------------------


def _zip(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return out.getvalue()


XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODS = _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # An .xlsx is read as a workbook (issue 15; tests/returns/test_bulk_xlsx.py): this one
        # has no sheets or styles to read.
        (XLSX, "The workbook cannot be read. Open it in your spreadsheet, save it again"),
        (OLE2, "The file is an Excel 97-2003 workbook (.xls) or has a password."),
        (ODS, "The file is an OpenDocument spreadsheet, not a CSV file."),
        (_zip({"returns.csv": b"a,b\r\n"}), "The file is a zip file. Unzip it and upload"),
        (gzip.compress(b"location_id\r\n"), "The file is compressed (gzip)."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "The file is a PDF, not a CSV file."),
        (",".join(HEADER).encode("utf-16"), "The file is saved as Unicode text (UTF-16)"),
        (",".join(HEADER).encode("utf-16-le"), "The file is saved as Unicode text (UTF-16)"),
        (b"location_id\r\n\x00\x01\x02\xff", "The file is not a CSV file (it contains binary"),
        (
            b"location_id\r\ncaf\xe9\x81\r\n",
            "The file's text encoding is not UTF-8 or Windows-1252",
        ),
    ],
)
def test_files_that_are_not_csv_are_named_and_nothing_is_saved(
    provider_user, homes, content, message
):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        response = post_file(client, content, name="returns.csv")
        page = client.get(response.url)
    upload = latest_upload()
    assert upload.status == "invalid"
    assert [(e["row"], e["column"]) for e in upload.errors] == [(None, "")]
    assert message in messages_of(upload)
    assert page.status_code == 400 and "There is a problem" in page.content.decode()
    assert not ReturnVersion.objects.exists()


def test_excels_plain_csv_in_windows_1252_with_smart_quotes_and_pounds_is_read(
    provider_user, homes
):
    detail = "Closed for “refurbishment” – the owner’s £2m plan"
    rows = [good_row(homes[0], "nil", nil_reason="other", nil_reason_detail=detail)]
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, cr_only(csv_bytes(rows, encoding="cp1252")))
        upload = latest_upload()
        assert (upload.status, upload.encoding) == ("ready", "cp1252"), messages_of(upload)
        client.post(reverse("bulk:confirm", args=[upload.pk]))
    assert ReturnVersion.objects.get().nil_reason_detail == detail
    assert BulkUpload.objects.get().status == "applied"


def test_a_file_refused_when_saved_records_every_error_counted(provider_user, homes, monkeypatch):
    """The save checks the file again: its refusal counts every error too, not the kept ones."""
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        post_file(client, csv_bytes([good_row(home) for home in homes]))
        upload = latest_upload()
        assert upload.status == "ready", messages_of(upload)
        monkeypatch.setattr(bulk_parsing, "MAX_STORED_ERRORS", 1)
        provider_user.limited_to_locations.set(homes[:1])  # two rows now refused
        client.post(reverse("bulk:confirm", args=[upload.pk]))
    upload.refresh_from_db()
    assert (upload.status, upload.error_count, len(upload.errors)) == ("invalid", 2, 1)
    assert not ReturnVersion.objects.exists()
