"""The provider dashboard at national scale: paged 50 rows at a time, filtered by status, care
type, council and name in SQL, with the to-do count and query count independent of the size
of the group (issue 13)."""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.urls import reverse

from providers.models import LocalAuthority, RegistrationStatus
from returns.deadlines import LONDON
from returns.models import CollectionWindow
from returns.selectors import (
    DASHBOARD_PAGE_SIZE,
    dashboard_windows,
    latest_opened_window,
    window_current_or_next,
)
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from tests.conftest import client_for
from tests.factories import (
    LocationFactory,
    LocationStatusChangeFactory,
    ProviderUserFactory,
    SupportUserFactory,
)
from tests.portal_data import GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)  # window open 8-14 Dec
AFTER_WINDOW = datetime.datetime(2026, 12, 20, 9, 0, tzinfo=LONDON)
DASHBOARD = reverse("returns:dashboard")
# A row's header: the location's link, then its CQC ID (the browser tests find rows this way).
ROW = re.compile(
    r'<span class="govuk-body-s">(1-\d+)</span></th>\s*<td class="govuk-table__cell">([^<]+)</td>'
)


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


def at(instant: datetime.datetime):
    return mock.patch("capacity_tracker.lib.clock.now", return_value=instant)


def rows(page: str) -> list[tuple[str, str]]:
    """(CQC ID, care type label) of each row of the locations table, in order."""
    return ROW.findall(page)


def get(client, instant=IN_WINDOW, **params):
    with at(instant):
        return client.get(DASHBOARD, params)


def councils(n: int) -> list[LocalAuthority]:
    # The shipped reference councils (loaded by migration).
    found = list(LocalAuthority.objects.order_by("ons_code")[:n])
    assert len(found) == n
    return found


def december() -> CollectionWindow:
    return CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))


def save(
    user,
    location,
    kind: str,
    now: datetime.datetime,
    care_type: str = "care_home",
    based_on: int | None = None,
):
    fields = {"answers": GOOD_CARE_HOME} if kind == "full" else {"nil_reason": "no_staff"}
    return return_save(
        submitter=Submitter.of(user),
        location=location,
        care_type=care_type,
        window=december(),
        kind=kind,
        source="portal",
        now=now,
        based_on=based_on,
        **fields,
    )


def test_a_small_group_is_one_page_without_filters(provider):
    user = ProviderUserFactory(provider=provider)
    LocationFactory.create_batch(3, provider=provider, offers_home_care=True)
    response = get(client_for(user))
    page = response.content.decode()
    assert response.status_code == 200
    assert len(rows(page)) == 6
    assert "Apply filters" not in page
    assert "govuk-pagination" not in page
    assert "Showing" not in page
    assert "6 returns still to do" in page


def test_pages_of_fifty_rows_in_name_order_with_the_whole_group_to_do(provider):
    user = ProviderUserFactory(provider=provider)
    homes = [
        LocationFactory(provider=provider, name=f"Home {n:03d}", local_authority=council)
        for n, council in zip(range(60), councils(2) * 30, strict=True)
    ]
    client = client_for(user)
    first = get(client).content.decode()
    assert [cqc for cqc, _ in rows(first)] == [h.cqc_id for h in homes[:DASHBOARD_PAGE_SIZE]]
    assert "Showing 1 to 50 of 60 results" in first
    assert 'aria-label="Page 1" aria-current="page">1</a>' in first
    assert 'class="govuk-pagination"' in first
    assert 'href="?page=2" rel="next"' in first
    assert 'rel="prev"' not in first
    assert "Apply filters" in first and "Clear filters" in first
    assert "60 returns still to do" in first

    second = get(client, page="2").content.decode()
    assert [cqc for cqc, _ in rows(second)] == [h.cqc_id for h in homes[DASHBOARD_PAGE_SIZE:]]
    assert "Showing 51 to 60 of 60 results" in second
    assert 'href="?page=1" rel="prev"' in second
    assert 'rel="next"' not in second
    # The to-do count is the group's, not the page's.
    assert "60 returns still to do" in second


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("99", "Showing 51 to 55 of 55"),
        ("0", "Showing 1 to 50"),
        ("-2", "Showing 1 to 50"),
        ("two", "Showing 1 to 50"),
        ("9" * 30, "Showing 51 to 55 of 55"),
        ("9" * 5000, "Showing 1 to 50"),  # too long to be read as a number: page 1
    ],
)
def test_a_page_out_of_range_or_not_a_number_is_brought_into_range(provider, page, shown):
    user = ProviderUserFactory(provider=provider)
    LocationFactory.create_batch(55, provider=provider)
    response = get(client_for(user), page=page)
    assert response.status_code == 200
    assert shown in response.content.decode()


