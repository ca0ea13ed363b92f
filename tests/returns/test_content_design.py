"""Issue 17, the return's pages to the GOV.UK standard: only optional questions marked,
follow-up questions as conditional reveals, titles that match their headings, a 400 for every
form sent back with errors, the on-behalf reason's error on its field, a page (not a 404)
before the window opens, and resent emails with the window's dates as they are now."""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import OutboundMessage
from notifications.outbox import outbox_resend, outbox_send_due
from returns.deadlines import LONDON
from returns.email_links import make_token
from returns.emails import EMAIL_VETOES, queue_window_open
from returns.models import CollectionWindow, ReturnVersion
from returns.services import window_override, windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.conftest import client_for
from tests.factories import ContactFactory, SupportUserFactory
from tests.portal_data import GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
BEFORE_OPEN = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=LONDON)  # December, window not open
PERIOD = "2026-12"
GOOD = GOOD_CARE_HOME


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


def at(instant: datetime.datetime):
    return mock.patch("capacity_tracker.lib.clock.now", return_value=instant)


def url(name: str, location, care_type: str = "care_home") -> str:
    return reverse(name, args=[PERIOD, location.cqc_id, care_type])


def title(page: str) -> str:
    found = re.search(r"<title>\s*(.*?) – ", page, re.S)
    assert found, "no title"
    return found.group(1).strip()


def h1(page: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert found, "no h1"
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()


def december() -> CollectionWindow:
    return CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))


# --- Questions ---------------------------------------------------------------------------------


def test_the_visiting_reason_is_revealed_under_no_and_not_marked_optional(provider_user, location):
    with at(IN_WINDOW):
        page = client_for(provider_user).get(url("returns:form", location)).content.decode()
    assert "(required)" not in page and "(optional)" not in page
    # Directly under the "No" radio, in a GOV.UK conditional block that static/js/reveal.js
    # shows while "No" is chosen (hidden until then; no aria-expanded: see
    # templates/includes/field_radios.html).
    reveal = re.search(
        r'value="no" data-reveals="id_visiting_possible-conditional">\s*'
        r"<label[^>]*>No</label>\s*</div>\s*"
        r'<div class="govuk-radios__conditional govuk-radios__conditional--hidden"'
        r' id="id_visiting_possible-conditional">'
        r"(.*?)</textarea>",
        page,
        re.S,
    )
    assert reveal, "the visiting reason is not revealed under No"
    assert 'name="visiting_reason"' in reveal.group(1)
    assert page.count('name="visiting_reason"') == 1  # drawn once, in the reveal
    # Radios with a reveal are not inline (GOV.UK).
    assert "govuk-radios--inline" not in page.split('name="visiting_possible"')[0][-600:]


