"""The provider portal through the test client, with the clock frozen at the boundary."""

from __future__ import annotations

import datetime
import threading
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from providers.models import AuditEvent, RegistrationStatus
from returns.deadlines import LONDON
from returns.models import CollectionWindow, Return, ReturnVersion
from returns.services import windows_ensure_ahead
from returns.submission import ReturnNotAllowed, StaleReturn, Submitter, return_save
from tests.conftest import client_for
from tests.factories import (
    LocationFactory,
    LocationStatusChangeFactory,
    ProviderUserFactory,
    SupportUserFactory,
)
from tests.portal_data import GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)  # 9pm, window open 8-14 Dec
AFTER_WINDOW = datetime.datetime(2026, 12, 20, 9, 0, tzinfo=LONDON)
PERIOD = "2026-12"

GOOD = GOOD_CARE_HOME


@pytest.fixture(autouse=True)
def windows():
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


@pytest.fixture
def frozen():
    def freeze(instant: datetime.datetime):
        return mock.patch("capacity_tracker.lib.clock.now", return_value=instant)

    return freeze


def url(name: str, location, care_type: str = "care_home", period: str = PERIOD) -> str:
    return reverse(name, args=[period, location.cqc_id, care_type])


def december() -> CollectionWindow:
    return CollectionWindow.objects.get(period=datetime.date(2026, 12, 1))


def test_full_return_journey_form_check_send_confirmation(provider_user, location, frozen):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        form = client.get(url("returns:form", location))
        assert form.status_code == 200
        page = form.content.decode()
        # GOV.UK marks optional questions only: none of these is marked.
        assert "(required)" not in page and "(optional)" not in page
        assert "Maximum bed capacity\n</label>" in page
        # December is in the vaccination campaign: the seasonal questions are asked.
        assert "Staff who have had the seasonal COVID-19 booster\n</label>" in page
        assert "Residents who have had the flu vaccine\n</label>" in page

        to_check = client.post(url("returns:form", location), {**GOOD, "based_on": "0"})
        assert to_check.status_code == 302
        assert to_check.url == url("returns:check", location)
        assert not ReturnVersion.objects.exists()  # nothing saved before "Accept and send"

        check = client.get(to_check.url).content.decode()
        assert "Check your answers before sending" in check
        assert "Beds occupied or used" in check and ">35 beds<" in check

        sent = client.post(to_check.url)
        assert sent.status_code == 302
    version = ReturnVersion.objects.get()
    assert sent.url == reverse("returns:saved", args=[version.reference])
    assert version.answers["beds_occupied"] == 35
    assert (version.kind, version.source, version.in_window) == ("full", "portal", True)
    assert (version.submitter_first_name, version.submitter_last_name) == (
        provider_user.first_name,
        provider_user.last_name,
    )
    assert Return.objects.get().counted == version
    assert AuditEvent.objects.filter(action="returns.return.full", actor=provider_user).exists()
    with frozen(IN_WINDOW):
        confirmation = client.get(sent.url).content.decode()
        assert version.reference in confirmation
        assert "This counts as your December 2026 return" in confirmation
        dashboard = client.get(reverse("returns:dashboard")).content.decode()
    assert "Updated" in dashboard


def test_invalid_form_shows_error_summary_and_saves_nothing(provider_user, location, frozen):
    client = client_for(provider_user)
    bad = {**GOOD, "beds_occupied": "41", "staff_direct_care": "lots", "beds_max_capacity": "40"}
    with frozen(IN_WINDOW):
        response = client.post(url("returns:form", location), {**bad, "based_on": "0"})
    page = response.content.decode()
    assert response.status_code == 400  # as every other form sent back with its errors
    assert "There is a problem" in page
    assert "<title>Error: Care home return for December 2026 – " in page
    assert "Occupied beds cannot be more than maximum capacity (40)" in page
    assert "Directly employed care-providing staff must be a whole number, like 12" in page
    assert 'href="#id_beds_occupied"' in page
    assert "govuk-input--error" in page
    assert not ReturnVersion.objects.exists()
    assert not Return.objects.exists()


def test_form_is_prefilled_from_the_last_return(provider_user, location, frozen):
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
    with frozen(IN_WINDOW):
        page = client_for(provider_user).get(url("returns:form", location)).content.decode()
    assert 'name="beds_occupied" type="text" value="35"' in page


def test_unchanged_copies_previous_figures_and_counts(provider_user, location, frozen):
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
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        page = client.get(url("returns:unchanged", location)).content.decode()
        assert "Confirm nothing has changed" in page
        response = client.post(url("returns:unchanged", location), {"based_on": "0"})
    assert response.status_code == 302
    version = ReturnVersion.objects.get(return_head__window=december())
    assert version.kind == "unchanged"
    assert version.answers["beds_max_capacity"] == 40
    assert Return.objects.get(window=december()).counted == version


