"""Fuzzing the CSV upload (issue 14): random bytes, and random CSV text with random headers,
values, line endings and encodings, posted through the upload page and confirmed if ready.

For every example: no server error; a file the form refuses records nothing; a file that is
checked and refused saves nothing, and each of its errors names the file, or a row and column;
a file that is saved saves only versions that pass the shared validation.
"""

from __future__ import annotations

import csv
import datetime
import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from returns.datasets import dataset_for
from returns.deadlines import LONDON
from returns.models import BulkUpload, ReturnVersion
from returns.services import windows_ensure_ahead
from tests.conftest import client_for
from tests.factories import LocationFactory
from tests.fuzz.support import (
    assert_errors_named,
    assert_saved_versions_valid,
    awkward_text,
    counts,
    fuzz_settings,
    last_version_pk,
    rolled_back,
    sometimes,
    typed_text,
)
from tests.portal_data import GOOD_CARE_HOME
from tests.returns.test_bulk import HEADER

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
ENDINGS = ("\r\n", "\n", "\r")
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-8-sig", "cp1252", "utf-16", "latin-1")


@pytest.fixture(autouse=True)
def in_window():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    with mock.patch("capacity_tracker.lib.clock.now", return_value=IN_WINDOW):
        yield


@pytest.fixture
def client(provider_user):  # type: ignore[no-untyped-def]
    return client_for(provider_user)


@pytest.fixture
def cqc_ids(provider) -> list[str]:  # type: ignore[no-untyped-def]
    return [LocationFactory(provider=provider).cqc_id for _ in range(3)]


def dataset_of(version: ReturnVersion):  # type: ignore[no-untyped-def]
    return dataset_for(version.return_head.window.period_obj, version.return_head.care_type)


@st.composite
def csv_files(draw: st.DrawFn, cqc_ids: list[str]) -> bytes:
    """The template's header, shuffled, cut or added to; rows of good figures with some cells
    changed; any of Excel's line endings and encodings (and some it never writes)."""
    header = list(HEADER)
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    for name in draw(sometimes(st.sets(st.sampled_from(HEADER), min_size=1, max_size=2), set())):
        header.remove(name)
    header += draw(
        sometimes(st.lists(st.one_of(st.sampled_from(HEADER), st.text(max_size=8)), max_size=2), [])
    )
    rows = []
    for number in range(draw(st.sampled_from([1, 1, 2, 3, 0, 4]))):
        row = {
            "location_id": cqc_ids[number % len(cqc_ids)],  # the fourth row repeats the first
            "care_type": "care_home",
            "return_kind": draw(st.sampled_from(["full", "full", "nil", "Full ", "unchanged"])),
            "location_name": draw(
                st.sampled_from(["", "Café “Oak” Lodge £", "=cmd|' /C calc'!A0"])
            ),
            "nil_reason": draw(st.sampled_from(["no_service_users", "other", "closed", ""])),
            **GOOD_CARE_HOME,
        }
        for name in draw(sometimes(st.sets(st.sampled_from(header or ["x"]), max_size=3), set())):
            row[name] = draw(typed_text)
        cells = [row.get(name, "") for name in header]
        cells += draw(sometimes(st.lists(awkward_text, max_size=2), []))  # under no heading
        rows.append(cells)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(ENDINGS)))
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


names = st.sampled_from(
    ["returns.csv", "RETURNS.CSV", "returns.txt", "returns.xlsx", "returns.csv"]
)


def upload_and_confirm(client, content: bytes, name: str) -> None:  # type: ignore[no-untyped-def]
    """Post the file; follow it to its page; confirm it if it is ready. Check each step."""
    uploads, before, since = BulkUpload.objects.count(), counts(), last_version_pk()
    posted = client.post(
        reverse("bulk:start"), {"file": SimpleUploadedFile(name, content, "text/csv")}
    )
    event(f"upload page {posted.status_code}")
    assert posted.status_code in (302, 400), posted.status_code
    if posted.status_code == 400:  # refused by the form: nothing recorded
        assert BulkUpload.objects.count() == uploads and counts() == before
        assert_errors_named(posted.content.decode())
        return
    upload = BulkUpload.objects.get(pk=int(posted.url.rstrip("/").split("/")[-1]))
    page = client.get(posted.url)
    event(f"checked: {upload.status}")
    assert page.status_code in (200, 400) and upload.status in ("invalid", "ready")
    if upload.status == "invalid":
        assert counts() == before and upload.error_count >= len(upload.errors) > 0
        for error in upload.errors:
            assert error["message"]
            assert error["row"] is None or error["column"], error  # a row's error names a column
        return
    confirmed = client.post(reverse("bulk:confirm", args=[upload.pk]))
    assert confirmed.status_code == 302
    upload.refresh_from_db()
    event(f"confirmed: {upload.status}")
    assert upload.status == "applied", upload.errors
    assert counts()[1] == before[1] + sum(
        upload.counts.get(k, 0) for k in ("full", "nil", "unchanged")
    )
    assert_saved_versions_valid(dataset_of, since)


@fuzz_settings(40)
@given(data=st.data(), name=names)
def test_random_csv_files(client, cqc_ids, data, name):
    content = data.draw(csv_files(cqc_ids))
    with rolled_back():
        upload_and_confirm(client, content, name)


@fuzz_settings(25)
@given(content=st.binary(min_size=0, max_size=3_000), name=names)
def test_random_bytes(client, content, name):
    with rolled_back():
        upload_and_confirm(client, content, name)
