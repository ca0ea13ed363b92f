"""Row-level history (django-pghistory): written by triggers, so nothing bypasses it.

Who (the signed-in user, or the job), what (old and new values), why (a service's reason),
append-only, and exported as CSV for an investigation by support staff who are not superusers.
"""

from __future__ import annotations

import csv
import datetime
import io

import pghistory
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pghistory.models import MiddlewareEvents

from capacity_tracker.lib import history
from capacity_tracker.lib.history_admin import VIEW_PERMISSION
from capacity_tracker.tasks import run_job
from providers.models import Location, LocationEvent, User
from providers.services import location_change_status
from returns.models import CollectionWindowEvent
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

EVENTS_URL = "admin:pghistory_middlewareevents_changelist"
EXPORT_URL = "admin:pghistory_middlewareevents_export"


def _events_of(obj, method="tracks"):
    qs = MiddlewareEvents.objects.order_by("pgh_created_at", "pgh_id")
    return qs.references(obj) if method == "references" else qs.tracks(obj)


def _can_read_history(user: User) -> User:
    """A plain support officer reads history through the "NECS support" group, nothing else."""
    assert not user.is_superuser and not user.user_permissions.exists()
    assert user.has_perm(VIEW_PERMISSION)
    return user


def _export_rows(client, obj, method="references"):
    url = reverse(EXPORT_URL) + f"?obj={obj._meta.label}:{obj.pk}&method={method}"
    response = client.get(url)
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_queryset_update_leaves_an_event_with_the_old_and_new_values(location):
    old_name = location.name
    Location.objects.filter(pk=location.pk).update(name="Renamed by update()")

    events = list(_events_of(location))
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert events[-1].pgh_diff["name"] == [old_name, "Renamed by update()"]
    stored = LocationEvent.objects.filter(pgh_obj=location).order_by("pgh_id")
    assert [e.name for e in stored] == [old_name, "Renamed by update()"]


def test_user_snapshots_leave_out_the_password_hash(provider_user):
    provider_user.set_password("another-secret-1")
    provider_user.save()
    fields = {f.name for f in provider_user.history.model._meta.fields}
    assert "password" not in fields and "last_login" not in fields
    assert provider_user.history.filter(pgh_label="insert").exists()


def test_a_change_through_a_page_records_the_signed_in_user(provider_user, location):
    client = client_for(provider_user)
    url = reverse("providers:contact-add", args=[location.cqc_id])
    new = {"name": "Ruth Ellis", "email": "ruth@home.example", "phone": "", "role": ""}
    response = client.post(url, {**new, "is_primary": "no"})
    assert response.status_code == 302

    (event,) = [
        e for e in _events_of(location, "references") if e.pgh_obj_model.endswith("Contact")
    ]
    assert event.pgh_label == "insert"
    assert event.user == provider_user
    assert event.url == url
    assert event.pgh_data["email"] == "ruth@home.example"


def test_a_celery_task_records_the_jobs_name():
    result = run_job.apply(args=("ensure_windows",))
    assert result.successful(), result.traceback

    events = CollectionWindowEvent.objects.select_related("pgh_context")
    assert events.exists()
    for event in events:
        assert event.pgh_context.metadata["job"] == "ensure_windows"
        assert event.pgh_context.metadata["task"] == "capacity_tracker.tasks.run_job"


def test_a_management_command_records_the_jobs_name():
    call_command("run_scheduled", "--only", "ensure_windows", stdout=io.StringIO())

    events = CollectionWindowEvent.objects.select_related("pgh_context")
    assert events.exists()
    assert {e.pgh_context.metadata["job"] for e in events} == {"ensure_windows"}
    assert {e.pgh_context.metadata["command"] for e in events} == {"run_scheduled"}


def test_a_service_with_a_reason_records_it_on_the_rows_it_changed(support_user, location):
    with history.job_context("support desk"):
        location_change_status(
            actor=support_user,
            location_id=location.pk,
            status="dormant",
            effective_from=datetime.date(2028, 4, 1),
            reason="Letter from CQC, ref 123",
        )

    update = _events_of(location).get(pgh_label="update")
    assert update.pgh_diff["status"] == ["active", "dormant"]
    assert update.pgh_context["reason"] == "Letter from CQC, ref 123"
    status_change = next(
        e for e in _events_of(location, "references") if e.pgh_obj_model.endswith("StatusChange")
    )
    assert status_change.pgh_context_id == update.pgh_context_id  # one context: one reason


