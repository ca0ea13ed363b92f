"""Vaccination as the seeds require: COVID-19 vaccination asked every month for both care
types, the seasonal COVID-19 booster and flu items in the campaign months (September to March
unless support staff change them in admin)."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.urls import reverse

from providers.models import AuditEvent
from returns.bulk.parsing import template_columns
from returns.bulk.reads import datasets_for
from returns.datasets import dataset_for
from returns.deadlines import LONDON, Period
from returns.models import CampaignMonth, CollectionWindow
from returns.services import windows_ensure
from returns.submission import ReturnNotAllowed, Submitter, return_save
from returns.validation import clean_answers
from tests.conftest import client_for
from tests.factories import CaseworkerFactory, LocationFactory, ProviderUserFactory
from tests.portal_data import GOOD_ANSWERS, GOOD_HOME_CARE

pytestmark = pytest.mark.django_db

MONTHLY = {
    "care_home": {"vacc_staff_covid_primary", "vacc_residents_covid_primary"},
    "home_care": {"vacc_staff_covid_primary"},
}
SEASONAL = {
    "care_home": {
        "vacc_staff_covid_booster",
        "vacc_staff_flu",
        "vacc_residents_covid_booster",
        "vacc_residents_flu",
    },
    "home_care": {"vacc_staff_covid_booster", "vacc_staff_flu"},
}
CARE_TYPES = ("care_home", "home_care")


def months_from(first: Period, count: int) -> list[Period]:
    out = [first]
    while len(out) < count:
        out.append(out[-1].next())
    return out


# --- what is shipped --------------------------------------------------------------------------


def test_campaign_months_ship_as_september_to_march():
    assert list(CampaignMonth.objects.values_list("month", "in_campaign")) == [
        (1, True),
        (2, True),
        (3, True),
        (4, False),
        (5, False),
        (6, False),
        (7, False),
        (8, False),
        (9, True),
        (10, True),
        (11, True),
        (12, True),
    ]


@pytest.mark.parametrize("care_type", CARE_TYPES)
@pytest.mark.parametrize("year", [2024, 2027, 2031])
def test_january_asks_the_seasonal_items_and_june_does_not(care_type, year):
    january = dataset_for(Period(year, 1), care_type)
    june = dataset_for(Period(year, 6), care_type)
    assert january.campaign and not june.campaign
    assert SEASONAL[care_type] <= set(january.codes)
    assert not SEASONAL[care_type] & set(june.codes)


@pytest.mark.parametrize("care_type", CARE_TYPES)
def test_monthly_vaccination_items_are_asked_in_every_month(care_type):
    """From January 2027 (the version that adds them) for two years and more, and in the
    enforceable months the reconstructed 2022 notice covers."""
    periods = months_from(Period(2027, 1), 30) + months_from(Period(2023, 4), 3)
    for period in periods:
        dataset = dataset_for(period, care_type)
        asked = {item.code: item for item in dataset.items}
        assert MONTHLY[care_type] <= asked.keys(), period
        for code in MONTHLY[care_type]:
            assert asked[code].mandatory and asked[code].section == "Vaccination"
        assert bool(SEASONAL[care_type] & asked.keys()) == (
            period.month in {9, 10, 11, 12, 1, 2, 3}
        )


def test_reading_a_months_dataset_takes_four_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        dataset_for(Period(2027, 1), "care_home")


@pytest.mark.parametrize(
    ("care_type", "changes", "code", "message"),
    [
        (
            "care_home",
            {"vacc_staff_covid_primary": "51"},
            "vacc_staff_covid_primary",
            "Staff with a primary course of COVID-19 vaccination cannot be more than all "
            "staff (50)",
        ),
        (
            "care_home",
            {"vacc_residents_covid_primary": "36"},
            "vacc_residents_covid_primary",
            "Residents with a primary course of COVID-19 vaccination cannot be more than "
            "occupied beds (35)",
        ),
        (
            "care_home",
            {"vacc_residents_flu": "36"},
            "vacc_residents_flu",
            "Residents with the flu vaccine cannot be more than occupied beds (35)",
        ),
        (
            "home_care",
            {"vacc_staff_covid_primary": "7"},
            "vacc_staff_covid_primary",
            "Staff with a primary course of COVID-19 vaccination cannot be more than all staff (6)",
        ),
        (
            "home_care",
            {"vacc_staff_covid_booster": "7"},
            "vacc_staff_covid_booster",
            "Staff with the COVID-19 booster cannot be more than all staff (6)",
        ),
        (
            "care_home",
            {"vacc_staff_covid_primary": ""},
            "vacc_staff_covid_primary",
            "Enter staff who have had a primary course of COVID-19 vaccination",
        ),
    ],
)
def test_each_vaccination_figure_is_at_most_its_population(care_type, changes, code, message):
    dataset = dataset_for(Period(2027, 1), care_type)
    assert clean_answers(dataset, GOOD_ANSWERS[care_type]).is_valid
    result = clean_answers(dataset, {**GOOD_ANSWERS[care_type], **changes})
    assert result.errors == {code: message}


def test_the_csv_template_has_the_vaccination_columns_of_its_month():
    windows_ensure(periods=[Period(2027, 1), Period(2027, 6)])
    january, june = (
        CollectionWindow.objects.get(period=datetime.date(2027, month, 1)) for month in (1, 6)
    )
    january_columns = template_columns(list(datasets_for(january).values()))
    june_columns = template_columns(list(datasets_for(june).values()))
    every = MONTHLY["care_home"] | SEASONAL["care_home"]
    assert every <= set(january_columns)
    assert MONTHLY["care_home"] <= set(june_columns)
    assert not SEASONAL["care_home"] & set(june_columns)


def test_the_portal_form_asks_the_monthly_items_outside_the_campaign():
    windows_ensure(periods=[Period(2027, 6)])
    location = LocationFactory()
    user = ProviderUserFactory(provider=location.provider)
    url = reverse("returns:form", args=["2027-06", location.cqc_id, "care_home"])
    in_window = datetime.datetime(2027, 6, 10, 10, 0, tzinfo=LONDON)
    with mock.patch("capacity_tracker.lib.clock.now", return_value=in_window):
        page = client_for(user).get(url).content.decode()
    assert "Staff who have had a primary course of COVID-19 vaccination\n</label>" in page
    assert "Residents who have had a primary course of COVID-19 vaccination\n</label>" in page
    assert "seasonal COVID-19 booster" not in page


# --- "nothing has changed" across the start of a campaign -------------------------------------


def test_nothing_has_changed_is_refused_when_the_campaign_adds_questions_and_works_after():
    """September asks the seasonal items August's figures do not answer: fill in the form.
    Once answered, October's "nothing has changed" copies them (the email link's save)."""
    windows_ensure(periods=[Period(2027, 8), Period(2027, 9), Period(2027, 10)])
    location = LocationFactory(offers_home_care=True, offers_care_home=False)
    user = ProviderUserFactory(provider=location.provider)
    window = {
        month: CollectionWindow.objects.get(period=datetime.date(2027, month, 1))
        for month in (8, 9, 10)
    }

    def save(month: int, kind: str) -> object:
        return return_save(
            submitter=Submitter.of(user),
            location=location,
            care_type="home_care",
            window=window[month],
            kind=kind,
            source="email_link" if kind == "unchanged" else "portal",
            now=window[month].opens_at + datetime.timedelta(days=1),
            answers=GOOD_HOME_CARE if kind == "full" else None,
        )

    august = save(8, "full")
    assert "vacc_staff_flu" not in august.answers
    with pytest.raises(ReturnNotAllowed, match="The questions have changed"):
        save(9, "unchanged")
    september = save(9, "full")
    assert september.answers["vacc_staff_flu"] == 3
    october = save(10, "unchanged")
    assert october.answers == september.answers


# --- support staff change the campaign months in admin ----------------------------------------


def change_url(month: int) -> str:
    return reverse(
        "admin:returns_campaignmonth_change", args=[CampaignMonth.objects.get(month=month).pk]
    )


def test_support_staff_change_campaign_months_in_admin_and_datasets_follow(support_user):
    assert not support_user.is_superuser  # the role, not superuser powers, lets them do it
    client = client_for(support_user)
    listing = client.get(reverse("admin:returns_campaignmonth_changelist"))
    assert listing.status_code == 200
    assert "September" in listing.content.decode()
    assert client.get(change_url(6)).status_code == 200

    # June joins the campaign (say, an early booster campaign against a new variant).
    response = client.post(
        change_url(6), {"in_campaign": "on", "reason": "Spring booster campaign 2027"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    june = dataset_for(Period(2027, 6), "care_home")
    assert june.campaign and SEASONAL["care_home"] <= set(june.codes)

    # January leaves it: an unticked box is not sent at all.
    response = client.post(change_url(1), {"reason": "Campaign ends in December this year"})
    assert response.status_code == 302
    january = dataset_for(Period(2028, 1), "home_care")
    assert not january.campaign and not SEASONAL["home_care"] & set(january.codes)
    assert MONTHLY["home_care"] <= set(january.codes)  # the monthly items stay

    events = AuditEvent.objects.filter(action="returns.campaign_month.changed").order_by("pk")
    assert [(e.reason, e.data["month"], e.data["in_campaign"], e.actor_id) for e in events] == [
        ("Spring booster campaign 2027", 6, True, support_user.pk),
        ("Campaign ends in December this year", 1, False, support_user.pk),
    ]
    assert CampaignMonth.objects.get(month=6).note == "Spring booster campaign 2027"


def test_a_change_without_a_reason_is_refused_and_changes_nothing(support_user):
    response = client_for(support_user).post(change_url(6), {"in_campaign": "on", "reason": " "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not CampaignMonth.objects.get(month=6).in_campaign
    assert not AuditEvent.objects.filter(action="returns.campaign_month.changed").exists()


def test_the_twelve_months_cannot_be_added_to_or_deleted(support_user):
    client = client_for(support_user)
    assert client.get(reverse("admin:returns_campaignmonth_add")).status_code == 403
    delete = reverse(
        "admin:returns_campaignmonth_delete", args=[CampaignMonth.objects.get(month=9).pk]
    )
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert CampaignMonth.objects.count() == 12


def test_provider_users_and_caseworkers_cannot_change_campaign_months(provider_user):
    for user in (provider_user, CaseworkerFactory()):
        response = client_for(user).post(change_url(6), {"in_campaign": "on", "reason": "x"})
        assert response.status_code == 302
        assert "/admin/login/" in response.url
    assert not CampaignMonth.objects.get(month=6).in_campaign


# --- the demo ------------------------------------------------------------------------------


def test_seed_demo_answers_vaccination_and_fills_in_the_form_when_the_campaign_starts():
    """Played on 20 October 2027, the demo's history runs to October: September asks the
    seasonal items August's figures lack, so every September return is a full one."""
    import io

    from django.core.management import call_command

    from returns.models import ReturnVersion

    now = datetime.datetime(2027, 10, 20, 12, 0, tzinfo=LONDON)
    with mock.patch("capacity_tracker.lib.clock.now", return_value=now):
        call_command("seed_demo", stdout=io.StringIO())
    versions = ReturnVersion.objects.select_related("return_head__window", "return_head__location")
    meadowbank = {
        v.return_head.window.period: v.kind
        for v in versions
        if v.return_head.location.cqc_id == "1-1000000011"
    }
    assert len(meadowbank) == 24 and max(meadowbank) == datetime.date(2027, 10, 1)
    assert meadowbank[datetime.date(2027, 9, 1)] == "full"
    assert meadowbank[datetime.date(2026, 9, 1)] == "full"
    september = [
        v
        for v in versions
        if v.return_head.window.period == datetime.date(2027, 9, 1) and v.kind != "nil"
    ]
    assert september
    for version in september:
        asked = MONTHLY[version.return_head.care_type] | SEASONAL[version.return_head.care_type]
        assert asked <= version.answers.keys()
        assert all(version.answers[code] > 0 for code in asked)
