"""The outbox's one way in, and the layering around it (issue 15, item 6)."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest

from notifications.models import OutboundMessage
from notifications.outbox import QueuedMessage, outbox_insert
from providers.mail import AccountEmail, request_emails
from tests.factories import ContactFactory, LocationFactory

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.datetime(2026, 12, 8, 9, 0, tzinfo=datetime.UTC)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_providers_never_imports_notifications():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imports(path) if name.split(".")[0] == "notifications"
        )
        for path in (ROOT / "providers").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_only_the_outbox_creates_outbox_rows():
    """No module but notifications/outbox.py builds rows with bulk_create or create (the
    receipts' INSERT ... SELECT is the one other writer, through the same columns)."""
    writers = []
    for app in ("providers", "returns", "enforcement", "dissemination", "api", "capacity_tracker"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            if "OutboundMessage(" in text or "OutboundMessage.objects.create" in text:
                writers.append(str(path.relative_to(ROOT)))
    assert writers == []


@pytest.mark.django_db
def test_an_account_email_asked_for_twice_is_queued_once():
    email = AccountEmail(
        kind="password_reset", scope="reset-1-1", recipient="Jo@Example.org", personalisation={}
    )
    assert request_emails([email], now=NOW) == 1
    # Without a location the first unique key cannot bite (NULLs differ); the second does,
    # whatever the address's case.
    again = AccountEmail(kind="password_reset", scope="reset-1-1", recipient="jo@example.org")
    assert request_emails([again], now=NOW) == 0
    row = OutboundMessage.objects.get()
    assert (row.recipient, row.template, row.location_id, row.created_at) == (
        "Jo@Example.org",
        "password_reset",
        None,
        NOW,
    )


@pytest.mark.django_db
def test_the_same_message_for_a_location_is_queued_once_and_a_resend_is_not_blocked():
    contact = ContactFactory(location=LocationFactory())
    message = QueuedMessage(
        kind="window_open",
        scope="2026-12",
        recipient=contact.email,
        template="window_open",
        personalisation={"name": contact.name},
        location_id=contact.location_id,
        contact_id=contact.pk,
    )
    assert outbox_insert([message, message], now=NOW) == 1
    assert outbox_insert([message], now=NOW) == 0
    first = OutboundMessage.objects.get()
    OutboundMessage.objects.create(
        kind=first.kind,
        scope=first.scope,
        location_id=first.location_id,
        recipient=first.recipient,
        template=first.template,
        resend_of=first,
    )
    assert OutboundMessage.objects.count() == 2