def test_an_admin_action_records_the_support_user_and_the_reason(support_user, location):
    client = client_for(support_user)
    response = client.post(
        reverse("admin:providers_location_changelist"),
        {"action": "mark_dormant", "_selected_action": [location.pk]},
    )
    assert response.status_code == 302
    update = _events_of(location).get(pgh_label="update")
    assert update.user == support_user
    assert update.pgh_context["reason"].startswith("Changed in admin by")


def test_events_cannot_be_changed_or_deleted(location):
    Location.objects.filter(pk=location.pk).update(name="Changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        LocationEvent.objects.filter(pgh_obj=location).update(name="Rewritten history")
    with pytest.raises(DatabaseError), transaction.atomic():
        LocationEvent.objects.filter(pgh_obj=location).delete()
    assert LocationEvent.objects.filter(pgh_obj=location).count() == 2


def test_support_staff_read_history_in_admin_but_never_change_it(support_user, location):
    Location.objects.filter(pk=location.pk).update(name="Renamed")
    client = client_for(_can_read_history(support_user))
    assert not support_user.is_superuser

    page = client.get(
        reverse(EVENTS_URL) + f"?obj=providers.Location:{location.pk}&method=references"
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "Renamed" in body and "Export CSV" in body
    slug = _events_of(location).last().pgh_slug
    delete = client.post(reverse("admin:pghistory_middlewareevents_delete", args=[slug]))
    assert delete.status_code == 403

    change = client.get(reverse("admin:providers_location_change", args=[location.pk]))
    if change.status_code == 200:  # once support may open locations in admin
        assert "History" in change.content.decode()


def test_history_needs_the_permission(provider_user, location):
    staff_without = client_for(
        User.objects.create_user(
            "nosy@necs.example",
            "pw-12345678",
            first_name="N",
            last_name="Osy",
            role="analyst",
            is_staff=True,
        )
    )
    url = reverse(EXPORT_URL) + f"?obj=providers.Location:{location.pk}&method=tracks"
    assert staff_without.get(url).status_code in (302, 403)
    assert client_for(provider_user).get(url).status_code == 302  # to the admin sign-in


def test_support_staff_export_a_locations_history_as_csv(support_user, provider_user, location):
    client_for(provider_user).post(
        reverse("providers:contact-add", args=[location.cqc_id]),
        {"name": "Ruth Ellis", "email": "ruth@home.example", "is_primary": "no"},
    )
    Location.objects.filter(pk=location.pk).update(name="=HYPERLINK(1)")

    rows = _export_rows(client_for(_can_read_history(support_user)), location)

    assert [(r["Record type"], r["Event"]) for r in rows] == [
        ("providers.Location", "insert"),
        ("providers.Contact", "insert"),
        ("providers.Location", "update"),
    ]
    contact, update = rows[1], rows[2]
    assert contact["Changed by"] == str(provider_user)
    assert contact["User ID"] == str(provider_user.pk)
    assert "name:" in update["Changes"] and "→" in update["Changes"]
    assert not update["Snapshot"].startswith("=")


def test_the_export_costs_the_same_queries_for_many_events(
    support_user, location, django_assert_max_num_queries
):
    client = client_for(_can_read_history(support_user))
    _export_rows(client, location)  # warm up: sessions, permissions, content types

    def queries_for_export() -> int:
        with CaptureQueriesContext(connection) as captured:
            _export_rows(client, location)
        return len(captured)

    few = queries_for_export()
    for n in range(40):
        Location.objects.filter(pk=location.pk).update(name=f"Name {n}")
    with django_assert_max_num_queries(few):
        rows = _export_rows(client, location)
    assert len(rows) == 41
    assert queries_for_export() == few


def test_data_outside_any_context_is_still_recorded(location):
    with pghistory.context():
        pass  # no context left behind
    Location.objects.filter(pk=location.pk).update(name="From the shell")
    event = _events_of(location).get(pgh_label="update")
    assert event.pgh_context_id is None and event.pgh_data["name"] == "From the shell"