@pytest.fixture
def mixed(provider):
    """One location per status on 20 December (after the window), care homes only, in one
    council, and a home care location in another."""
    user = ProviderUserFactory(provider=provider)
    leeds, york = councils(2)
    names = {
        "updated": "Updated House",
        "nil": "Nil House",
        "late": "Late House",
        "updated_late": "Changed After House",
        "nil_late": "Emptied After House",
        "missed": "Missed House",
        "not_required": "Not_Required House",
    }
    homes = {
        status: LocationFactory(provider=provider, name=name, local_authority=leeds)
        for status, name in names.items()
    }
    LocationStatusChangeFactory(
        location=homes["not_required"], status="dormant", effective_from=datetime.date(2026, 1, 1)
    )
    homes["not_required"].status = RegistrationStatus.DORMANT
    homes["not_required"].save()
    save(user, homes["updated"], "full", IN_WINDOW)
    save(user, homes["nil"], "nil", IN_WINDOW)
    save(user, homes["late"], "full", AFTER_WINDOW)  # saved only after the window closed
    # Sent on time, then changed after the close: figures, or a nil return.
    save(user, homes["updated_late"], "full", IN_WINDOW)
    save(user, homes["updated_late"], "full", AFTER_WINDOW, based_on=1)
    save(user, homes["nil_late"], "full", IN_WINDOW)
    save(user, homes["nil_late"], "nil", AFTER_WINDOW, based_on=1)
    visits = LocationFactory(
        provider=provider,
        name="Visiting Carers",
        offers_care_home=False,
        offers_home_care=True,
        local_authority=york,
    )
    return user, homes, visits, leeds, york


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("updated", "Updated"),
        ("nil", "Nil return sent"),
        ("late", "Sent late"),
        ("updated_late", "Updated late"),
        ("nil_late", "Nil return sent late"),
        ("not_required", "Not required"),
    ],
)
def test_each_status_filter_matches_the_status_shown(mixed, status, label):
    user, homes, _, _, _ = mixed
    response = get(client_for(user), AFTER_WINDOW, status=status)
    page = response.content.decode()
    assert response.status_code == 200
    assert rows(page) == [(homes[status].cqc_id, "Care home")]
    assert re.search(rf'govuk-tag[^"]*">{label}</strong>', page)
    assert "Showing 1 to 1 of 1 result" in page


STATUS_ROW = re.compile(
    r'<span class="govuk-body-s">(1-\d+)</span></th>\s*<td class="govuk-table__cell">[^<]+</td>'
    r'\s*<td class="govuk-table__cell"><strong class="govuk-tag[^"]*">([^<]+)</strong>'
)


def test_the_status_says_what_the_newest_save_did_on_the_small_groups_page_too(mixed):
    """Issue 17: after a late update or a late nil return the dashboard said "Updated". The
    small group's page builds its statuses in Python (``dashboard_status``), the filtered one
    in SQL (``status_expression``, above): the same words either way."""
    user, homes, _, _, _ = mixed
    response = get(client_for(user), AFTER_WINDOW)
    shown = dict(STATUS_ROW.findall(response.content.decode()))
    assert {status: shown[home.cqc_id] for status, home in homes.items()} == {
        "updated": "Updated",
        "nil": "Nil return sent",
        "late": "Sent late",
        "updated_late": "Updated late",
        "nil_late": "Nil return sent late",
        "missed": "Missed",
        "not_required": "Not required",
    }


