"""The fast aggregate CSV (``dissemination.export_rows``) writes the same bytes as the row-by-row
path (``iter_aggregate`` -> ``as_dict`` -> ``capacity_tracker.lib.exports.csv_chunks``), and
still streams. World: ``aggregates_world``, plus names a spreadsheet would run as formulas or
that need CSV quoting."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from capacity_tracker.lib import exports
from dissemination import downloads, export_rows
from dissemination.audience import Audience
from dissemination.models import DisclosureRecord
from dissemination.selectors import Level, Scope, aggregate_columns, iter_aggregate
from providers.models import CareType, Role
from tests.dissemination.aggregates_world import FIG_A, World, build_world, save
from tests.factories import AnalystFactory, LocationFactory, ProviderFactory, UserFactory
from tests.portal_data import GOOD_HOME_CARE

pytestmark = pytest.mark.django_db

ALL_LEVELS = list(Level)
LEVELS = [[level] for level in Level] + [ALL_LEVELS]
AREA_TOTAL = ("area_total", "Total for Leeds")


@pytest.fixture
def world() -> World:
    world = build_world()
    awkward = LocationFactory(
        provider=ProviderFactory(name='=HYPERLINK("http://evil.example","Click")'),
        name=' -2 "Rose Cottage", Leeds\nAnnex',
        local_authority=world.leeds,
        registered_places=8,
        offers_home_care=True,
    )
    save(awkward, "care_home", world.july, answers=FIG_A)
    save(awkward, "home_care", world.june, answers=GOOD_HOME_CARE)
    return world


def slow_csv(
    world: World, levels: list[Level], care_type: str, scope: Scope | None, area_total
) -> bytes:
    """What the export sent before the fast path: dataclass rows, ``as_dict``, relabelled,
    listed in header order, every cell checked by ``escape_cell``."""
    header = [column.name for column in aggregate_columns(care_type)]

    def values() -> Iterator[list[object]]:
        rows = iter_aggregate(windows=world.windows, level=levels, care_type=care_type, scope=scope)
        for row in rows:
            out = row.as_dict()
            if area_total and row.level is Level.ENGLAND:
                out.update(level=area_total[0], area_code=None, area_name=area_total[1])
            yield [out[name] for name in header]

    return b"".join(exports.csv_chunks(header, values()))


def fast_csv(
    world: World, levels: list[Level], care_type: str, scope: Scope | None, area_total
) -> bytes:
    header = [column.name for column in aggregate_columns(care_type)]
    rows = export_rows.aggregate_csv_rows(
        windows=world.windows, level=levels, care_type=care_type, scope=scope, area_total=area_total
    )
    return b"".join(export_rows.csv_chunks(header, rows))


@pytest.mark.parametrize("care_type", CareType.values)
@pytest.mark.parametrize("levels", LEVELS, ids=lambda levels: "+".join(levels))
def test_the_fast_csv_is_byte_identical_to_the_row_by_row_csv(world, levels, care_type):
    fast = fast_csv(world, levels, care_type, None, None)
    slow = slow_csv(world, levels, care_type, None, None)
    assert fast == slow
    lines = fast.decode("utf-8-sig").splitlines()
    assert len(lines) > 2  # a header and rows, not two empty files
    if Level.LOCATION in levels:
        assert b"'=HYPERLINK" in fast and b'\' -2 ""Rose Cottage"", Leeds\nAnnex' in fast


@pytest.mark.parametrize("care_type", CareType.values)
def test_a_council_users_fast_csv_is_byte_identical_with_their_area_total(world, care_type):
    scope = Scope(local_authority_ids=[world.leeds.pk])
    fast = fast_csv(world, ALL_LEVELS, care_type, scope, AREA_TOTAL)
    assert fast == slow_csv(world, ALL_LEVELS, care_type, scope, AREA_TOTAL)
    assert b"\r\n2026-07,area_total,,Total for Leeds," in fast
    assert b"E92000001" not in fast and b"Manchester" not in fast


def test_no_windows_is_a_header_only(world):
    header = [column.name for column in aggregate_columns("care_home")]
    rows = export_rows.aggregate_csv_rows(windows=[], level=Level.LOCATION, care_type="care_home")
    body = b"".join(export_rows.csv_chunks(header, rows))
    assert body == b"".join(exports.csv_chunks(header, []))


def test_the_fast_response_streams_and_reads_nothing_before_the_first_chunk(world):
    header = [column.name for column in aggregate_columns("care_home")]
    rows = export_rows.aggregate_csv_rows(
        windows=world.windows, level=Level.LOCATION, care_type="care_home"
    )
    response = export_rows.csv_response("care_home-location.csv", header, rows)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="care_home-location.csv"'
    content = response.streaming_content
    assert isinstance(content, Iterator) and iter(content) is content
    with CaptureQueriesContext(connection) as queries:
        assert next(content) == "\ufeff".encode()
        assert not queries.captured_queries  # the BOM leaves before the query runs
        rest = b"".join(content)
    assert len(queries.captured_queries) == 1  # then one query, read through a cursor
    assert rest.startswith(b"period,level,area_code,")
    response.close()


@pytest.mark.parametrize("scoped", [False, True], ids=["national", "council"])
def test_the_export_page_sends_the_fast_rows_with_the_same_bytes(world, scoped, monkeypatch):
    """``downloads.send`` writes an aggregate CSV through ``export_rows``, not row by row:
    the row-by-row writer is made to fail, and the bytes still equal the row-by-row path's."""

    user = UserFactory(role=Role.LOCAL_AUTHORITY) if scoped else AnalystFactory()
    if scoped:
        user.local_authorities.set([world.leeds])
    audience = Audience.of(user)
    export = downloads.aggregate_export(
        audience=audience,
        windows=world.windows,
        level=Level.LOCATION,
        care_type="care_home",
        publish=False,
    )

    def row_by_row(*args, **kwargs):
        raise AssertionError("the aggregate CSV went row by row")

    monkeypatch.setattr(downloads, "csv_response", row_by_row)
    response = downloads.send(
        export,
        actor=user,
        purpose="Testing the export",
        fmt=DisclosureRecord.Format.CSV,
        now=world.windows[-1].closes_at,
    )
    body = b"".join(response.streaming_content)
    scope = audience.scope()
    total = (downloads.AREA_TOTAL, audience.total_label) if scoped else None
    assert body == slow_csv(world, [Level.LOCATION], "care_home", scope, total)
    record = DisclosureRecord.objects.get()

    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert record.row_count == len(rows) - 1 > 0
