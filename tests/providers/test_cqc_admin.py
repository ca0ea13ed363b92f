"""Uploading CQC's directory file in admin: preview, then apply on the worker.

Always as a plain support officer (role SUPPORT, staff, not a superuser), as the desk works.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from providers import cqc_uploads
from providers.models import AuditEvent, CqcImport, Location, Provider, RegistrationStatus
from providers.tasks import apply_cqc_import
from tests.conftest import client_for
from tests.factories import LocationFactory, ProviderFactory
from tests.providers.cqc_files import directory_csv, directory_row, hsca_csv, hsca_row

pytestmark = pytest.mark.django_db

UPLOAD = reverse("admin:providers_cqcimport_upload")
CHANGELIST = reverse("admin:providers_cqcimport_changelist")
WRITES = ("INSERT", "UPDATE", "DELETE")


def preview_url(record: CqcImport) -> str:
    return reverse("admin:providers_cqcimport_preview", args=[record.pk])


def apply_url(record: CqcImport) -> str:
    return reverse("admin:providers_cqcimport_apply", args=[record.pk])


def upload(client, content: bytes, *, name: str = "cqc.csv", full: bool = False):
    data = {"file": SimpleUploadedFile(name, content), "as_of": "2026-12-01"}
    if full:
        data["full_extract"] = "on"
    return client.post(UPLOAD, data)


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def desk(support_user):
    assert not support_user.is_superuser
    return client_for(support_user)


def test_support_officer_sees_the_imports_and_the_upload_page(desk):
    page = desk.get(CHANGELIST)
    assert page.status_code == 200
    assert UPLOAD in page.content.decode()
    form = desk.get(UPLOAD)
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()


def test_upload_stores_the_file_and_previews_without_writing_locations(desk, support_user):
    existing = LocationFactory(cqc_id="1-1000000101", name="Oak Lodge Old Name")
    bad = hsca_row("1-1000000109", "Bad\r\nURGENT: re-enter your password")
    content = hsca_csv(
        [
            hsca_row(
                "1-1000000101",
                "Oak Lodge",
                provider_id=existing.provider.cqc_id,
                provider_name=existing.provider.name,
            ),
            hsca_row("1-1000000102", "Oak Home Support", care_home=False, home_care=True),
            bad,
        ],
        preamble=True,
    )
    locations_before = list(Location.objects.order_by("pk").values())

    response = upload(desk, content)

    record = CqcImport.objects.get()
    assert response.status_code == 302 and response.url == preview_url(record)
    assert record.status == CqcImport.Status.PREVIEWED
    assert bytes(record.content) == content
    assert record.uploaded_by == support_user
    assert record.counts["locations_created"] == 1
    assert record.counts["locations_updated"] == 1
    assert record.counts["rejected_rows"] == 1
    assert list(Location.objects.order_by("pk").values()) == locations_before
    assert not Provider.objects.filter(cqc_id="1-101000100").exists()
    assert AuditEvent.objects.filter(action="providers.cqc_import.previewed").count() == 1

    with CaptureQueriesContext(connection) as queries:
        page = desk.get(preview_url(record))
    assert page.status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().startswith(WRITES)]
    html = page.content.decode()
    assert "Oak Home Support" in html  # new
    assert "Oak Lodge Old Name" in html and "Oak Lodge" in html  # old -> new
    assert 'id="cqc-changed"' in html and "Name" in html
    assert 'id="cqc-rejected"' in html
    # Title, date and header are rows 1 to 3: the third data row is row 6.
    assert "<td>6</td><td>Location name</td>" in html
    assert "contains a line break" in html
    assert "URGENT" not in html.split('id="cqc-rejected"')[0]  # never shown as a new location
    assert apply_url(record) in html


def test_apply_runs_on_the_worker_and_updates_locations(
    desk, support_user, eager, django_capture_on_commit_callbacks
):
    existing = LocationFactory(cqc_id="1-1000000101", name="Oak Lodge Old Name")
    content = hsca_csv(
        [
            hsca_row(
                "1-1000000101",
                "Oak Lodge",
                provider_id=existing.provider.cqc_id,
                provider_name=existing.provider.name,
            ),
            hsca_row("1-1000000102", "Oak Home Support", care_home=False, home_care=True),
        ]
    )
    upload(desk, content)
    record = CqcImport.objects.get()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = desk.post(apply_url(record), {"reason": "Monthly directory update"})
    assert response.status_code == 302 and response.url == preview_url(record)
    record.refresh_from_db()
    assert record.status == CqcImport.Status.APPLYING and len(queued) == 1
    progress = desk.get(preview_url(record)).content.decode()
    assert '<meta http-equiv="refresh"' in progress
    assert "<script>" not in progress
    assert Location.objects.get(pk=existing.pk).name == "Oak Lodge Old Name"  # not yet

    queued[0]()  # the worker (eager)

    record.refresh_from_db()
    assert record.status == CqcImport.Status.APPLIED and record.applied_at
    assert record.applied_by == support_user
    assert record.apply_reason == "Monthly directory update"
    assert Location.objects.get(pk=existing.pk).name == "Oak Lodge"
    assert Location.objects.get(cqc_id="1-1000000102").care_types == ["home_care"]
    updated = AuditEvent.objects.get(
        action="providers.location.updated", target_id=str(existing.pk)
    )
    assert updated.actor == support_user
    assert updated.data["name"] == ["Oak Lodge Old Name", "Oak Lodge"]
    applied = AuditEvent.objects.get(action="providers.cqc_import.applied")
    assert applied.reason == "Monthly directory update" and applied.actor == support_user
    result = desk.get(preview_url(record)).content.decode()
    assert "CQC directory file applied" in result and "http-equiv" not in result


def test_applying_twice_applies_once(desk, eager, django_capture_on_commit_callbacks):
    upload(desk, hsca_csv([hsca_row("1-1000000101", "Oak Lodge")]))
    record = CqcImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True) as first:
        desk.post(apply_url(record))
    with django_capture_on_commit_callbacks(execute=True) as second:
        again = desk.post(apply_url(record))
    assert len(first) == 1 and len(second) == 0
    assert again.status_code == 302
    # The worker itself is safe to run twice too (a redelivered task).
    assert apply_cqc_import(record.pk) == CqcImport.Status.APPLIED
    assert Location.objects.count() == 1
    assert AuditEvent.objects.filter(action="providers.location.created").count() == 1
    assert AuditEvent.objects.filter(action="providers.cqc_import.applied").count() == 1


def test_a_crash_on_the_worker_marks_the_import_failed_and_saves_nothing(desk, monkeypatch):
    upload(desk, hsca_csv([hsca_row("1-1000000101", "Oak Lodge")]))
    record = CqcImport.objects.get()
    cqc_uploads.cqc_upload_request_apply(actor=record.uploaded_by, import_id=record.pk)

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(cqc_uploads, "cqc_import_apply", boom)
    with pytest.raises(RuntimeError):
        apply_cqc_import(record.pk)
    record.refresh_from_db()
    assert record.status == CqcImport.Status.FAILED
    assert not Location.objects.exists()
    assert "could not be applied" in desk.get(preview_url(record)).content.decode()


def test_a_file_that_changes_nothing_says_so_and_offers_no_apply(desk):
    provider = ProviderFactory(cqc_id="1-101000500", name="Ash Care Ltd")
    content = directory_csv([directory_row("1-1000000301", "Ash Grove")])
    upload(desk, content)
    record = CqcImport.objects.get()
    # Apply it directly, then upload the same file again.
    cqc_uploads.cqc_upload_request_apply(actor=record.uploaded_by, import_id=record.pk)
    cqc_uploads.cqc_upload_apply(import_id=record.pk)
    assert Location.objects.get().provider == provider

    upload(desk, content)
    second = CqcImport.objects.order_by("-pk").first()
    html = desk.get(preview_url(second)).content.decode()
    assert "This file changes nothing" in html
    assert apply_url(second) not in html


def test_a_full_file_previews_the_locations_it_will_deregister(desk):
    gone = LocationFactory(cqc_id="1-1000000999", name="Closed Court")
    upload(desk, hsca_csv([hsca_row("1-1000000101", "Oak Lodge")]), full=True)
    record = CqcImport.objects.get()
    assert record.counts["locations_deregistered"] == 1
    html = desk.get(preview_url(record)).content.decode()
    assert 'id="cqc-deregistered"' in html and "Closed Court" in html
    gone.refresh_from_db()
    assert gone.status == RegistrationStatus.ACTIVE  # only previewed


def test_an_xlsx_file_uploads(desk):
    from tests.providers.cqc_files import hsca_xlsx

    upload(desk, hsca_xlsx([hsca_row("1-1000000101", "Oak Lodge")]), name="HSCA.xlsx")
    assert CqcImport.objects.get().counts["locations_created"] == 1


def test_an_unusable_file_is_refused_on_the_form_and_stores_nothing(desk):
    content = hsca_csv([hsca_row("1-1000000101", "Oak Lodge")]).replace(
        b"Location Postal Code", b"Postal"
    )
    response = upload(desk, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert "missing required columns: Postcode" in html and "Nothing was imported" in html
    assert not CqcImport.objects.exists()
    refused = upload(desk, b"x", name="cqc.pdf")
    assert "must be a CSV or XLSX file" in refused.content.decode()


@pytest.mark.parametrize("who", ["caseworker", "analyst", "provider_user"])
@pytest.mark.parametrize("staff", [True, False])
def test_other_roles_are_refused_everywhere(request, who, staff, support_user):
    """Staff of another role get 403; anyone not staff is sent to admin's sign-in page, as on
    every admin page (the authorisation matrix's rule for admin)."""
    user = request.getfixturevalue(who)
    user.is_staff = staff
    user.save(update_fields=["is_staff"])
    record = cqc_uploads.cqc_upload_create(
        actor=support_user,
        file_name="cqc.csv",
        content=hsca_csv([hsca_row("1-1000000101", "Oak Lodge")]),
        full_extract=False,
        as_of=datetime.date(2026, 12, 1),
    )
    client = client_for(user)
    responses = [client.get(url) for url in (CHANGELIST, UPLOAD, preview_url(record))]
    responses += [client.post(apply_url(record)), upload(client, b"Location ID\r\n")]
    for response in responses:
        if staff:
            assert response.status_code == 403
        else:
            assert response.status_code == 302
            assert response.url.startswith(reverse("admin:login"))
    record.refresh_from_db()
    assert record.status == CqcImport.Status.PREVIEWED
    assert CqcImport.objects.count() == 1
    assert not Location.objects.exists()


def test_upload_and_apply_queries_do_not_grow_with_the_file(
    desk, eager, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    def rows(n: int, offset: int) -> list[list[object]]:
        return [
            hsca_row(
                f"1-{4000000000 + offset + i}",
                f"Home {i}",
                provider_id=f"1-{104000000 + offset + i % 7}",
                provider_name=f"Provider {i % 7}",
            )
            for i in range(n)
        ]

    upload_counts, apply_counts = [], []
    for size, offset in ((4, 0), (80, 10_000), (800, 20_000)):
        with django_assert_max_num_queries(40) as uploaded:
            upload(desk, hsca_csv(rows(size, offset)))
        record = CqcImport.objects.order_by("-pk").first()
        assert record.counts["locations_created"] == size
        with (
            django_assert_max_num_queries(40) as applied,
            django_capture_on_commit_callbacks(execute=True),
        ):
            desk.post(apply_url(record))
        record.refresh_from_db()
        assert record.status == CqcImport.Status.APPLIED
        upload_counts.append(len(uploaded.captured_queries))
        apply_counts.append(len(applied.captured_queries))
    assert len(set(upload_counts)) == 1, upload_counts
    assert len(set(apply_counts)) == 1, apply_counts
    assert Location.objects.count() == 884