def test_missed_and_not_started_are_filtered_by_the_clock(mixed):
    user, homes, visits, _, _ = mixed
    client = client_for(user)
    missed = get(client, AFTER_WINDOW, status="missed").content.decode()
    assert {cqc for cqc, _ in rows(missed)} == {homes["missed"].cqc_id, visits.cqc_id}
    # Seen with the clock inside the window, the unsent ones are not started, not missed.
    assert rows(get(client, IN_WINDOW, status="missed").content.decode()) == []
    not_started = get(client, IN_WINDOW, status="not_started").content.decode()
    assert {cqc for cqc, _ in rows(not_started)} == {homes["missed"].cqc_id, visits.cqc_id}


def test_care_type_council_and_name_filters(mixed):
    user, homes, visits, leeds, york = mixed
    client = client_for(user)
    home_care = get(client, AFTER_WINDOW, care_type="home_care").content.decode()
    assert rows(home_care) == [(visits.cqc_id, "Home care")]
    in_york = get(client, AFTER_WINDOW, council=york.ons_code).content.decode()
    assert rows(in_york) == [(visits.cqc_id, "Home care")]
    in_leeds = get(client, AFTER_WINDOW, council=leeds.ons_code).content.decode()
    assert {cqc for cqc, _ in rows(in_leeds)} == {h.cqc_id for h in homes.values()}
    # Name contains, whatever the case; the form keeps what was asked.
    named = get(client, AFTER_WINDOW, name="  nIL ").content.decode()
    assert rows(named) == [(homes["nil"].cqc_id, "Care home")]
    assert 'name="name" type="text" spellcheck="false" value="  nIL "' in named


def test_filters_combine_and_the_pages_keep_them(provider):
    user = ProviderUserFactory(provider=provider)
    leeds, york = councils(2)
    wanted = [
        LocationFactory(provider=provider, name=f"Oak {n:02d}", local_authority=leeds)
        for n in range(55)
    ]
    LocationFactory.create_batch(5, provider=provider, name="Oak elsewhere", local_authority=york)
    LocationFactory.create_batch(5, provider=provider, name="Elm", local_authority=leeds)
    done = LocationFactory(provider=provider, name="Oak 99 done", local_authority=leeds)
    save(user, done, "full", IN_WINDOW)
    client = client_for(user)
    params = {"status": "not_started", "council": leeds.ons_code, "name": "oak"}
    first = get(client, **params).content.decode()
    assert "Showing 1 to 50 of 55 results" in first
    assert (
        f'href="?status=not_started&amp;council={leeds.ons_code}&amp;name=oak&amp;page=2"' in first
    )
    second = get(client, **params, page="2").content.decode()
    assert [cqc for cqc, _ in rows(second)] == [w.cqc_id for w in wanted[50:]]
    # The whole group's to-do: 55 + 5 + 5, not the 55 matching nor the 5 on the page.
    assert "65 returns still to do" in second
    assert f'<option value="{leeds.ons_code}" selected>' in second
    nothing = get(client, status="nil", name="oak").content.decode()
    assert rows(nothing) == []
    assert "No locations match these filters" in nothing


def test_a_council_of_another_provider_shows_nothing_of_theirs(provider, other_provider):
    user = ProviderUserFactory(provider=provider)
    mine, theirs = councils(2)
    LocationFactory.create_batch(3, provider=provider, local_authority=mine)
    other = LocationFactory(provider=other_provider, name="Not Yours Lodge", local_authority=theirs)
    response = get(client_for(user), council=theirs.ons_code)
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert '<a href="#id_council">Select a council from the list</a>' in page
    assert other.name not in page and other.cqc_id not in page
    # Only the user's own councils are choices; the bad filter is ignored.
    assert f'value="{theirs.ons_code}"' not in page
    assert f'<option value="{mine.ons_code}">' in page
    assert len(rows(page)) == 3


@pytest.mark.parametrize(
    ("params", "message", "anchor"),
    [
        ({"status": "done"}, "Select a status from the list", "id_status"),
        ({"care_type": "nursing"}, "Select a care type from the list", "id_care_type"),
        ({"name": "x" * 101}, "Location name must be 100 characters or fewer", "id_name"),
        ({"name": "a\x00b"}, "Null characters are not allowed.", "id_name"),
    ],
)
def test_a_bad_filter_is_a_400_with_an_error_summary(provider, params, message, anchor):
    user = ProviderUserFactory(provider=provider)
    LocationFactory.create_batch(2, provider=provider)
    response = get(client_for(user), **params)
    page = response.content.decode()
    assert response.status_code == 400
    assert f'<a href="#{anchor}">{message}</a>' in page
    assert "govuk-form-group--error" in page
    assert len(rows(page)) == 2  # the bad filter is ignored


