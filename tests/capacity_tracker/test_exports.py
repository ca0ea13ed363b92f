"""Export writers: formula neutralisation, BOM, streaming with flat memory, XLSX read back."""

from __future__ import annotations

import csv
import datetime
import io
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import load_workbook

from capacity_tracker.lib.csv_files import escape_cell, iter_csv_lines
from capacity_tracker.lib.exports import (
    XLSX_CONTENT_TYPE,
    csv_chunks,
    csv_response,
    xlsx_file,
    xlsx_response,
)

BOM = b"\xef\xbb\xbf"
HEADER = ["area_code", "area_name", "beds_occupied"]
# Every start a spreadsheet would run as a formula, also behind leading whitespace.
DANGEROUS = [
    '=HYPERLINK("http://evil.example","click")',
    "+44 113 496 0000",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\0=1+1",
    "  =1+1",
    "\n@cmd",
    "\u00a0=1+1",  # a non-breaking space is whitespace too
]
HARMLESS = ["Leeds", "St Mary's", "E08000035", "100%", "a=b", ""]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def read_xlsx(data: bytes):
    # Not read_only: we want to see each cell's data type, including any formula.
    return load_workbook(io.BytesIO(data)).active


# --- CSV ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_neutralises_text_a_spreadsheet_would_run(text):
    data = b"".join(csv_chunks(HEADER, [["E1", text, 3]]))
    (row,) = read_csv(data)[1:]
    assert row == ["E1", "'" + text, "3"]


@pytest.mark.parametrize("text", HARMLESS)
def test_csv_leaves_ordinary_text_alone(text):
    (row,) = read_csv(b"".join(csv_chunks(HEADER, [["E1", text, 3]])))[1:]
    assert row[1] == text


def test_csv_keeps_numbers_and_dates_as_written_even_when_negative():
    rows = [[-3, Decimal("-1.50"), -0.25, datetime.date(2026, 12, 1), None, True]]
    (row,) = read_csv(b"".join(csv_chunks(list("abcdef"), rows)))[1:]
    assert row == ["-3", "-1.50", "-0.25", "2026-12-01", "", "True"]


def test_text_that_is_not_a_str_is_still_checked():
    class Sneaky:
        def __str__(self) -> str:
            return "=cmd|' /C calc'!A0"

    assert escape_cell(Sneaky()) == "'=cmd|' /C calc'!A0"


def test_csv_starts_with_a_bom_and_the_header_in_the_given_order():
    data = b"".join(csv_chunks(HEADER, []))
    assert data.startswith(BOM)
    assert data.count(BOM) == 1
    assert read_csv(data) == [HEADER]
    assert data.endswith(b"\r\n")


def test_csv_writes_accents_as_utf8():
    (row,) = read_csv(b"".join(csv_chunks(HEADER, [["E1", "Café Ynys Môn", 1]])))[1:]
    assert row[1] == "Café Ynys Môn"


def test_the_enforcement_csv_lines_still_come_as_text():
    lines = list(iter_csv_lines(["a"], [["=x"]]))
    assert lines[0] == "\ufeff"
    assert "".join(lines) == "\ufeffa\r\n'=x\r\n"


def test_csv_response_streams_an_iterator_of_bytes():
    rows = ([f"E{i}", f"Area {i}", i] for i in range(10))
    response = csv_response("aggregates.csv", HEADER, rows)
    assert isinstance(response, StreamingHttpResponse)
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="aggregates.csv"'
    chunks = csv_chunks(HEADER, [])
    assert iter(chunks) is chunks  # a generator, not a list built up front
    body = b"".join(response.streaming_content)
    assert len(read_csv(body)) == 11


def many_rows(count: int) -> Iterator[tuple[object, ...]]:
    # Kept cheap: tracemalloc slows every allocation, and the writer is what is measured.
    for i in range(count):
        yield (i, "Location House", "=bad")


def peak_bytes_streaming(count: int) -> tuple[int, int]:
    tracemalloc.start()
    try:
        written = 0
        for chunk in csv_chunks(["a", "b", "c"], many_rows(count)):
            written += len(chunk)  # sent and forgotten, as a streamed response does
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, written


def test_streaming_memory_does_not_grow_with_rows():
    small_peak, small_size = peak_bytes_streaming(2_000)
    middle_peak, _ = peak_bytes_streaming(20_000)
    large_peak, large_size = peak_bytes_streaming(200_000)
    assert large_size > 90 * small_size  # it really wrote a hundred times as much
    assert large_peak < 1_000_000  # ~5 MB of CSV went through less than 1 MB of memory
    assert large_peak < 2 * small_peak
    # Past the first full chunk, ten times the rows cost nothing more at all.
    assert large_peak <= middle_peak + 10_000


# --- XLSX -----------------------------------------------------------------------------------------


def test_xlsx_neutralises_every_dangerous_cell_and_holds_no_formula():
    data = xlsx_file(HEADER, [["E1", text, 3] for text in DANGEROUS]).read()
    sheet = read_xlsx(data)
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER
    # NUL cannot be stored in XLSX at all; XML reads a lone CR back as a line feed.
    expected = ["'" + text.replace("\0", "").replace("\r", "\n") for text in DANGEROUS]
    assert [row[1] for row in values[1:]] == expected
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_drops_control_characters_before_checking_the_start():
    data = xlsx_file(["a"], [["\x01=1+1"], ["\x02plain"]]).read()
    sheet = read_xlsx(data)
    assert [sheet["A2"].value, sheet["A3"].value] == ["'=1+1", "plain"]


def test_xlsx_keeps_numbers_numbers_and_dates_dates():
    london = ZoneInfo("Europe/London")
    saved = datetime.datetime(2026, 7, 10, 9, 30, tzinfo=datetime.UTC)  # 10:30 in London
    rows = [[-3, Decimal("-1.5"), 0.25, datetime.date(2026, 12, 1), saved, None, True]]
    sheet = read_xlsx(xlsx_file(list("abcdefg"), rows).read())
    row = [cell for cell in sheet[2]]
    assert [c.value for c in row[:3]] == [-3, -1.5, 0.25]
    assert all(c.data_type == "n" for c in row[:3])
    assert row[3].value.date() == datetime.date(2026, 12, 1)
    assert row[4].value == saved.astimezone(london).replace(tzinfo=None)
    assert row[5].value is None
    assert row[6].value is True


def test_xlsx_response_is_a_file_download():
    response = xlsx_response("aggregates.xlsx", HEADER, [["E1", "=x", 1]])
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="aggregates.xlsx"'
    data = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(data)
    assert read_xlsx(data)["B2"].value == "'=x"
    # Closing the response would signal request_finished (a database hook); close the file.
    response.file_to_stream.close()


def peak_bytes_xlsx(count: int) -> int:
    tracemalloc.start()
    try:
        # Spool straight to disk, so that what is measured is the rows, not the finished file
        # (which stays in memory up to XLSX_SPOOL_BYTES by design).
        out = xlsx_file(["a", "b", "c"], many_rows(count), spool_bytes=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    out.close()
    return peak


def test_xlsx_rows_go_to_disk_not_memory():
    small = peak_bytes_xlsx(500)
    large = peak_bytes_xlsx(5_000)
    assert large < small + 50_000
