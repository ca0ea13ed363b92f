"""Property-based tests of the whole path, database included: whatever the file, checking it
never raises, and saving saves every row of a clean file or nothing at all."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from providers.models import AuditEvent
from returns.bulk import save as bulk
from returns.deadlines import LONDON
from returns.models import BulkUpload, Return, ReturnVersion
from returns.services import windows_ensure_ahead
from tests.factories import LocationFactory, ProviderFactory, ProviderUserFactory
from tests.portal_data import GOOD_CARE_HOME
from tests.returns.test_bulk import HEADER

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
DB_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(db):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    provider = ProviderFactory()
    user = ProviderUserFactory(provider=provider)
    mine = [LocationFactory(provider=provider) for _ in range(3)]
    theirs = LocationFactory()
    return user, [loc.cqc_id for loc in mine] + [theirs.cqc_id, "1-0000000000"]


def saved() -> tuple[int, int, int]:
    return (
        ReturnVersion.objects.count(),
        Return.objects.count(),
        AuditEvent.objects.filter(action__startswith="returns.return.").count(),
    )


def check_then_save(user, content: bytes) -> BulkUpload:
    """Upload, check, and try to save, as the pages do; returns the upload as it ends."""
    upload = bulk.bulk_upload_create(
        user=user, file_name="any.csv", content=content, on_behalf_reason="", now=IN_WINDOW
    )
    upload = bulk.bulk_check(upload_id=upload.pk, now=IN_WINDOW)
    if upload.status == BulkUpload.Status.READY:
        return bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW)
    with pytest.raises(bulk.BulkNotReady):
        bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW)
    return upload


@DB_SETTINGS
@given(content=st.binary(max_size=1_500))
def test_arbitrary_bytes_never_raise_and_never_save(world, content):
    user, _ = world
    before = saved()
    upload = check_then_save(user, content)
    assert upload.status == BulkUpload.Status.INVALID
    assert upload.errors and all(e["message"] for e in upload.errors)
    assert saved() == before


@st.composite
def files_of_rows(draw: st.DrawFn, ids: list[str]) -> tuple[bytes, int]:
    """Rows that are mostly right, each with a chance of one wrong or unusual cell."""
    codes = list(GOOD_CARE_HOME)
    rows = []
    for location_id in draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4)):
        row = {
            "location_id": location_id,
            "care_type": "care_home",
            "return_kind": "full",
            **GOOD_CARE_HOME,
        }
        kind = draw(st.sampled_from(["full", "full", "nil", "unchanged", "bogus"]))
        row["return_kind"] = kind
        if kind == "nil":
            row["nil_reason"] = draw(st.sampled_from(["no_staff", "other", ""]))
        if draw(st.booleans()):
            row[draw(st.sampled_from(codes))] = draw(
                st.one_of(
                    st.sampled_from(["", "0", "41", "-1", "yes", "x", "=1+1", "1,000"]),
                    st.text(max_size=5),
                )
            )
        rows.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return out.getvalue().encode(encoding, errors="replace"), len(rows)


@DB_SETTINGS
@given(data=st.data())
def test_a_file_is_saved_whole_or_not_at_all(world, data):
    user, ids = world
    content, rows = data.draw(files_of_rows(ids))
    before = saved()
    upload = check_then_save(user, content)
    event(upload.status)  # --hypothesis-show-statistics: both outcomes are exercised
    versions, _, audits = saved()
    if upload.status == BulkUpload.Status.APPLIED:
        assert (versions - before[0], audits - before[2]) == (rows, rows)
        assert set(
            ReturnVersion.objects.order_by("-pk")[:rows].values_list("source", flat=True)
        ) == {"csv"}
    else:
        assert upload.status == BulkUpload.Status.INVALID and upload.error_count > 0
        assert saved() == before
