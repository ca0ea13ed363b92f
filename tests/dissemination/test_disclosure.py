"""The disclosure register: every export recorded, finished with the rows actually written, and
readable in admin by a plain support officer."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from capacity_tracker.lib.exports import csv_response
from dissemination.models import DisclosureRecord
from dissemination.services import counted_rows, disclosure_finish, disclosure_record
from providers.models import AuditEvent, Role
from tests.conftest import client_for
from tests.factories import (
    AnalystFactory,
    CaseworkerFactory,
    ProviderUserFactory,
    SupportUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STARTED = datetime.datetime(2026, 12, 15, 10, 0, tzinfo=datetime.UTC)
ENDED = STARTED + datetime.timedelta(seconds=40)
PARAMETERS = {
    "windows": ["2026-11", "2026-12"],
    "level": "local_authority",
    "care_type": "care_home",
    "area": None,
}


def start(actor, **overrides):
    fields = {
        "actor": actor,
        "kind": "aggregates",
        "parameters": PARAMETERS,
        "purpose": "Winter pressures briefing for ministers",
        "fmt": "csv",
        "now": STARTED,
    }
    fields.update(overrides)
    return disclosure_record(**fields)


def test_an_export_is_registered_with_who_what_when_why_and_audited(analyst):
    record = start(analyst)
    assert record.user == analyst
    assert record.user_label == f"{analyst.get_full_name()} <{analyst.email}>"
    assert record.role == Role.ANALYST
    assert record.kind == "aggregates"
    assert record.file_format == "csv"
    assert record.parameters == PARAMETERS
    assert record.at == STARTED
    assert record.status == DisclosureRecord.Status.STARTED
    assert record.row_count is None
    event = AuditEvent.objects.get(action="dissemination.disclosure.recorded")
    assert event.actor == analyst
    assert event.target_id == str(record.pk)
    assert event.reason == "Winter pressures briefing for ministers"
    assert event.data["parameters"] == PARAMETERS


def test_dates_in_the_parameters_are_kept_as_iso_text(analyst):
    record = start(analyst, parameters={"windows": [datetime.date(2026, 12, 1)]})
    record.refresh_from_db()
    assert record.parameters == {"windows": ["2026-12-01"]}
    event = AuditEvent.objects.get(action="dissemination.disclosure.recorded")
    assert event.data["parameters"] == {"windows": ["2026-12-01"]}


def test_an_export_whose_rows_are_known_is_complete_at_once(analyst):
    record = start(analyst, fmt="xlsx", row_count=153)
    assert record.status == DisclosureRecord.Status.COMPLETE
    assert record.row_count == 153
    assert record.finished_at == STARTED


@pytest.mark.parametrize(
    "overrides",
    [{"purpose": "   "}, {"fmt": "pdf"}, {"kind": ""}],
)
def test_an_export_without_purpose_or_with_unknown_format_is_refused(analyst, overrides):
    with pytest.raises(ValidationError):
        start(analyst, **overrides)
    assert not DisclosureRecord.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_user_without_a_role_cannot_be_registered():
    nobody = UserFactory(role="")
    with pytest.raises(PermissionDenied):
        start(nobody)
    assert not DisclosureRecord.objects.exists()


def test_a_streamed_export_records_the_rows_actually_written(analyst):
    record = start(analyst)
    rows = ([f"E{i}", i] for i in range(250))
    response = csv_response(
        "x.csv", ["code", "n"], counted_rows(rows, record_id=record.pk, clock_now=lambda: ENDED)
    )
    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.STARTED  # nothing sent yet
    body = b"".join(response.streaming_content)
    assert body.count(b"\r\n") == 251
    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.COMPLETE
    assert record.row_count == 250
    assert record.finished_at == ENDED


def test_a_download_that_breaks_off_is_recorded_as_incomplete(analyst):
    record = start(analyst)
    rows = counted_rows(([i] for i in range(1000)), record_id=record.pk, clock_now=lambda: ENDED)
    taken = [next(rows) for _ in range(10)]
    assert len(taken) == 10
    rows.close()  # what the server does when the person's connection drops
    record.refresh_from_db()
    assert record.status == DisclosureRecord.Status.INCOMPLETE
    assert record.row_count == 10


def test_a_finished_record_is_not_changed_again(analyst):
    record = start(analyst)
    assert disclosure_finish(record_id=record.pk, row_count=5, complete=True, now=ENDED)
    assert not disclosure_finish(record_id=record.pk, row_count=99, complete=False, now=ENDED)
    record.refresh_from_db()
    assert (record.row_count, record.status) == (5, DisclosureRecord.Status.COMPLETE)


# --- Admin --------------------------------------------------------------------------------------


def test_a_plain_support_officer_reads_the_register_in_admin(analyst):
    record = start(analyst)
    support = SupportUserFactory()
    assert not support.is_superuser and not support.user_permissions.exists()
    client = client_for(support)
    assert "Disclosure register" in client.get(reverse("admin:index")).content.decode()
    listing = client.get(reverse("admin:dissemination_disclosurerecord_changelist"))
    assert listing.status_code == 200
    assert analyst.email in listing.content.decode()
    detail = client.get(reverse("admin:dissemination_disclosurerecord_change", args=[record.pk]))
    assert detail.status_code == 200
    assert "Winter pressures briefing for ministers" in detail.content.decode()


def test_nobody_edits_the_register_in_admin(analyst):
    record = start(analyst)
    client = client_for(SupportUserFactory())
    change = reverse("admin:dissemination_disclosurerecord_change", args=[record.pk])
    assert client.get(reverse("admin:dissemination_disclosurerecord_add")).status_code == 403
    assert client.post(change, {"purpose": "something else"}).status_code == 403
    delete = reverse("admin:dissemination_disclosurerecord_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    record.refresh_from_db()
    assert record.purpose == "Winter pressures briefing for ministers"


@pytest.mark.parametrize("make", [AnalystFactory, CaseworkerFactory, ProviderUserFactory])
def test_other_roles_do_not_get_the_register(analyst, make):
    start(analyst)
    response = client_for(make()).get(reverse("admin:dissemination_disclosurerecord_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
