"""The vacancy finder (issue 15, item 5): filters (council, region, type of care), order,
freshness, who may see it, and a query count that does not grow with the number of homes."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from dissemination.vacancies import Filters, days_ago, vacant_care_homes
from providers.models import LocalAuthority, Location, Region, Role
from tests.conftest import client_for
from tests.dissemination.aggregates_world import save
from tests.dissemination.pages_support import NOW, frozen_clock, la_user
from tests.dissemination.vacancy_world import build_vacancy_world, figures
from tests.factories import LocationFactory, ProviderUserFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/vacancies/"


@pytest.fixture
def homes():
    with frozen_clock():
        yield build_vacancy_world()


@pytest.fixture
def typed_homes(homes):
    """The world's listed homes with the kinds CQC registers: A nursing and dementia,
    B residential, C dementia only, D none recorded (B 7, D 5, A 4, C 2 beds accepting)."""
    kinds = {
        "A": {"nursing": True, "dementia": True},
        "B": {"residential": True},
        "C": {"dementia": True},
    }
    for key, flags in kinds.items():
        Location.objects.filter(pk=homes[key].pk).update(**flags)
    return homes


def names(**filters: object) -> list[str]:
    return [home.name for home in vacant_care_homes(Filters(**filters))]


def discharge_client() -> Client:
    return client_for(UserFactory(role=Role.DISCHARGE))


def rows(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in body.split("</tr>")[:-1]
    ]


def test_only_active_homes_whose_latest_figures_accept_admissions_most_beds_first(homes):
    # B 7, D 5, A 4 (its newest save, not the 1 it gave first), C 2. Not E (0 accepting),
    # F (newest is a nil return), G (dormant).
    assert names() == ["B House", "D House", "A House", "C House"]
    a = next(home for home in vacant_care_homes(Filters()) if home.name == "A House")
    assert (a.accepting, a.reserved, a.capacity) == (4, 1, 40)


def test_filters_by_council_and_by_region(homes):
    leeds = LocalAuthority.objects.get(ons_code="E08000035")
    yorkshire = Region.objects.get(ons_code="E12000003")
    north_west = Region.objects.get(ons_code="E12000002")
    assert names(local_authority_id=leeds.pk) == ["B House", "A House"]
    assert names(region_id=yorkshire.pk) == ["B House", "A House", "C House"]
    assert names(region_id=north_west.pk) == ["D House"]
    assert names(region_id=north_west.pk, local_authority_id=leeds.pk) == []


def test_days_ago_counts_london_calendar_days():
    import datetime

    assert days_ago(NOW - datetime.timedelta(hours=1), NOW) == "today"
    assert days_ago(NOW - datetime.timedelta(days=1), NOW) == "yesterday"
    assert days_ago(NOW - datetime.timedelta(days=3), NOW) == "3 days ago"


def test_the_page_shows_freshness_stale_figures_and_phone_numbers(homes):
    client = discharge_client()
    leeds = LocalAuthority.objects.get(ons_code="E08000035")
    with frozen_clock():
        response = client.get(URL, {"local_authority": leeds.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<caption id="vacancies-caption"' in html
    assert "Care homes 1 to 2 of 2" in html
    found = rows(html)
    assert len(found) == 2
    # B: saved in June's window, before July's opened: stale. A: saved 17 July, fresh.
    assert found[0].startswith("B House") and "Not updated" in found[0]
    assert "7" in found[0].split()
    assert found[1].startswith("A House") and "3 days ago" in found[1]
    assert "Not updated" not in found[1]
    assert '<time datetime="2026-07-17T00:00:00+01:00">3 days ago</time>' in html
    assert 'href="tel:0113496005"' in html  # A's primary contact: 0113 496 005
    # No personal data: the contact's name and email, and who saved the return, never appear.
    contact = homes["A"].contacts.get()
    assert contact.name not in html and contact.email not in html
    assert "Test Person" not in html


def test_a_bad_filter_value_shows_every_home_rather_than_failing(homes):
    with frozen_clock():
        response = discharge_client().get(URL, {"local_authority": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert len(rows(html)) == 4
    # Said plainly, in a GOV.UK error summary that links to the field.
    assert '<div class="govuk-error-summary"' in html
    assert '<a href="#id_local_authority">Select a council from the list</a>' in html
    assert "<title>Error: Find care homes with vacant beds" in html


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (("nursing",), ["A House"]),
        (("residential",), ["B House"]),
        (("dementia",), ["A House", "C House"]),
        (("nursing", "residential"), ["B House", "A House"]),
        (("nursing", "residential", "dementia"), ["B House", "A House", "C House"]),
        ((), ["B House", "D House", "A House", "C House"]),
    ],
)
def test_filters_by_type_of_care_any_ticked_type_matches(typed_homes, kinds, expected):
    assert names(kinds=kinds) == expected


def test_type_of_care_combines_with_the_council(typed_homes):
    leeds = LocalAuthority.objects.get(ons_code="E08000035")
    assert names(local_authority_id=leeds.pk, kinds=("dementia",)) == ["A House"]


def test_the_selector_refuses_a_kind_it_does_not_know(typed_homes):
    with pytest.raises(ValueError, match="'luxury' is not a kind of care"):
        vacant_care_homes(Filters(kinds=("luxury",)))


def test_the_page_filters_by_ticked_types_and_shows_each_homes_types(typed_homes):
    client = discharge_client()
    with frozen_clock():
        everyone = client.get(URL).content.decode()
        response = client.get(URL, {"kinds": ["nursing", "dementia"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<th scope="col" class="govuk-table__header">Type of care</th>' in html
    found = rows(html)
    assert [row.split(" Leeds")[0].split(" Bradford")[0] for row in found] == [
        "A House",
        "C House",
    ]
    assert "Nursing Dementia" in found[0]
    assert "Dementia" in found[1] and "Nursing" not in found[1]
    # The boxes ticked stay ticked, and the hint says how several ticks combine.
    assert 'type="checkbox" value="nursing" checked' in html
    assert 'type="checkbox" value="dementia" checked' in html
    assert 'type="checkbox" value="residential">' in html
    assert "any of the types you tick" in html
    assert "govuk-error-summary" not in html
    # Unfiltered: D, with no type recorded, says so.
    all_rows = rows(everyone)
    assert len(all_rows) == 4
    assert "Not recorded" in all_rows[1] and all_rows[1].startswith("D House")
    assert "Residential" in all_rows[0]


@pytest.mark.parametrize(
    "params",
    [
        {"kinds": "luxury"},
        {"kinds": ["nursing", "luxury"]},
        {"kinds": "Nursing"},  # values are exact, as the boxes send them
        {"kinds": "nursing\x00"},
    ],
)
def test_a_bad_type_of_care_is_an_error_in_the_summary_not_a_failure(typed_homes, params):
    with frozen_clock():
        response = discharge_client().get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="govuk-error-summary"' in html
    assert '<a href="#id_kinds">Select nursing, residential or dementia care</a>' in html
    assert 'id="id_kinds-error"' in html and "govuk-form-group--error" in html
    assert "<title>Error: " in html
    assert len(rows(html)) == 4  # every home, rather than a guess at what was meant


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.DISCHARGE, 200),
        (Role.SUPPORT, 200),
        (Role.ANALYST, 200),
        (Role.CASEWORKER, 403),
        (Role.LOCAL_AUTHORITY, 403),
        (Role.PROVIDER, 403),
    ],
)
def test_who_may_see_it(homes, role, status):
    if role is Role.PROVIDER:
        user = ProviderUserFactory(provider=homes["A"].provider)
    elif role is Role.LOCAL_AUTHORITY:
        user = la_user(homes["A"].local_authority)
    else:
        user = UserFactory(role=role)
    with frozen_clock():
        response = client_for(user).get(URL)
    assert response.status_code == status
    if status == 200:
        assert "A House" in response.content.decode()


def test_anonymous_people_are_sent_to_sign_in(homes):
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_discharge_user_lands_on_the_finder():
    response = discharge_client().get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("vacancies:finder")


def test_the_query_count_does_not_grow_with_the_number_of_homes(
    homes, django_assert_max_num_queries
):
    client = discharge_client()
    july = homes["A"].returns.get(window__period__month=7).window
    leeds = homes["A"].local_authority

    def add(count: int) -> None:
        for i in range(count):
            home = LocationFactory(
                local_authority=leeds, nursing=i % 2 == 0, residential=i % 2 == 1, dementia=True
            )
            save(home, "care_home", july, answers=figures(3))

    add(55)  # two pages
    with frozen_clock(), django_assert_max_num_queries(20) as few:
        assert client.get(URL, {"page": "2"}).status_code == 200
    add(60)  # three pages
    with frozen_clock(), django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"page": "2"})
    assert response.status_code == 200
    assert "Care homes 51 to 100 of 119" in response.content.decode()
    # Filtered by type of care, with every row showing its types: no more queries.
    with frozen_clock(), django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"page": "2", "kinds": ["nursing", "residential"]})
    html = response.content.decode()
    assert "Care homes 51 to 100 of 115" in html
    assert html.count("Dementia</td>") == 50
