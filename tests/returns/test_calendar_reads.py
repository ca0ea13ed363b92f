"""Reading the collection dates stores nothing; saving stores only what the scheduled job would.

Issue 10: a GET of the calendar (page, API or command) used to store every window of the year,
and the next breach sweep then recorded breaches for past months nobody was ever asked about.
"""

from __future__ import annotations

import datetime
import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from enforcement.models import Breach, WindowSweep
from enforcement.sweep import sweep_due
from returns.deadlines import LONDON, Period
from returns.models import BulkUpload, CollectionWindow, ReturnVersion
from returns.selectors import (
    latest_opened_window,
    window_current_or_next,
    windows_for_year,
)
from returns.services import window_override, windows_ensure, windows_ensure_ahead
from returns.submission import ReturnNotAllowed, Submitter, return_save
from tests.conftest import client_for
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db

BEFORE_DECEMBER_OPENS = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=LONDON)
IN_DECEMBER_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
AFTER_DECEMBER_WINDOW = datetime.datetime(2026, 12, 20, 9, 0, tzinfo=LONDON)


def frozen(instant: datetime.datetime):  # type: ignore[no-untyped-def]
    return mock.patch("capacity_tracker.lib.clock.now", return_value=instant)


# --- Reads store nothing ----------------------------------------------------------------------


def test_calendar_api_page_and_command_store_no_window_and_the_sweep_breaches_none(
    client, location
):
    with frozen(AFTER_DECEMBER_WINDOW):
        api = client.get(reverse("api-calendar"), {"year": "2026"})
        page = client.get(reverse("calendar"), {"year": "2025"})
        call_command("calendar", "2024", stdout=io.StringIO())
        start = client.get(reverse("start"))
    assert api.status_code == page.status_code == start.status_code == 200
    assert CollectionWindow.objects.count() == 0

    # The location owed a return every one of those months and made none: had the reads stored
    # the windows, this sweep (what run_scheduled does) would breach it 35 times.
    report = sweep_due(now=AFTER_DECEMBER_WINDOW)
    assert report.breaches == 0
    assert not Breach.objects.exists()
    assert not WindowSweep.objects.exists()


def test_calendar_api_shows_the_rules_dates_for_months_not_stored():
    rows = windows_for_year(2026)
    assert [w.period_key for w in rows] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert all(w.pk is None for w in rows)
    december = rows[11]
    assert december.opens_at == datetime.datetime(2026, 12, 8, tzinfo=LONDON)
    assert december.last_day == datetime.date(2026, 12, 14)
    assert december.closes_at == datetime.datetime(2026, 12, 15, tzinfo=LONDON)
    assert not december.overridden


def test_stored_and_overridden_windows_are_merged_with_computed_ones(client, support_user):
    windows_ensure(periods=[Period(2026, 5)])
    may = CollectionWindow.objects.get(period=datetime.date(2026, 5, 1))
    window_override(
        actor=support_user,
        window_id=may.pk,
        opens_at=may.opens_at,
        closes_at=datetime.datetime(2026, 5, 21, tzinfo=LONDON),
        reason="System upgrade",
        now=datetime.datetime(2026, 5, 12, 9, 0, tzinfo=LONDON),
    )
    rows = client.get(reverse("api-calendar"), {"year": "2026"}).json()
    assert len(rows) == 12
    assert rows[4] == {
        "period": "2026-05",
        "opens_at": "2026-05-08T00:00:00+01:00",
        "last_day": "2026-05-20",
        "closes_at": "2026-05-21T00:00:00+01:00",
        "overridden": True,
    }
    assert rows[5]["period"] == "2026-06"
    assert rows[5]["last_day"] == "2026-06-15"  # the 14th is a Sunday
    assert not rows[5]["overridden"]
    page = client.get(reverse("calendar"), {"year": "2026"}).content.decode()
    assert "System upgrade" in page
    assert page.count('<tr class="govuk-table__row">') == 13
    assert CollectionWindow.objects.count() == 1


def test_window_reads_take_one_query_whatever_is_stored(django_assert_max_num_queries):
    windows_ensure(periods=[Period(2026, 3), Period(2026, 11)])
    with django_assert_max_num_queries(1):
        assert len(windows_for_year(2026)) == 12
    with django_assert_max_num_queries(1):
        assert window_current_or_next(BEFORE_DECEMBER_OPENS).period_key == "2026-12"
    with django_assert_max_num_queries(1):
        assert latest_opened_window(BEFORE_DECEMBER_OPENS).period_key == "2026-11"


def test_latest_opened_window_is_last_month_until_this_month_opens():
    windows_ensure(periods=[Period(2026, 11)])
    assert latest_opened_window(BEFORE_DECEMBER_OPENS).pk is not None  # November, stored
    december = latest_opened_window(IN_DECEMBER_WINDOW)
    assert december.period_key == "2026-12"
    assert december.pk is None  # not stored yet, and the read does not store it
    assert CollectionWindow.objects.count() == 1


