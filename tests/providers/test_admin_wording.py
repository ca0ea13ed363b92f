"""Django admin's pages as support staff get them (issue 17): labels, names and wording that
axe and GOV.UK's content style ask for; tests/browser/test_admin_accessible.py checks the same
pages in a browser."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from enforcement.models import Breach, LetterBreach
from providers.audit import audit_record
from returns.models import CollectionWindow, ReminderPass, WarningRule
from tests.conftest import client_for
from tests.dissemination.aggregates_world import windows_2026
from tests.factories import LocationFactory, SupportUserFactory

pytestmark = pytest.mark.django_db


def test_model_plurals_are_english():
    assert Breach._meta.verbose_name_plural == "breaches"
    assert LetterBreach._meta.verbose_name_plural == "letter breaches"
    assert ReminderPass._meta.verbose_name_plural == "reminder passes"
    wrong = [
        f"{model._meta.label}: {model._meta.verbose_name_plural}"
        for model in apps.get_models()
        if str(model._meta.verbose_name_plural).endswith(("ss", "chs", "shs", "xs"))
    ]
    assert not wrong


def test_the_admin_sign_in_page_has_a_heading_and_every_admin_page_a_favicon(client):
    html = client.get(reverse("admin:login")).content.decode()
    assert "<h1>Log in</h1>" in html
    assert 'rel="icon"' in html and "favicon.svg" in html
    assert "css/admin.css" in html


def test_the_window_dates_have_a_label_each():
    (window,) = windows_2026(5)
    html = (
        client_for(SupportUserFactory())
        .get(reverse("admin:returns_collectionwindow_change", args=[window.pk]))
        .content.decode()
    )
    for field in ("opens_at", "closes_at"):
        assert f'<label for="id_{field}_0">Date:</label>' in html
        assert f'<label for="id_{field}_1">Time:</label>' in html
    assert CollectionWindow.objects.filter(pk=window.pk).exists()


def test_the_warning_rules_editable_boxes_are_named_after_their_row():
    rule = WarningRule.objects.order_by("pk").first()
    assert rule is not None  # the defaults ship with a migration
    html = (
        client_for(SupportUserFactory())
        .get(reverse("admin:returns_warningrule_changelist"))
        .content.decode()
    )
    assert f'aria-label="Threshold for {rule}"' in html


def test_the_audit_trail_in_admin_says_what_happened_in_words():
    support = SupportUserFactory()
    audit_record(actor=support, action="providers.contact.confirmed", target=LocationFactory())
    html = client_for(support).get(reverse("admin:providers_auditevent_changelist")).content
    assert b"Contacts confirmed" in html


def test_admin_titles_start_with_the_heading():
    location = LocationFactory(name="Larch House")
    html = (
        client_for(SupportUserFactory())
        .get(reverse("admin:providers_location_change", args=[location.pk]))
        .content.decode()
    )
    assert (
        "<title>Change location – Larch House" in html
        or "<title>View location – Larch House" in html
    )