def test_unchanged_without_earlier_figures_is_refused_clearly(provider_user, location, frozen):
    with frozen(IN_WINDOW):
        page = client_for(provider_user).get(url("returns:unchanged", location)).content.decode()
    assert "There are no earlier figures for this location to confirm" in page
    with pytest.raises(ReturnNotAllowed, match="no earlier figures"):
        return_save(
            submitter=Submitter.of(provider_user),
            location=location,
            care_type="care_home",
            window=december(),
            kind="unchanged",
            source="portal",
            now=IN_WINDOW,
        )


def test_nil_return_needs_a_reason(provider_user, location, frozen):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        missing = client.post(url("returns:nil", location), {"based_on": "0"})
        assert missing.status_code == 400
        assert "Select why you are making a nil return" in missing.content.decode()
        other = client.post(url("returns:nil", location), {"based_on": "0", "nil_reason": "other"})
        assert "Enter the reason for the nil return" in other.content.decode()
        assert not ReturnVersion.objects.exists()
        ok = client.post(
            url("returns:nil", location), {"based_on": "0", "nil_reason": "no_service_users"}
        )
        assert ok.status_code == 302
        dashboard = client.get(reverse("returns:dashboard")).content.decode()
    assert ReturnVersion.objects.get().nil_reason == "no_service_users"
    assert "Nil return" in dashboard


def test_a_save_after_the_window_is_kept_shown_as_late_and_not_counted(
    provider_user, location, frozen
):
    client = client_for(provider_user)
    with frozen(AFTER_WINDOW):
        form = client.get(url("returns:form", location)).content.decode()
        assert "it will not count as sent on time for December 2026" in form
        client.post(url("returns:form", location), {**GOOD, "based_on": "0"})
        client.post(url("returns:check", location))
        dashboard = client.get(reverse("returns:dashboard")).content.decode()
    version = ReturnVersion.objects.get()
    assert not version.in_window
    head = Return.objects.get()
    assert head.latest == version and head.counted is None
    assert ">Sent late</strong>" in dashboard
    history = client.get(reverse("returns:history", args=[location.cqc_id])).content.decode()
    assert version.reference in history


def test_a_future_window_cannot_be_opened(provider_user, location, frozen):
    with frozen(IN_WINDOW):
        response = client_for(provider_user).get(url("returns:form", location, period="2027-01"))
    assert response.status_code == 404


def test_another_providers_location_is_404_for_every_portal_page(
    provider_user, other_location, frozen
):
    client = client_for(provider_user)
    with frozen(IN_WINDOW):
        for name in ("returns:form", "returns:check", "returns:unchanged", "returns:nil"):
            assert client.get(url(name, other_location)).status_code == 404
            assert (
                client.post(url(name, other_location), {**GOOD, "based_on": "0"}).status_code == 404
            )
        assert (
            client.get(reverse("returns:history", args=[other_location.cqc_id])).status_code == 404
        )
    assert not ReturnVersion.objects.exists()


def test_a_care_type_the_location_does_not_offer_is_404(provider_user, location, frozen):
    with frozen(IN_WINDOW):
        assert (
            client_for(provider_user)
            .get(url("returns:form", location, care_type="home_care"))
            .status_code
            == 404
        )


def test_caseworkers_cannot_submit(caseworker, location, frozen):
    with frozen(IN_WINDOW):
        assert client_for(caseworker).get(url("returns:form", location)).status_code == 403


def test_confirmation_page_of_another_providers_return_is_404(
    provider_user, other_location, frozen
):
    stranger = ProviderUserFactory(provider=other_location.provider)
    version = return_save(
        submitter=Submitter.of(stranger),
        location=other_location,
        care_type="care_home",
        window=december(),
        kind="nil",
        nil_reason="no_staff",
        source="portal",
        now=IN_WINDOW,
    )
    assert (
        client_for(provider_user)
        .get(reverse("returns:saved", args=[version.reference]))
        .status_code
        == 404
    )


def test_support_staff_submit_on_behalf_only_with_a_reason(location, frozen):
    support = SupportUserFactory()
    client = client_for(support)
    with frozen(IN_WINDOW):
        client.post(url("returns:form", location), {**GOOD, "based_on": "0"})
        refused = client.post(url("returns:check", location), {"on_behalf_reason": ""})
        assert refused.status_code == 400
        assert "Enter why you are submitting for the provider" in refused.content.decode()
        assert not ReturnVersion.objects.exists()
        client.post(
            url("returns:check", location), {"on_behalf_reason": "Manager phoned: cannot sign in"}
        )
    version = ReturnVersion.objects.get()
    assert (version.source, version.on_behalf_reason) == (
        "assisted",
        "Manager phoned: cannot sign in",
    )