def test_portal_and_bulk_pages_store_no_window(provider_user, location):
    client = client_for(provider_user)
    with frozen(IN_DECEMBER_WINDOW):
        dashboard = client.get(reverse("returns:dashboard"))
        bulk_start = client.get(reverse("bulk:start"))
        template = client.get(reverse("bulk:template", args=["care_home"]))
        csv_text = b"".join(template.streaming_content).decode("utf-8-sig")
        form = client.get(reverse("returns:form", args=["2026-12", location.cqc_id, "care_home"]))
        nil = client.get(reverse("returns:nil", args=["2026-12", location.cqc_id, "care_home"]))
    assert dashboard.status_code == 200
    assert "December 2026" in dashboard.content.decode()
    assert location.name in dashboard.content.decode()
    assert bulk_start.status_code == template.status_code == form.status_code == 200
    assert nil.status_code == 200
    assert csv_text.startswith("location_id,")
    assert f"{location.cqc_id},{location.name},care_home" in csv_text
    assert CollectionWindow.objects.count() == 0


# --- Saves: store what the scheduled job would, refuse the rest -------------------------------


def test_a_save_in_an_open_window_the_job_has_not_stored_yet_stores_it(provider_user, location):
    client = client_for(provider_user)
    with frozen(IN_DECEMBER_WINDOW):
        response = client.post(
            reverse("returns:nil", args=["2026-12", location.cqc_id, "care_home"]),
            {"based_on": "0", "nil_reason": "no_service_users"},
        )
    assert response.status_code == 302
    window = CollectionWindow.objects.get()
    assert window.period == datetime.date(2026, 12, 1)
    assert window.closes_at == datetime.datetime(2026, 12, 15, tzinfo=LONDON)
    version = ReturnVersion.objects.get()
    assert version.return_head.window == window
    assert version.in_window
    # The scheduled job later finds it there and leaves it alone.
    assert windows_ensure_ahead(now=IN_DECEMBER_WINDOW) == 12


def test_a_month_never_stored_cannot_be_saved_and_is_not_stored(provider_user, location):
    client = client_for(provider_user)
    november = ["2026-11", location.cqc_id, "care_home"]
    with frozen(IN_DECEMBER_WINDOW):
        form = client.get(reverse("returns:form", args=november))
        post = client.post(
            reverse("returns:nil", args=november),
            {"based_on": "0", "nil_reason": "no_service_users"},
        )
    assert form.status_code == post.status_code == 404
    with pytest.raises(ReturnNotAllowed, match="did not run that month's collection"):
        return_save(
            submitter=Submitter.of(provider_user),
            location=location,
            care_type="care_home",
            window=latest_opened_window(BEFORE_DECEMBER_OPENS),  # November, computed
            kind="nil",
            source="portal",
            now=IN_DECEMBER_WINDOW,
            nil_reason="no_staff",
        )
    assert CollectionWindow.objects.count() == 0
    assert not ReturnVersion.objects.exists()


def test_a_csv_upload_for_a_month_never_stored_is_refused_clearly(provider_user, location):
    client = client_for(provider_user)
    csv = SimpleUploadedFile("returns.csv", b"location_id,care_type\n", content_type="text/csv")
    with frozen(BEFORE_DECEMBER_OPENS):  # November's is the collection open for uploads
        response = client.post(reverse("bulk:start"), {"file": csv})
    assert response.status_code == 400
    assert "November 2026 cannot be saved" in response.content.decode()
    assert CollectionWindow.objects.count() == 0
    assert not BulkUpload.objects.exists()


def test_a_csv_upload_in_an_open_window_not_stored_yet_stores_it(provider_user, location):
    client = client_for(provider_user)
    csv = SimpleUploadedFile("returns.csv", b"location_id,care_type\n", content_type="text/csv")
    with frozen(IN_DECEMBER_WINDOW):
        response = client.post(reverse("bulk:start"), {"file": csv})
    assert response.status_code == 302
    upload = BulkUpload.objects.get()
    assert upload.window.period == datetime.date(2026, 12, 1)
    assert CollectionWindow.objects.count() == 1


def test_dashboard_queries_stay_flat_when_the_window_is_not_stored(
    provider, provider_user, location, django_assert_max_num_queries
):
    client = client_for(provider_user)
    dashboard = reverse("returns:dashboard")
    with frozen(IN_DECEMBER_WINDOW):
        client.get(dashboard)  # the windows are then in the process's cache, as in production
    with frozen(IN_DECEMBER_WINDOW), django_assert_max_num_queries(10) as one:
        assert client.get(dashboard).status_code == 200
    LocationFactory.create_batch(5, provider=provider, offers_home_care=True)
    with frozen(IN_DECEMBER_WINDOW), django_assert_max_num_queries(10) as six:
        assert client.get(dashboard).status_code == 200
    assert len(six.captured_queries) == len(one.captured_queries)
    assert CollectionWindow.objects.count() == 0