def test_no_without_a_reason_is_refused_and_the_reason_is_shown(provider_user, location):
    client = client_for(provider_user)
    data = {**GOOD, "visiting_possible": "no", "visiting_reason": "", "based_on": "0"}
    with at(IN_WINDOW):
        response = client.post(url("returns:form", location), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert title(page).startswith("Error: ")
    assert '<a href="#id_visiting_reason">Enter why the home cannot accommodate visitors</a>' in (
        page
    )
    assert re.search(r'value="no" checked data-reveals="id_visiting_possible-conditional"', page)
    # Chosen, so shown from the start (not hidden until a click).
    assert 'class="govuk-radios__conditional" id="id_visiting_possible-conditional"' in page


def test_a_reason_typed_then_hidden_by_yes_is_not_sent_nor_shown(provider_user, location):
    client = client_for(provider_user)
    data = {**GOOD, "visiting_possible": "yes", "visiting_reason": "Typed, then Yes chosen"}
    with at(IN_WINDOW):
        assert client.post(
            url("returns:form", location), {**data, "based_on": "0"}
        ).status_code == (302)
        check = client.get(url("returns:check", location)).content.decode()
        assert "Why can the home not accommodate visitors?" not in check
        assert "Not answered" not in check
        assert ">35 beds<" in check  # figures with their units
        client.post(url("returns:check", location))
    assert ReturnVersion.objects.get().answers["visiting_reason"] is None


def test_check_answers_shows_the_reason_when_visiting_is_not_possible(provider_user, location):
    client = client_for(provider_user)
    data = {**GOOD, "visiting_possible": "no", "visiting_reason": "Outbreak", "based_on": "0"}
    with at(IN_WINDOW):
        client.post(url("returns:form", location), data)
        check = client.get(url("returns:check", location)).content.decode()
    assert "Why can the home not accommodate visitors?" in check and ">Outbreak<" in check
    assert title(check) == h1(check) == "Check your answers before sending"


def test_the_nil_reasons_detail_is_revealed_under_another_reason(provider_user, location):
    client = client_for(provider_user)
    with at(IN_WINDOW):
        page = client.get(url("returns:nil", location)).content.decode()
        assert "(optional)" not in page and "Required if" not in page
        assert re.search(
            r'value="other" data-reveals="id_nil_reason-conditional">\s*'
            r"<label[^>]*>Another reason</label>\s*</div>\s*"
            r'<div class="govuk-radios__conditional govuk-radios__conditional--hidden"'
            r' id="id_nil_reason-conditional">.*?'
            r'name="nil_reason_detail"',
            page,
            re.S,
        )
        # Details typed and then another reason chosen are not kept.
        sent = client.post(
            url("returns:nil", location),
            {"based_on": "0", "nil_reason": "no_staff", "nil_reason_detail": "Left over"},
        )
    assert sent.status_code == 302
    assert ReturnVersion.objects.get().nil_reason_detail == ""


# --- Titles, status codes and errors ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "heading"),
    [("full", "Return sent"), ("nil", "Nil return sent"), ("unchanged", "Figures confirmed")],
)
def test_the_saved_pages_title_matches_its_heading(provider_user, location, kind, heading):
    november = CollectionWindow.objects.get(period=datetime.date(2026, 11, 1))
    return_save(
        submitter=Submitter.of(provider_user),
        location=location,
        care_type="care_home",
        window=november,
        kind="full",
        source="portal",
        now=november.opens_at + datetime.timedelta(days=1),
        answers=GOOD,
    )
    fields = {"full": {"answers": GOOD}, "nil": {"nil_reason": "no_staff"}, "unchanged": {}}
    version = return_save(
        submitter=Submitter.of(provider_user),
        location=location,
        care_type="care_home",
        window=december(),
        kind=kind,
        source="portal",
        now=datetime.datetime(2026, 12, 14, 14, 5, tzinfo=LONDON),
        **fields[kind],
    )
    page = (
        client_for(provider_user)
        .get(reverse("returns:saved", args=[version.reference]))
        .content.decode()
    )
    assert title(page) == h1(page) == heading
    assert "saved at 2:05pm on Monday 14 December 2026" in page


def test_invalid_unchanged_and_nil_forms_answer_400(provider_user, location):
    client = client_for(provider_user)
    with at(IN_WINDOW):
        nil = client.post(url("returns:nil", location), {"based_on": "0", "nil_reason": "x"})
        unchanged = client.post(url("returns:unchanged", location), {"based_on": "tampered"})
    assert nil.status_code == 400 and title(nil.content.decode()).startswith("Error: ")
    assert unchanged.status_code == 400
    assert title(unchanged.content.decode()).startswith("Error: ")
    assert not ReturnVersion.objects.exists()