def test_a_user_limited_to_some_locations_sees_and_counts_only_those(provider):
    leeds, york, hull = councils(3)
    allowed = [
        LocationFactory(provider=provider, local_authority=leeds),
        LocationFactory(provider=provider, local_authority=york, offers_home_care=True),
    ]
    hidden = LocationFactory.create_batch(60, provider=provider, local_authority=hull)
    user = ProviderUserFactory(provider=provider)
    user.limited_to_locations.set(allowed)
    client = client_for(user)
    page = get(client).content.decode()
    assert {cqc for cqc, _ in rows(page)} == {a.cqc_id for a in allowed}
    assert "3 returns still to do" in page
    assert "Apply filters" not in page  # three rows: a small group for this user
    # Filtering by a council of the provider's that the user may not see is not a choice.
    refused = get(client, council=hull.ons_code)
    assert refused.status_code == 400
    assert not any(h.cqc_id in refused.content.decode() for h in hidden)
    unlimited = get(client_for(ProviderUserFactory(provider=provider))).content.decode()
    assert "Showing 1 to 50 of 63 results" in unlimited
    assert "63 returns still to do" in unlimited


def test_staff_still_go_to_the_locations_list(provider):
    response = client_for(SupportUserFactory()).get(DASHBOARD)
    assert response.status_code == 302
    assert response.url == reverse("providers:locations")


def test_queries_are_flat_and_a_page_is_small_for_five_hundred_locations(
    provider, django_assert_max_num_queries
):
    user = ProviderUserFactory(provider=provider)
    client = client_for(user)
    LocationFactory.create_batch(5, provider=provider, local_authority=councils(1)[0])
    with at(IN_WINDOW), django_assert_max_num_queries(12) as few:
        assert client.get(DASHBOARD).status_code == 200
    # 495 more, every one offering both care types, across 150 councils: 1,000 rows or so.
    pool = councils(150)
    for n in range(495):
        LocationFactory(
            provider=provider, offers_home_care=True, local_authority=pool[n % len(pool)]
        )
    save(user, provider.locations.order_by("name")[0], "full", IN_WINDOW)
    params = {"page": "7", "care_type": "home_care", "name": "house", "status": "not_started"}
    with at(IN_WINDOW), django_assert_max_num_queries(12) as many:
        response = client.get(DASHBOARD, {"page": "3"})
    with at(IN_WINDOW), django_assert_max_num_queries(12) as filtered:
        assert client.get(DASHBOARD, params).status_code == 200
    assert len(filtered.captured_queries) == len(many.captured_queries)
    # Five locations fit on one page: built whole, in fewer queries than a counted, paged one.
    assert len(few.captured_queries) < len(many.captured_queries)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Showing 101 to 150 of 995 results" in page
    assert "994 returns still to do" in page
    assert len(rows(page)) == DASHBOARD_PAGE_SIZE
    assert page.count('<option value="E') == 150  # every council of the group, once
    assert len(response.content) < 100 * 1024, len(response.content)


@pytest.mark.parametrize(
    "instant",
    [
        datetime.datetime(2026, 12, 1, 9, 0, tzinfo=LONDON),  # before December's window opens
        IN_WINDOW,
        AFTER_WINDOW,
        datetime.datetime(2027, 3, 10, 9, 0, tzinfo=LONDON),  # beyond the stored windows
    ],
)
@pytest.mark.parametrize("gap", [False, True])
def test_the_dashboards_windows_in_one_query_are_the_usual_three(
    instant, gap, django_assert_num_queries
):
    if gap:  # a month the scheduled job never stored
        CollectionWindow.objects.filter(period=datetime.date(2026, 11, 1)).delete()
    with django_assert_num_queries(1):
        windows = dashboard_windows(instant)
    window = latest_opened_window(instant)
    assert (windows.window.period, windows.window.pk) == (window.period, window.pk)
    assert windows.next_window.period == window_current_or_next(instant).period
    previous = CollectionWindow.objects.filter(period__lt=window.period).order_by("-period").first()
    assert windows.previous == previous
