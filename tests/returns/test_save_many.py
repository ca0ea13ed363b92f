"""One write path: the single save (``return_save``) and a CSV file's save (``bulk_apply``)
both write through ``returns_save_many``; and only a file's uploader may confirm it, a rule of
the bulk services themselves, not only of the confirm page.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from providers.models import AuditEvent
from returns.bulk import save as bulk
from returns.bulk.tasks import apply_now_or_later
from returns.deadlines import LONDON
from returns.models import BulkUpload, Return, ReturnVersion
from returns.services import windows_ensure_ahead
from returns.submission import SaveRequest, Submitter, return_save, returns_save_many
from returns.warnings import active_rules
from tests.conftest import client_for
from tests.factories import LocationFactory, ProviderUserFactory
from tests.portal_data import GOOD_CARE_HOME
from tests.returns.test_bulk import (
    AFTER_WINDOW,
    IN_WINDOW,
    csv_bytes,
    december,
    frozen,
    good_row,
    save,
)

pytestmark = pytest.mark.django_db

REFUSED = "Only the person who uploaded a file can confirm it."
# What differs between the two paths by design: how it came, its own reference, and the ids.
VERSION_FIELDS_COMPARED = [
    "number",
    "kind",
    "nil_reason",
    "nil_reason_detail",
    "answers",
    "dataset_version_id",
    "submitted_by_id",
    "submitter_first_name",
    "submitter_last_name",
    "submitted_at",
    "in_window",
    "on_behalf_reason",
    "api_key_id",
    "via_supplier_id",
    "warnings",
]


@pytest.fixture(autouse=True)
def windows():  # the December 2026 window and its neighbours, as in test_bulk.py
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


def upload_file(user, rows, *, reason: str = "", now=IN_WINDOW) -> BulkUpload:
    upload = bulk.bulk_upload_create(
        user=user, file_name="one.csv", content=csv_bytes(rows), on_behalf_reason=reason, now=now
    )
    checked = bulk.bulk_check(upload_id=upload.pk, now=now)
    assert checked.status == BulkUpload.Status.READY, checked.errors
    return checked


def version_row(version: ReturnVersion) -> dict[str, Any]:
    return {field: getattr(version, field) for field in VERSION_FIELDS_COMPARED}


def head_row(head: Return) -> dict[str, Any]:
    version = head.latest
    return {
        "care_type": head.care_type,
        "window_id": head.window_id,
        "version_count": head.version_count,
        "latest_number": version.number,
        "counted_number": head.counted.number,
        "updated_at": head.updated_at,
    }


def audit_row(head: Return, reference: str) -> dict[str, Any]:
    event = AuditEvent.objects.get(
        action__startswith="returns.return.", target_id=str(head.pk), data__reference=reference
    )
    data = {k: v for k, v in event.data.items() if k not in ("reference", "source", "bulk_upload")}
    assert event.target_label == str(head)
    return {
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type_id": event.target_type_id,
        "reason": event.reason,
        "data": data,
    }


SAME_CASES = {
    # kind, single save's extra arguments, the CSV row's changes, who, the reason
    "full, provider user": ("full", {"answers": GOOD_CARE_HOME}, {}, "provider", ""),
    "full with figures to check, support staff": (
        "full",
        {"answers": {**GOOD_CARE_HOME, "beds_max_capacity": "60"}},  # occupancy 88% to 58%
        {"beds_max_capacity": "60"},
        "support",
        "Phoned the helpline",
    ),
    "nil with a reason to strip": (
        "nil",
        {"nil_reason": "other", "nil_reason_detail": "  Closed for works  "},
        {"nil_reason": "other", "nil_reason_detail": "  Closed for works  "},
        "provider",
        "",
    ),
}


@pytest.mark.parametrize("case", SAME_CASES.values(), ids=SAME_CASES.keys())
@pytest.mark.parametrize("now", [IN_WINDOW, AFTER_WINDOW], ids=["in window", "late"])
def test_a_single_save_and_a_one_row_file_write_the_same_rows(
    case, now, provider, provider_user, support_user
):
    kind, single_args, csv_changes, who, reason = case
    user = support_user if who == "support" else provider_user
    single_home, file_home = (LocationFactory(provider=provider, name=n) for n in ("A", "B"))
    for home in (single_home, file_home):  # an earlier version each: numbers 2, warnings
        save(home, provider_user)
    rules = active_rules()

    single = return_save(
        submitter=Submitter.of(user),
        location=single_home,
        care_type="care_home",
        window=december(),
        kind=kind,
        source="assisted" if reason else "portal",
        now=now,
        on_behalf_reason=reason,
        warning_rules=rules,
        **single_args,
    )
    with frozen(now):
        upload = upload_file(user, [good_row(file_home, kind, **csv_changes)], reason=reason)
        assert bulk.bulk_apply(upload_id=upload.pk, now=now, confirmed_by=user).status == "applied"
    from_file = ReturnVersion.objects.get(return_head__location=file_home, number=2)

    assert from_file.source == "csv" and single.source != "csv"
    assert version_row(from_file) == version_row(single)
    if kind == "full" and csv_changes:
        assert from_file.warnings, "the figures should raise a soft warning on both paths"
    if kind == "nil":
        assert from_file.nil_reason_detail == "Closed for works"
    single_head = Return.objects.get(pk=single.return_head_id)
    file_head = Return.objects.get(pk=from_file.return_head_id)
    assert head_row(file_head) == head_row(single_head)
    assert file_head.latest == from_file
    # A late save is kept but the month's return stays the one sent in the window.
    assert file_head.counted.number == (2 if now == IN_WINDOW else 1)
    assert audit_row(file_head, from_file.reference) == audit_row(single_head, single.reference)
    assert AuditEvent.objects.get(data__reference=from_file.reference).data["bulk_upload"] == (
        upload.pk
    )


def test_save_many_refuses_two_versions_of_one_head(provider, provider_user):
    first = save(LocationFactory(provider=provider), provider_user)
    head = first.return_head
    request = SaveRequest(
        head=head,
        reference="2612-AAAAAA",
        kind="nil",
        answers={},
        dataset_version_id=first.dataset_version_id,
        nil_reason="no_staff",
    )
    with pytest.raises(ValueError, match="One version a head"):
        returns_save_many(
            [request, SaveRequest(**{**request.__dict__, "reference": "2612-BBBBBB"})],
            window=december(),
            submitter=Submitter.of(provider_user),
            source="portal",
            now=IN_WINDOW,
        )
    assert list(ReturnVersion.objects.filter(return_head=head)) == [first]


# --- only the uploader confirms ---------------------------------------------------------------


@pytest.fixture
def home(provider):
    return LocationFactory(provider=provider, name="Home A")


@pytest.fixture
def colleague(provider):
    return ProviderUserFactory(provider=provider)


def assert_nothing_saved(upload: BulkUpload) -> None:
    upload.refresh_from_db()
    assert upload.status == BulkUpload.Status.READY and upload.applied_at is None
    assert not ReturnVersion.objects.exists()
    assert not AuditEvent.objects.filter(action="returns.bulk_upload.applied").exists()


@pytest.mark.parametrize("who", ["colleague", "support_user"])
def test_the_apply_service_refuses_anyone_but_the_uploader(who, request, provider_user, home):
    other = request.getfixturevalue(who)
    with frozen(IN_WINDOW):
        upload = upload_file(provider_user, [good_row(home)])
        with pytest.raises(bulk.NotTheUploader, match=REFUSED):
            bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW, confirmed_by=other)
        assert_nothing_saved(upload)
        with pytest.raises(bulk.NotTheUploader, match=REFUSED):
            bulk.bulk_mark_applying(upload_id=upload.pk, confirmed_by=other)
        assert_nothing_saved(upload)
        with pytest.raises(bulk.NotTheUploader, match=REFUSED):
            apply_now_or_later(upload, confirmed_by=other, now=IN_WINDOW)
        assert_nothing_saved(upload)

        applied = bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW, confirmed_by=provider_user)
        assert applied.status == BulkUpload.Status.APPLIED
        # Saved already: still refused, not told "done" as the uploader is.
        with pytest.raises(bulk.NotTheUploader):
            bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW, confirmed_by=other)
    assert ReturnVersion.objects.get().submitted_by == provider_user


def test_a_support_users_own_upload_is_refused_to_the_provider_user(
    support_user, provider_user, home
):
    with frozen(IN_WINDOW):
        upload = upload_file(support_user, [good_row(home)], reason="Phoned the helpline")
        with pytest.raises(bulk.NotTheUploader, match=REFUSED):
            bulk.bulk_apply(upload_id=upload.pk, now=IN_WINDOW, confirmed_by=provider_user)
        assert_nothing_saved(upload)
        assert bulk.bulk_mark_applying(upload_id=upload.pk, confirmed_by=support_user)


@pytest.mark.parametrize("on_the_worker", [False, True], ids=["in the request", "on the worker"])
def test_the_confirm_page_refuses_support_staff_with_the_same_message(
    on_the_worker, monkeypatch, settings, provider_user, support_user, home
):
    """A colleague never sees another's upload (404, test_bulk.py); support staff do, and are
    refused by the services, the page answering 403 with their message."""
    if on_the_worker:
        settings.CELERY_TASK_ALWAYS_EAGER = True
        monkeypatch.setattr(bulk, "INLINE_MAX_ROWS", 0)
    with frozen(IN_WINDOW):
        upload = upload_file(provider_user, [good_row(home)])
        response = client_for(support_user).post(reverse("bulk:confirm", args=[upload.pk]))
        assert response.status_code == 403
        assert response.context["exception"] == REFUSED
        assert_nothing_saved(upload)
        done = client_for(provider_user).post(reverse("bulk:confirm", args=[upload.pk]))
    assert done.status_code == 302
    upload.refresh_from_db()
    assert upload.status == (
        BulkUpload.Status.APPLYING if on_the_worker else BulkUpload.Status.APPLIED
    )