@pytest.mark.parametrize("page_name", ["returns:check", "returns:nil"])
def test_the_on_behalf_reason_error_is_linked_and_on_its_field(location, page_name):
    client = client_for(SupportUserFactory())
    with at(IN_WINDOW):
        client.post(url("returns:form", location), {**GOOD, "based_on": "0"})
        data = {"on_behalf_reason": "  "}
        if page_name == "returns:nil":
            data |= {"based_on": "0", "nil_reason": "no_staff"}
        response = client.post(url(page_name, location), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert title(page).startswith("Error: ")
    message = "Enter why you are submitting for the provider"
    assert f'<a href="#id_on_behalf_reason">{message}</a>' in page
    assert re.search(
        r'<p id="id_on_behalf_reason-error" class="govuk-error-message">\s*'
        rf'<span class="govuk-visually-hidden">Error:</span> {message}',
        page,
    )
    assert 'aria-describedby="id_on_behalf_reason-hint id_on_behalf_reason-error"' in page
    assert "govuk-textarea--error" in page
    assert "(required)" not in page
    assert not ReturnVersion.objects.exists()


# --- Before the window opens ------------------------------------------------------------------


def test_the_return_pages_before_the_window_opens_say_when_it_opens(provider_user, location):
    client = client_for(provider_user)
    with at(BEFORE_OPEN):
        page = client.get(url("returns:form", location))
        sent = client.post(
            url("returns:nil", location), {"based_on": "0", "nil_reason": "no_staff"}
        )
    text = page.content.decode()
    assert page.status_code == 200  # never a 404: the emailed link leads here
    assert title(text) == h1(text) == "The collection for December 2026 has not opened yet"
    assert "It opens on Tuesday 8 December 2026" in text
    assert "until the end of Monday 14 December 2026" in text
    assert "<form" not in text.split("<main")[1]
    assert sent.status_code == 409 and not ReturnVersion.objects.exists()


def test_the_emailed_link_before_the_window_opens_offers_nothing_to_press(location):
    contact = ContactFactory(location=location)
    support = SupportUserFactory()
    window = december()
    later = datetime.datetime(2026, 12, 9, 9, 0, tzinfo=LONDON)
    token = make_token(
        location_id=location.pk,
        window_id=window.pk,
        contact_id=contact.pk,
        expires_at=window.closes_at,
    )
    window_override(
        actor=support,
        window_id=window.pk,
        opens_at=later,
        closes_at=window.closes_at,
        reason="Outage",
        now=IN_WINDOW,
    )
    link = reverse("email-link", args=[token])
    client = client_for(support)
    client.logout()
    with at(datetime.datetime(2026, 12, 8, 12, 0, tzinfo=LONDON)):
        page = client.get(link)
        sent = client.post(link, {"choice": "nil", "nil_reason": "no_staff"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "It opens at 9am on Wednesday 9 December 2026" in text
    assert "closed" not in text and "will not count as sent on time" not in text
    assert "<form" not in text.split("<main")[1]
    assert sent.status_code == 409 and not ReturnVersion.objects.exists()


def test_a_resent_email_gives_the_windows_dates_as_they_are_now(settings, location):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_MAX_PER_MINUTE = 1_000_000
    settings.NOTIFY_API_KEY = ""
    ContactFactory(location=location, email="manager@example.org")
    window = december()
    queue_window_open(now=window.opens_at)
    outbox_send_due(now=window.opens_at, vetoes=EMAIL_VETOES)
    assert "by the end of Monday 14 December 2026" in mail.outbox[0].body
    support = SupportUserFactory()
    window_override(
        actor=support,
        window_id=window.pk,
        opens_at=window.opens_at,
        closes_at=datetime.datetime(2026, 12, 17, 0, 0, tzinfo=LONDON),
        reason="Outage",
        now=IN_WINDOW,
    )
    original = OutboundMessage.objects.get(kind="window_open", channel="email")
    outbox_resend(actor=support, email_id=original.pk, reason="Did not arrive", now=IN_WINDOW)
    outbox_send_due(now=IN_WINDOW, vetoes=EMAIL_VETOES)
    resent = mail.outbox[-1].body
    assert "by the end of Wednesday 16 December 2026" in resent
    assert "14 December" not in resent
    assert "between Tuesday 8 December 2026 and the end of Wednesday 16 December 2026" in resent
    # Its link lasts until the new close, and the row says what was sent.
    copy = OutboundMessage.objects.get(resend_of=original)
    assert copy.personalisation["last_day"] == "Wednesday 16 December 2026"
    quick = str(copy.personalisation["quick_url"]).rsplit("/quick/", 1)[1].strip("/")
    with at(datetime.datetime(2026, 12, 16, 20, 0, tzinfo=LONDON)):
        assert client_for(support).get(reverse("email-link", args=[quick])).status_code == 200
