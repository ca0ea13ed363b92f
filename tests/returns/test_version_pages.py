"""A location's return history, each version's own page and its comparison with the version
before it (issue 17, item 3): figures with units, who saved it, how, when, whether it counted."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capacity_tracker.lib.govuk_dates import govuk_time
from returns import version_labels
from returns.deadlines import LONDON
from returns.models import ReturnVersion
from returns.submission import Submitter, return_save
from tests.api.keys import make_key
from tests.conftest import client_for
from tests.factories import LocationFactory, ProviderUserFactory, SupplierFactory
from tests.portal_data import GOOD_CARE_HOME
from tests.returns.test_bulk import (
    IN_WINDOW,
    csv_bytes,
    december,
    frozen,
    good_row,
    latest_upload,
    post_file,
)
from tests.returns.test_bulk_xlsx import workbook_bytes

pytestmark = pytest.mark.django_db

LATE = datetime.datetime(2026, 12, 20, 9, 5, tzinfo=LONDON)
EARLY = datetime.datetime(2026, 12, 9, 21, 5, tzinfo=LONDON)  # Wednesday 9 December, 9:05pm


@pytest.fixture(autouse=True)
def windows():
    from returns.services import windows_ensure_ahead

    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


def save(location, submitter: Submitter, *, now=EARLY, source="portal", **fields) -> ReturnVersion:
    kind = fields.pop("kind", "full")
    return return_save(
        submitter=submitter,
        location=location,
        care_type="care_home",
        window=december(),
        kind=kind,
        source=source,
        now=now,
        answers=fields.pop("answers", GOOD_CARE_HOME if kind == "full" else None),
        **fields,
    )


def page(client, location, version, compare: bool = False) -> str:
    name = "returns:version-compare" if compare else "returns:version"
    response = client.get(reverse(name, args=[location.cqc_id, version.reference]))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def summary_value(html: str, key: str) -> str:
    match = re.search(
        rf'<dt class="govuk-summary-list__key">{re.escape(key)}</dt>'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        html,
        re.S,
    )
    assert match, f"no summary row {key!r}"
    return text_of(match[1]).strip()


def title_and_h1(html: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?) – ", html, re.S)[1].strip()
    h1 = text_of(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)[1]).strip()
    return title, h1


# --- the words -----------------------------------------------------------------------------


def test_times_are_in_london_in_govuk_style():
    assert version_labels.when_saved(EARLY) == "Wednesday 9 December 2026 at 9:05pm"
    summer = datetime.datetime(2026, 6, 1, 8, 0, tzinfo=datetime.UTC)  # 9am in London (BST)
    assert version_labels.when_saved(summer) == "Monday 1 June 2026 at 9am"
    assert govuk_time(datetime.datetime(2026, 12, 1, 12, tzinfo=LONDON)) == ("midday")
    assert govuk_time(datetime.datetime(2026, 12, 1, 0, tzinfo=LONDON)) == ("midnight")


def test_figures_come_with_their_units():
    assert version_labels.figure_text("beds_occupied", "integer", 35) == "35 beds"
    assert version_labels.figure_text("beds_occupied", "integer", "1") == "1 bed"
    assert version_labels.figure_text("staff_direct_care", "integer", 1200) == "1,200 staff"
    assert version_labels.figure_text("people_receiving_care", "integer", 1) == "1 person"
    assert version_labels.figure_text("visiting_possible", "yes_no", "no") == "No"
    assert version_labels.figure_text("visiting_reason", "text", "") == "Not answered"


# --- each "how", on the version page and in the history --------------------------------------


def test_an_online_form_save_shows_who_how_when_and_its_figures(provider_user, location):
    version = save(location, Submitter.of(provider_user))
    html = page(client_for(provider_user), location, version)
    assert summary_value(html, "Saved by") == provider_user.get_full_name()
    assert summary_value(html, "How") == "Online form"
    assert summary_value(html, "When") == "Wednesday 9 December 2026 at 9:05pm"
    assert summary_value(html, "Counted").startswith("Sent on time")
    assert summary_value(html, "Beds occupied or used") == "35 beds"
    assert summary_value(html, "Maximum bed capacity") == "40 beds"
    assert summary_value(html, "Can the home accommodate residents receiving visitors?") == "Yes"
    title, h1 = title_and_h1(html)
    assert title == h1 == "December 2026 care home return: version 1"
    assert "There is no earlier version to compare it with" in html
    history = reverse("returns:history", args=[location.cqc_id])
    assert f'href="{history}" class="govuk-back-link"' in html


def test_support_staff_on_behalf_say_necs_support_and_the_reason(
    provider_user, support_user, location
):
    version = save(
        location,
        Submitter.of(support_user),
        source="assisted",
        on_behalf_reason="Manager phoned the helpline",
    )
    html = page(client_for(provider_user), location, version)
    who = summary_value(html, "Saved by")
    assert who == f"NECS support on behalf of {location.provider.name}"
    assert support_user.get_full_name() not in html  # the officer is named to staff only
    assert summary_value(html, "Why support staff saved it") == "Manager phoned the helpline"
    assert summary_value(html, "How") == "Support staff on behalf of the provider"
    staff_view = page(client_for(support_user), location, version)
    assert support_user.get_full_name() in summary_value(staff_view, "Saved by")


def test_an_email_link_save_names_the_contact(provider_user, location):
    # An unchanged return needs figures before it: the first save, then the link's.
    save(location, Submitter.of(provider_user))
    version = save(
        location,
        Submitter(user=None, first_name="Ruth", last_name="Ellis"),
        source="email_link",
        kind="unchanged",
        now=EARLY + datetime.timedelta(hours=1),
    )
    html = page(client_for(provider_user), location, version)
    assert summary_value(html, "Saved by") == "Ruth Ellis"
    assert summary_value(html, "How") == "Link in email"
    assert summary_value(html, "What was sent") == "No change since the last return"


def test_an_api_key_save_names_the_key_and_never_its_prefix(provider_user, location):
    key, _ = make_key("provider", provider=location.provider, name="Nightly sync")
    version = save(
        location,
        Submitter(user=None, first_name=key.name, last_name=f"(API key {key.prefix})"),
        source="api",
        api_key=key,
    )
    html = page(client_for(provider_user), location, version)
    assert summary_value(html, "How") == "API (Nightly sync)"
    assert summary_value(html, "Saved by") == "Nightly sync"
    assert key.prefix not in html


def test_a_suppliers_draft_confirmed_names_the_person_and_the_supplier(provider_user, location):
    supplier = SupplierFactory(name="CareSys Ltd")
    key, _ = make_key("supplier", supplier=supplier, name="CareSys production")
    version = save(
        location, Submitter.of(provider_user), source="api", api_key=key, via_supplier=supplier
    )
    client = client_for(provider_user)
    html = page(client, location, version)
    assert summary_value(html, "How") == "API (CareSys Ltd)"
    assert summary_value(html, "Saved by") == provider_user.get_full_name()
    history = client.get(reverse("returns:history", args=[location.cqc_id])).content.decode()
    assert "API (CareSys Ltd)" in history


@pytest.mark.parametrize(
    "name, content, how",
    [
        ("returns.csv", "csv", "Spreadsheet upload (CSV)"),
        ("returns.xlsx", "xlsx", "Spreadsheet upload (Excel)"),
    ],
)
def test_a_spreadsheet_upload_says_which_kind_of_file(provider_user, location, name, content, how):
    client = client_for(provider_user)
    rows = [good_row(location)]
    data = csv_bytes(rows) if content == "csv" else workbook_bytes(rows)
    with frozen(IN_WINDOW):
        post_file(client, data, name=name)
        upload = latest_upload()
        assert upload.status == "ready"
        client.post(reverse("bulk:confirm", args=[upload.pk]))
    version = ReturnVersion.objects.get()
    assert version.source == "csv"
    html = page(client, location, version)
    assert summary_value(html, "How") == how
    history = client.get(reverse("returns:history", args=[location.cqc_id])).content.decode()
    assert how in history
    assert "csv bulk update" not in history.lower()


# --- whether it counted --------------------------------------------------------------------


def test_on_time_replaced_late_and_nil_are_told_apart(provider_user, location):
    me = Submitter.of(provider_user)
    first = save(location, me)
    second = save(
        location, me, now=EARLY + datetime.timedelta(hours=2), kind="nil", nil_reason="no_staff"
    )
    late = save(location, me, now=LATE, answers={**GOOD_CARE_HOME, "beds_occupied": "30"})
    client = client_for(provider_user)
    assert summary_value(page(client, location, first), "Counted").startswith("Replaced")
    nil_page = page(client, location, second)
    assert summary_value(nil_page, "Counted").startswith("Nil return")
    assert summary_value(nil_page, "What was sent") == "Nil return: there are no staff"
    assert "This is a nil return, so it has no figures" in nil_page
    late_page = page(client, location, late)
    assert summary_value(late_page, "Counted").startswith("Sent late")
    assert "does not count as sent on time" in late_page
    history = client.get(reverse("returns:history", args=[location.cqc_id])).content.decode()
    for tag in ("Replaced", "Nil return", "Sent late"):
        assert f">{tag}</strong>" in history
    for version in (first, second, late):  # every row opens its own page
        assert reverse("returns:version", args=[location.cqc_id, version.reference]) in history


# --- the comparison ------------------------------------------------------------------------


def test_the_comparison_marks_only_the_changed_figures(provider_user, location):
    me = Submitter.of(provider_user)
    save(location, me)
    second = save(
        location,
        me,
        now=EARLY + datetime.timedelta(hours=1),
        answers={**GOOD_CARE_HOME, "beds_occupied": "30", "beds_vacant_accepting": "9"},
    )
    client = client_for(provider_user)
    assert "Compare with version 1" in page(client, location, second)
    html = page(client, location, second, compare=True)
    title, h1 = title_and_h1(html)
    assert title == h1
    changed = re.findall(
        r'<tr class="govuk-table__row app-row--changed">\s*<th scope="row" '
        r'class="govuk-table__header">(.*?) <strong class="govuk-tag govuk-tag--yellow">'
        r"Changed</strong></th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*><strong>(.*?)</strong>",
        html,
    )
    assert changed == [
        ("Beds occupied or used", "35 beds", "30 beds"),
        ("Vacant beds accepting admissions", "4 beds", "9 beds"),
    ]
    assert html.count(">Changed</strong>") == 2
    assert "2 figures changed between version 1 and version 2" in html


def test_the_first_version_has_nothing_to_compare_with(provider_user, location):
    version = save(location, Submitter.of(provider_user))
    html = page(client_for(provider_user), location, version, compare=True)
    assert "This is the first version of this return" in html
    assert "Changed</strong>" not in html


# --- who may open them ---------------------------------------------------------------------


def test_another_providers_user_and_a_user_without_the_location_get_404(
    provider, provider_user, location, support_user, caseworker
):
    version = save(location, Submitter.of(provider_user))
    stranger = ProviderUserFactory()  # another provider's user
    limited = ProviderUserFactory(provider=provider)
    limited.limited_to_locations.set([LocationFactory(provider=provider)])
    for name in ("returns:version", "returns:version-compare", "returns:history"):
        args = (
            [location.cqc_id]
            if name == "returns:history"
            else [
                location.cqc_id,
                version.reference,
            ]
        )
        url = reverse(name, args=args)
        assert client_for(stranger).get(url).status_code == 404
        assert client_for(limited).get(url).status_code == 404
        assert client_for(support_user).get(url).status_code == 200
        assert client_for(caseworker).get(url).status_code == 200
        assert client_for(provider_user).get(url).status_code == 200
        assert client_for(provider_user).post(url).status_code == 405  # reading only


def test_a_reference_of_another_location_is_404_under_this_one(provider, provider_user, location):
    sister = LocationFactory(provider=provider)
    version = save(sister, Submitter.of(provider_user))
    url = reverse("returns:version", args=[location.cqc_id, version.reference])
    assert client_for(provider_user).get(url).status_code == 404


def test_each_version_shows_its_own_saver(provider, location):
    """Two people of the provider: each version credits the one who saved it."""
    manager, deputy = ProviderUserFactory(provider=provider), ProviderUserFactory(provider=provider)
    first = save(location, Submitter.of(manager))
    second = save(location, Submitter.of(deputy), now=EARLY + datetime.timedelta(hours=1))
    client = client_for(manager)
    assert summary_value(page(client, location, first), "Saved by") == manager.get_full_name()
    assert summary_value(page(client, location, second), "Saved by") == deputy.get_full_name()


# --- queries ---------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_history_and_version_pages_cost_the_same_queries_for_many_versions(
    provider_user, location, django_assert_max_num_queries
):
    me = Submitter.of(provider_user)
    client = client_for(provider_user)
    first = save(location, me)
    with frozen(IN_WINDOW):  # a spreadsheet version too, so the format lookup is counted
        post_file(client, csv_bytes([good_row(location, beds_occupied="33")]))
        client.post(reverse("bulk:confirm", args=[latest_upload().pk]))
    history = reverse("returns:history", args=[location.cqc_id])
    _queries(client, history)  # warm up: sessions, content types, datasets
    few = _queries(client, history)
    latest = first
    for n in range(12):
        latest = save(
            location,
            me,
            now=EARLY + datetime.timedelta(minutes=10 * (n + 1)),
            answers={**GOOD_CARE_HOME, "staff_agency_non_care": str(n + 1)},
        )
    with django_assert_max_num_queries(few):
        assert client.get(history).status_code == 200
    version_url = reverse("returns:version", args=[location.cqc_id, latest.reference])
    compare_url = reverse("returns:version-compare", args=[location.cqc_id, latest.reference])
    first_url = reverse("returns:version", args=[location.cqc_id, first.reference])
    one = _queries(client, first_url)
    with django_assert_max_num_queries(one + 1):  # the version before it: one query
        assert client.get(version_url).status_code == 200
    with django_assert_max_num_queries(one + 1):
        assert client.get(compare_url).status_code == 200
