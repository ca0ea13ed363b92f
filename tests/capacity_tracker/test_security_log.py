"""Structured security logs and request limits (issue 11, item 9)."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from capacity_tracker.lib.json_logs import SECURITY_LOGGER, JsonFormatter
from tests.conftest import client_for
from tests.factories import ProviderUserFactory, SupportUserFactory

pytestmark = pytest.mark.django_db


def events(caplog) -> list[logging.LogRecord]:  # type: ignore[no-untyped-def]
    return [r for r in caplog.records if r.name == SECURITY_LOGGER]


def test_every_security_event_is_one_json_line_with_its_fields():
    record = logging.LogRecord(SECURITY_LOGGER, logging.WARNING, "", 0, "locked_out", (), None)
    record.username = "manager@brightside.example"
    record.ip = "203.0.113.9"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    payload = json.loads(line)
    assert payload["event"] == "locked_out" and payload["level"] == "WARNING"
    assert payload["username"] == "manager@brightside.example" and payload["ip"] == "203.0.113.9"
    assert payload["at"].endswith("+00:00")


def test_sign_in_and_failed_sign_in_are_logged(client, caplog):
    user = ProviderUserFactory(email="log@example.org")
    user.set_password("a-long-password-2026")
    user.save()
    caplog.set_level(logging.INFO, logger=SECURITY_LOGGER)
    client.post(reverse("login"), {"username": "log@example.org", "password": "wrong"})
    client.post(
        reverse("login"), {"username": "log@example.org", "password": "a-long-password-2026"}
    )
    names = [r.getMessage() for r in events(caplog)]
    assert names[:2] == ["sign_in_failed", "sign_in"]
    failed, signed_in = events(caplog)[:2]
    assert failed.username == "log@example.org" and not hasattr(failed, "password")
    assert signed_in.user_id == user.pk and signed_in.role == "provider"


def test_refused_access_is_logged_with_who_and_where(caplog):
    provider_user = ProviderUserFactory()
    caplog.set_level(logging.INFO, logger=SECURITY_LOGGER)
    response = client_for(provider_user).get(reverse("enforcement:queue"))
    assert response.status_code == 403
    denied = [r for r in events(caplog) if r.getMessage() == "access_denied"]
    assert len(denied) == 1
    assert denied[0].path == "/cases/" and denied[0].user_id == provider_user.pk
    assert denied[0].role == "provider" and denied[0].status == 403


def test_admin_actions_are_logged(caplog):
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    support = SupportUserFactory()
    caplog.set_level(logging.INFO, logger=SECURITY_LOGGER)
    LogEntry.objects.log_actions(
        user_id=support.pk,
        queryset=type(support).objects.filter(pk=support.pk),
        action_flag=ADDITION,
        change_message="Added.",
        single_object=True,
    )
    (entry,) = [r for r in events(caplog) if r.getMessage() == "admin_action"]
    assert entry.user_id == support.pk and entry.action == "added"
    assert entry.model == str(ContentType.objects.get_for_model(support))


def test_a_request_larger_than_any_page_needs_is_refused_before_it_is_read(client, caplog):
    caplog.set_level(logging.INFO, logger=SECURITY_LOGGER)
    response = client.generic(
        "POST",
        reverse("login"),
        data=b"x",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(7 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert [r.getMessage() for r in events(caplog)] == ["request_too_large"]


def test_every_export_is_logged_with_who_and_what(caplog):
    import datetime

    from dissemination.services import disclosure_record
    from tests.factories import AnalystFactory

    analyst = AnalystFactory()
    caplog.set_level(logging.INFO, logger=SECURITY_LOGGER)
    record = disclosure_record(
        actor=analyst,
        kind="aggregates",
        parameters={"level": "region", "windows": ["2026-11"]},
        purpose="Winter planning",
        fmt="csv",
        now=datetime.datetime(2026, 12, 3, 10, tzinfo=datetime.UTC),
        row_count=10,
    )
    (export,) = [r for r in events(caplog) if r.getMessage() == "export"]
    assert export.user_id == analyst.pk and export.role == "analyst"
    assert export.kind == "aggregates" and export.record == record.pk
