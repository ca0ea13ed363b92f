"""Stored windows: created ahead, overridden with a reason, shown the same three ways."""

from __future__ import annotations

import csv
import datetime
import io
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from capacity_tracker.tasks import run_job
from providers.models import AuditEvent
from returns.deadlines import LONDON, Period
from returns.models import CollectionWindow
from returns.services import window_override, windows_ensure_ahead
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def london(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def test_scheduled_job_creates_this_and_the_next_twelve_months_once():
    now = london(2026, 11, 23, 9, 0)
    assert windows_ensure_ahead(now=now) == 13
    assert windows_ensure_ahead(now=now) == 0
    periods = list(CollectionWindow.objects.values_list("period", flat=True))
    assert periods[0] == datetime.date(2026, 11, 1)
    assert periods[-1] == datetime.date(2027, 11, 1)


def test_beat_task_runs_the_same_job():
    assert run_job("ensure_windows").endswith("new collection windows")
    assert run_job("ensure_windows") == "0 new collection windows"


def test_scheduled_job_never_changes_an_overridden_window(support_user):
    windows_ensure_ahead(now=london(2026, 11, 23))
    december = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    window_override(
        actor=support_user,
        window_id=december.pk,
        opens_at=december.opens_at,
        closes_at=london(2026, 12, 17),
        reason="National outage on 14 December",
        now=london(2026, 12, 14, 10, 0),
    )
    windows_ensure_ahead(now=london(2026, 11, 24))
    december.refresh_from_db()
    assert december.closes_at == london(2026, 12, 17)
    assert december.last_day == datetime.date(2026, 12, 16)


def test_override_records_who_when_why_and_is_audited(support_user):
    windows_ensure_ahead(now=london(2026, 11, 23))
    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    window_override(
        actor=support_user,
        window_id=window.pk,
        opens_at=window.opens_at,
        closes_at=london(2026, 12, 16),
        reason="Outage",
        now=london(2026, 12, 14, 10, 0),
    )
    window.refresh_from_db()
    assert window.overridden
    assert window.overridden_by == support_user
    assert window.overridden_at == london(2026, 12, 14, 10, 0)
    assert window.rule_closes_at == london(2026, 12, 15)
    event = AuditEvent.objects.get(action="returns.window.overridden")
    assert event.actor == support_user
    assert event.reason == "Outage"
    assert event.data["before"]["closes_at"] == "2026-12-15T00:00:00+00:00"


def test_override_back_to_the_rules_clears_the_flag(support_user):
    windows_ensure_ahead(now=london(2026, 11, 23))
    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    window_override(
        actor=support_user,
        window_id=window.pk,
        opens_at=window.opens_at,
        closes_at=london(2026, 12, 16),
        reason="x",
        now=london(2026, 12, 14, 10, 0),
    )
    window_override(
        actor=support_user,
        window_id=window.pk,
        opens_at=window.rule_opens_at,
        closes_at=window.rule_closes_at,
        reason="Undo",
        now=london(2026, 12, 14, 10, 5),
    )
    window.refresh_from_db()
    assert not window.overridden
    assert window.last_day == datetime.date(2026, 12, 14)
    assert AuditEvent.objects.filter(action="returns.window.reset").exists()


@pytest.mark.parametrize(
    ("opens", "closes", "reason", "message"),
    [
        (london(2026, 12, 8), london(2026, 12, 16), "  ", "Give a reason"),
        (london(2026, 12, 16), london(2026, 12, 8), "x", "must close after it opens"),
        (datetime.datetime(2026, 12, 8), london(2026, 12, 16), "x", "time zone"),  # noqa: DTZ001
    ],
)
def test_bad_overrides_are_refused_and_nothing_changes(
    support_user, opens, closes, reason, message
):
    windows_ensure_ahead(now=london(2026, 11, 23))
    window = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    with pytest.raises(ValidationError, match=message):
        window_override(
            actor=support_user,
            window_id=window.pk,
            opens_at=opens,
            closes_at=closes,
            reason=reason,
            now=london(2026, 12, 14, 10, 0),
        )
    window.refresh_from_db()
    assert not window.overridden
    assert not AuditEvent.objects.exists()


def read_command_csv(year: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("calendar", year, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_calendar_command_prints_the_year_as_csv():
    out = io.StringIO()
    call_command("calendar", "2028", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "period,opens_at,last_day,closes_at,overridden"
    assert len(lines) == 13
    assert (
        lines[4] == "2028-04,2028-04-08T00:00:00+01:00,2028-04-18,2028-04-19T00:00:00+01:00,false"
    )
    assert (
        lines[1] == "2028-01,2028-01-08T00:00:00+00:00,2028-01-14,2028-01-15T00:00:00+00:00,false"
    )


def test_calendar_command_refuses_a_silly_year():
    with pytest.raises(CommandError, match="Enter a year from 2020 to 2100"):
        call_command("calendar", "1999", stdout=io.StringIO())


def test_calendar_command_api_and_page_agree(client, support_user):
    windows_ensure_ahead(now=london(2026, 11, 23))
    may = CollectionWindow.objects.get(period=datetime.date(2027, 5, 1))
    window_override(
        actor=support_user,
        window_id=may.pk,
        opens_at=may.opens_at,
        closes_at=london(2027, 5, 20),
        reason="System upgrade",
        now=london(2027, 5, 10, 9, 0),
    )
    from_command = read_command_csv("2027")
    response = client.get(reverse("api-calendar"), {"year": "2027"})
    assert response.status_code == 200
    from_api = response.json()
    assert [
        {**r, "overridden": "true" if r["overridden"] else "false"} for r in from_api
    ] == from_command
    assert from_api[4] == {
        "period": "2027-05",
        "opens_at": "2027-05-08T00:00:00+01:00",
        "last_day": "2027-05-19",
        "closes_at": "2027-05-20T00:00:00+01:00",
        "overridden": True,
    }
    page = client.get(reverse("calendar"), {"year": "2027"}).content.decode()
    assert "Collection dates 2027" in page
    assert "Wednesday 19 May" in page
    assert "System upgrade" in page
    assert page.count('<tr class="govuk-table__row">') == 13


@pytest.mark.parametrize("year", ["", "abc", "1999", "2101", "20 27"])
def test_calendar_api_rejects_a_bad_year_with_a_clear_message(client, year):
    response = client.get(reverse("api-calendar"), {"year": year})
    assert response.status_code == 400
    [error] = response.json()["errors"]  # the API's one error shape
    assert error["field"] == "year"
    assert error["code"] == "invalid"
    assert "Enter a year from 2020 to 2100 as a whole number" in error["message"]


def test_calendar_page_with_a_bad_year_says_so(client):
    response = client.get(reverse("calendar"), {"year": "1800"})
    assert response.status_code == 400
    assert "Enter a year from 2020 to 2100" in response.content.decode()


def test_start_page_shows_the_overridden_window_as_such(client, support_user):
    windows_ensure_ahead(now=london(2026, 11, 23))
    current = CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))
    window_override(
        actor=support_user,
        window_id=current.pk,
        opens_at=current.opens_at,
        closes_at=london(2026, 12, 16),
        reason="Outage on 14 December",
        now=london(2026, 12, 14, 10, 0),
    )
    with mock.patch("capacity_tracker.lib.clock.now", return_value=london(2026, 12, 15, 21, 0)):
        page = client.get(reverse("start")).content.decode()
    assert "The collection for <strong>December 2026</strong> is open now" in page
    assert "Tuesday 15 December 2026" in page
    assert "These dates have been changed" in page
    assert "Outage on 14 December" in page


def test_start_page_between_windows_names_the_next_one(client):
    with mock.patch("capacity_tracker.lib.clock.now", return_value=london(2026, 11, 23, 9, 0)):
        page = client.get(reverse("start")).content.decode()
    assert "The next collection, for <strong>December 2026</strong>" in page
    assert "Tuesday 8 December 2026" in page


def test_admin_override_goes_through_the_service(support_user):
    assert not support_user.is_superuser  # a plain support officer
    windows_ensure_ahead(now=london(2026, 11, 23))
    window = CollectionWindow.objects.get(period=datetime.date(2027, 1, 1))
    client = client_for(support_user)
    url = reverse("admin:returns_collectionwindow_change", args=[window.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "opens_at_0": "08/01/2027",
            "opens_at_1": "00:00:00",
            "closes_at_0": "20/01/2027",
            "closes_at_1": "00:00:00",
            "reason": "Cyber incident",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    window.refresh_from_db()
    assert window.overridden
    assert window.last_day == datetime.date(2027, 1, 19)
    assert AuditEvent.objects.get(action="returns.window.overridden").reason == "Cyber incident"


def test_period_of_a_window():
    windows_ensure_ahead(now=london(2026, 11, 23))
    window = CollectionWindow.objects.get(period=datetime.date(2027, 2, 1))
    assert window.period_obj == Period(2027, 2)
    assert str(window) == "Collection window 2027-02"
