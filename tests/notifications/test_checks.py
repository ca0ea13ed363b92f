"""notifications.W001: Notify on without a template ID for some message."""

from __future__ import annotations

from notifications.checks import check_notify_template_ids, notify_template_names


def test_every_message_the_service_sends_is_named():
    names = notify_template_names()
    assert {
        "window_open",
        "reminder_48h",
        "receipt",
        "receipt_csv",
        "password_reset",
        "two_factor_reset",
        "registration_existing",
        "registration_pending",
        "onboarding_chaser",
        "enforcement_letter",
        "window_open_sms",
        "reminder_48h_sms",
    } <= names


def test_no_warning_without_notify(settings):
    settings.NOTIFY_API_KEY = ""
    settings.NOTIFY_TEMPLATE_IDS = {}
    assert check_notify_template_ids() == []


def test_notify_on_names_the_missing_template_ids(settings):
    settings.NOTIFY_API_KEY = "key-that-is-not-used"
    settings.NOTIFY_TEMPLATE_IDS = {name: "id" for name in notify_template_names()}
    assert check_notify_template_ids() == []
    del settings.NOTIFY_TEMPLATE_IDS["receipt_csv"]
    del settings.NOTIFY_TEMPLATE_IDS["window_open_sms"]
    [warning] = check_notify_template_ids()
    assert warning.id == "notifications.W001"
    assert warning.msg.endswith("no ID for: receipt_csv, window_open_sms.")