def test_second_person_saving_the_same_return_sees_both_versions(provider, location, frozen):
    first, second = ProviderUserFactory(provider=provider), ProviderUserFactory(provider=provider)
    a, b = client_for(first), client_for(second)
    with frozen(IN_WINDOW):
        a.post(url("returns:form", location), {**GOOD, "based_on": "0"})
        b.post(url("returns:form", location), {**GOOD, "beds_occupied": "30", "based_on": "0"})
        assert a.post(url("returns:check", location)).status_code == 302
        conflict = b.post(url("returns:check", location))
        page = conflict.content.decode()
        assert conflict.status_code == 409
        assert "This return changed since you opened it" in page
        assert first.last_name in page
        assert ">30 beds<" in page and ">35 beds<" in page
        assert ReturnVersion.objects.count() == 1
        b.post(url("returns:use-mine", location))
        assert b.post(url("returns:check", location)).status_code == 302
    versions = list(ReturnVersion.objects.order_by("number"))
    assert [v.answers["beds_occupied"] for v in versions] == [35, 30]
    assert Return.objects.get().version_count == 2


# serialized_rollback: put back the migrations' reference data after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_saves_never_lose_an_update(provider_user, location):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    window = december()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def save(occupied: str) -> None:
        try:
            barrier.wait()
            return_save(
                submitter=Submitter.of(provider_user),
                location=location,
                care_type="care_home",
                window=window,
                kind="full",
                source="portal",
                now=IN_WINDOW,
                answers={**GOOD, "beds_occupied": occupied},
                based_on=0,
            )
            results.append("saved")
        except StaleReturn:
            results.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in ("30", "31")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["saved", "stale"]
    assert ReturnVersion.objects.count() == 1
    assert Return.objects.get().version_count == 1


def test_dashboard_statuses_dates_and_last_month(provider, frozen):
    user = ProviderUserFactory(provider=provider)
    both = LocationFactory(provider=provider, name="Both Types House", offers_home_care=True)
    dormant = LocationFactory(
        provider=provider, name="Sleepy Annexe", status=RegistrationStatus.DORMANT
    )
    LocationStatusChangeFactory(
        location=dormant, status="dormant", effective_from=datetime.date(2026, 1, 1)
    )
    with frozen(IN_WINDOW):
        page = client_for(user).get(reverse("returns:dashboard")).content.decode()
    assert "Your returns for December 2026" in page
    assert "The collection is open until the end of Monday 14 December 2026" in page
    assert "5 days left, including today" in page
    assert page.count("Not started") == 2  # both care types of Both Types House
    assert "Not required" in page  # the dormant annexe
    assert "Missed" in page  # November, nothing returned
    assert ">November 2026</th>" in page  # the last-month column is named
    assert both.name in page


def test_dashboard_query_count_is_flat_in_the_number_of_locations(
    provider, frozen, django_assert_max_num_queries
):
    user = ProviderUserFactory(provider=provider)
    client = client_for(user)
    LocationFactory.create_batch(5, provider=provider)
    with frozen(IN_WINDOW), django_assert_max_num_queries(20) as few:
        client.get(reverse("returns:dashboard"))
    LocationFactory.create_batch(60, provider=provider, offers_home_care=True)
    with frozen(IN_WINDOW), django_assert_max_num_queries(20) as many:
        response = client.get(reverse("returns:dashboard"))
    # 125 rows: paged 50 at a time (tests/returns/test_dashboard_pages.py), counted in full.
    page = response.content.decode()
    assert "Showing 1 to 50 of 125 results" in page
    LocationFactory.create_batch(60, provider=provider, offers_home_care=True)
    with frozen(IN_WINDOW), django_assert_max_num_queries(20) as more:
        response = client.get(reverse("returns:dashboard"))
    assert "Showing 1 to 50 of 245 results" in response.content.decode()
    # Flat: a paged group costs the same queries at any size, and a group that fits on one
    # page (built whole, with no SQL counting or council list) costs fewer.
    assert len(more.captured_queries) == len(many.captured_queries)
    assert len(few.captured_queries) < len(many.captured_queries)
    assert "125 returns still to do" in page


def test_saving_a_return_is_a_handful_of_queries(
    provider_user, location, django_assert_max_num_queries
):
    window = december()
    # Four small reads of the dataset, the locked head (or its creation), the version (in a
    # savepoint, in case its reference clashes), the head update and the audit event.
    with django_assert_max_num_queries(15):
        return_save(
            submitter=Submitter.of(provider_user),
            location=location,
            care_type="care_home",
            window=window,
            kind="full",
            source="portal",
            now=IN_WINDOW,
            answers=GOOD,
            based_on=0,
        )


def test_a_reference_clash_is_retried_not_a_server_error(provider_user, location):
    window = december()
    first = return_save(
        submitter=Submitter.of(provider_user),
        location=location,
        care_type="care_home",
        window=window,
        kind="nil",
        nil_reason="no_staff",
        source="portal",
        now=IN_WINDOW,
    )
    taken = first.reference.split("-")[1]
    codes = iter([taken, "ZZZZZZ"])
    with mock.patch("returns.submission.secrets.choice", side_effect=lambda alphabet: next(chars)):
        chars = iter("".join(next(codes) for _ in range(2)))
        second = return_save(
            submitter=Submitter.of(provider_user),
            location=location,
            care_type="care_home",
            window=window,
            kind="nil",
            nil_reason="no_staff",
            source="portal",
            now=IN_WINDOW,
        )
    assert second.reference.endswith("-ZZZZZZ")
    assert ReturnVersion.objects.count() == 2
