"""Soft warnings before saving (issue 15 item 2): the rules at their edges, the check answers
page, what the saved version records, and the rules as data support staff change in admin.

Warnings never block: every save here goes through whatever it shows.
"""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from returns.deadlines import LONDON
from returns.models import CollectionWindow, Return, ReturnVersion, WarningRule
from returns.services import windows_ensure_ahead
from returns.submission import Submitter, return_save
from returns.warnings import (
    FigureWarning,
    WarningRuleSpec,
    active_rules,
    message_problem,
    warnings_for,
)
from tests.conftest import client_for
from tests.factories import LocationFactory, ProviderUserFactory, SupportUserFactory
from tests.portal_data import GOOD_CARE_HOME, GOOD_HOME_CARE

IN_WINDOW = datetime.datetime(2026, 12, 10, 21, 0, tzinfo=LONDON)
NOVEMBER = datetime.datetime(2026, 11, 10, 12, 0, tzinfo=LONDON)
PERIOD = "2026-12"

SHIPPED = importlib.import_module("returns.migrations.0014_soft_warnings").DEFAULT_RULES


def shipped_rules(**thresholds: str) -> list[WarningRuleSpec]:
    """The three rules the migration ships, as the pure check takes them."""
    return [
        WarningRuleSpec(
            code=rule["code"],
            kind=rule["kind"],
            threshold=Decimal(thresholds.get(rule["code"], rule["threshold"])),
            numerator=tuple(rule["numerator_codes"]),
            denominator=tuple(rule["denominator_codes"]),
            message=rule["message"],
            help_text=rule["help_text"],
        )
        for rule in SHIPPED
    ]


RULES = shipped_rules()


def care_home(**changes: int) -> dict[str, Any]:
    """Cleaned answers: 40 beds, 35 occupied (87.5%), 50 staff, 2 absent (4%)."""
    answers: dict[str, Any] = {
        code: int(value) if value.isdigit() else (value or None)
        for code, value in GOOD_CARE_HOME.items()
    }
    return {**answers, **changes}


def home_care(**changes: int) -> dict[str, Any]:
    """10 people, 6 staff, none absent."""
    return {**{code: int(value) for code, value in GOOD_HOME_CARE.items()}, **changes}


def codes(warnings: list[FigureWarning]) -> list[str]:
    return [warning.rule for warning in warnings]


# --- The rules at their edges (pure) ------------------------------------------------------------


def test_occupancy_moving_exactly_20_points_is_not_warned():
    before = care_home(beds_max_capacity=1000, beds_occupied=920)  # 92%
    assert warnings_for(care_home(beds_max_capacity=1000, beds_occupied=720), before, RULES) == []
    assert warnings_for(care_home(beds_max_capacity=1000, beds_occupied=1000), before, RULES) == []


def test_occupancy_moving_20_point_1_points_is_warned_either_way():
    before = care_home(beds_max_capacity=1000, beds_occupied=920)
    [down] = warnings_for(care_home(beds_max_capacity=1000, beds_occupied=719), before, RULES)
    assert down.rule == "occupancy_change" and down.item == "beds_occupied"
    assert down.message == "Occupancy has gone from 92% to 71.9% since the last return"
    assert (down.value, down.previous, down.threshold, down.unit) == (71.9, 92, 20, "%")
    assert (down.value_text, down.previous_text) == ("71.9%", "92%")
    up = warnings_for(
        care_home(beds_max_capacity=1000, beds_occupied=920),
        care_home(beds_max_capacity=1000, beds_occupied=719),
        RULES,
    )
    assert codes(up) == ["occupancy_change"]


def test_occupancy_is_compared_as_a_percentage_not_as_beds():
    # 35 of 40 (87.5%) last time, 70 of 80 (87.5%) now: twice the beds, the same occupancy.
    now = care_home(beds_max_capacity=80, beds_occupied=70)
    assert warnings_for(now, care_home(), RULES) == []


def test_staff_headcount_halving_exactly_is_warned_and_a_little_less_is_not():
    before = care_home()  # 50 staff
    [halved] = warnings_for(care_home(staff_direct_care=5), before, RULES)  # 25 staff
    assert halved.rule == "staff_halved" and halved.item == "staff_direct_nurses"
    assert halved.message == "Staff headcount has gone from 50 to 25 since the last return"
    assert (halved.value, halved.previous, halved.threshold, halved.unit) == (25, 50, 50, "")
    assert warnings_for(care_home(staff_direct_care=6), before, RULES) == []  # 26 staff
    assert codes(warnings_for(care_home(staff_direct_care=0), before, RULES)) == ["staff_halved"]


def test_home_care_staff_headcount_uses_its_own_items():
    before = home_care()  # 6 staff: 5 direct care, 1 non-care, 0 agency
    [halved] = warnings_for(home_care(staff_direct_care=2), before, RULES)  # 3 staff
    assert halved.item == "staff_direct_care"
    assert halved.message == "Staff headcount has gone from 6 to 3 since the last return"
    assert warnings_for(home_care(staff_direct_care=3), before, RULES) == []  # 4 staff


def test_absences_of_exactly_30_percent_are_not_warned_and_just_above_are():
    # 50 staff: 15 absent is 30%, 16 is 32%. No last return is needed.
    assert warnings_for(care_home(absent_direct_care=15), None, RULES) == []
    [high] = warnings_for(care_home(absent_direct_care=16), None, RULES)
    assert high.rule == "absence_high" and high.item == "absent_direct_nurses"
    assert high.message == "32% of staff are absent due to COVID-19"
    assert (high.value, high.previous, high.threshold) == (32, None, 30)
    assert high.previous_text == ""
    # With a last return, its share is shown beside.
    [shown] = warnings_for(care_home(absent_direct_care=16), care_home(), RULES)
    assert (shown.previous, shown.previous_text) == (4, "4%")


def test_home_care_absences_over_all_staff():
    assert warnings_for(home_care(staff_direct_care=9, staff_absent_covid=3), None, RULES) == []
    [high] = warnings_for(home_care(staff_direct_care=9, staff_absent_covid=4), None, RULES)
    assert high.item == "staff_absent_covid" and high.value == 40


def test_no_last_return_means_no_change_warnings():
    sharp = care_home(beds_occupied=5, staff_direct_care=0)
    assert warnings_for(sharp, None, RULES) == []
    assert warnings_for(sharp, {}, RULES) == []  # a nil return's answers


def test_measures_that_cannot_be_computed_give_no_warning():
    # Nothing to divide by: no capacity then or now.
    assert warnings_for(care_home(beds_max_capacity=0, beds_occupied=0), care_home(), RULES) == []
    assert warnings_for(care_home(), care_home(beds_max_capacity=0, beds_occupied=0), RULES) == []
    # No staff last time: nothing to have fallen from; no staff now: no absence share.
    no_staff = {code: 0 for code in care_home() if code.startswith(("staff_", "absent_"))}
    assert warnings_for(care_home(), care_home(**no_staff), RULES) == []
    assert codes(warnings_for(care_home(**no_staff), care_home(), RULES)) == ["staff_halved"]
    # A home care return has no beds: no occupancy, whatever its figures.
    assert "occupancy_change" not in codes(warnings_for(home_care(), care_home(), RULES))
    # An item left unanswered (None) is not a zero.
    blank = care_home(beds_occupied=None)
    assert warnings_for(blank, care_home(), RULES) == []


def test_a_threshold_is_read_from_the_rule():
    before = care_home()  # 87.5% occupied
    now = care_home(beds_occupied=26)  # 65%: 22.5 points down
    assert codes(warnings_for(now, before, RULES)) == ["occupancy_change"]
    assert warnings_for(now, before, shipped_rules(occupancy_change="25")) == []
    assert warnings_for(now, before, []) == []


def test_several_warnings_come_in_the_rules_order():
    now = care_home(beds_occupied=5, staff_direct_care=0, absent_direct_non_care=10)
    assert codes(warnings_for(now, care_home(), RULES)) == [
        "occupancy_change",
        "staff_halved",
        "absence_high",
    ]


def test_a_message_template_is_checked_and_a_broken_one_shown_as_written():
    assert message_problem("From {previous} to {value}") is None
    assert "which is not a figure" in (message_problem("From {last} to {value}") or "")
    assert "stray" in (message_problem("From {previous to {value}") or "")
    rule = WarningRuleSpec(
        code="x", kind="ratio_above", threshold=Decimal(1), numerator=("a",), denominator=("b",),
        message="Odd {message",
    )  # fmt: skip
    [warning] = warnings_for({"a": 1, "b": 2}, None, [rule])
    assert warning.message == "Odd {message"


def test_a_warning_round_trips_through_json():
    [warning] = warnings_for(care_home(absent_direct_care=20), care_home(), RULES)
    assert FigureWarning.from_dict(warning.as_dict()) == warning


# --- The shipped rules and the admin ----------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_ships_three_active_rules():
    rules = active_rules()
    assert [rule.code for rule in rules] == ["occupancy_change", "staff_halved", "absence_high"]
    assert [rule.threshold for rule in rules] == [Decimal(20), Decimal(50), Decimal(30)]
    assert rules == tuple(RULES)


@pytest.mark.django_db
def test_rules_are_read_once_then_come_from_the_cache(django_assert_num_queries):
    active_rules()
    with django_assert_num_queries(0):
        assert len(active_rules()) == 3


@pytest.mark.django_db
def test_an_inactive_rule_gives_no_warning():
    rule = WarningRule.objects.get(code="absence_high")
    assert codes(warnings_for(care_home(absent_direct_care=20), None, active_rules()))
    rule.active = False
    rule.save()
    assert [r.code for r in active_rules()] == ["occupancy_change", "staff_halved"]
    assert warnings_for(care_home(absent_direct_care=20), None, active_rules()) == []


@pytest.mark.django_db
def test_support_staff_change_a_threshold_in_admin_as_themselves():
    support = SupportUserFactory()
    assert not support.is_superuser
    rule = WarningRule.objects.get(code="occupancy_change")
    client = client_for(support)
    change = reverse("admin:returns_warningrule_change", args=[rule.pk])
    page = client.get(change)
    assert page.status_code == 200
    active_rules()  # warm this process's cache: the edit must still be seen
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update({"threshold": "30", "active": "on"})
    saved = client.post(change, data)
    assert saved.status_code == 302, saved.content[:3000]
    rule.refresh_from_db()
    assert rule.threshold == Decimal(30)
    assert next(r for r in active_rules() if r.code == "occupancy_change").threshold == 30
    # 22.5 points was warned at 20; at 30 it is not.
    assert warnings_for(care_home(beds_occupied=26), care_home(), active_rules()) == []
    # Support may not add or delete rules (the defaults ship with the migration).
    assert client.get(reverse("admin:returns_warningrule_add")).status_code == 403
    delete = reverse("admin:returns_warningrule_delete", args=[rule.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


@pytest.mark.django_db
def test_admin_refuses_a_threshold_out_of_range_and_a_broken_message():
    support = SupportUserFactory()
    rule = WarningRule.objects.get(code="staff_halved")
    client = client_for(support)
    change = reverse("admin:returns_warningrule_change", args=[rule.pk])
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update({"threshold": "150", "message": "Gone to {vlaue}", "active": "on"})
    refused = client.post(change, data)
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert "threshold" in errors and "message" in errors
    rule.refresh_from_db()
    assert rule.threshold == Decimal(50)


# --- The portal -------------------------------------------------------------------------------


@pytest.fixture
def windows(db):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))


def at(instant: datetime.datetime):
    return mock.patch("capacity_tracker.lib.clock.now", return_value=instant)


def url(name: str, location: Any, period: str = PERIOD, care_type: str = "care_home") -> str:
    return reverse(name, args=[period, location.cqc_id, care_type])


def as_form(answers: dict[str, Any]) -> dict[str, str]:
    return {code: "" if value is None else str(value) for code, value in answers.items()}


def save_november(location: Any, user: Any, **fields: Any) -> ReturnVersion:
    return return_save(
        submitter=Submitter.of(user),
        location=location,
        care_type="care_home",
        window=CollectionWindow.objects.get(period=datetime.date(2026, 11, 1)),
        source="portal",
        now=NOVEMBER,
        **{"kind": "full", "answers": GOOD_CARE_HOME, "based_on": 0, **fields},
    )


def occupied_26(**changes: int) -> dict[str, Any]:
    """65% occupied: 22.5 points below GOOD_CARE_HOME (fewer residents vaccinated, to fit)."""
    fewer = {f"vacc_residents_{name}": 20 for name in ("covid_primary", "covid_booster", "flu")}
    return care_home(beds_occupied=26, **{**fewer, **changes})


@pytest.mark.django_db
@pytest.mark.usefixtures("windows")
def test_check_answers_shows_check_this_figure_with_the_last_value_and_saves_what_was_shown(
    provider_user, location
):
    save_november(location, provider_user)  # 87.5% occupied, 50 staff
    client = client_for(provider_user)
    # 65% occupied (22.5 points down) and 24 staff (under half): two figures to check.
    december = as_form(occupied_26(staff_direct_care=4, vacc_staff_covid_primary=20,
                                   vacc_staff_flu=20))  # fmt: skip
    with at(IN_WINDOW):
        to_check = client.post(url("returns:form", location), {**december, "based_on": "0"})
        assert to_check.status_code == 302
        page = client.get(to_check.url).content.decode()
    assert "2 figures look different from your last return. Check them before you send." in page
    assert page.count("Check this figure. ") == 2
    assert "Occupancy has gone from 87.5% to 65% since the last return" in page
    assert "Last return: 87.5%" in page
    assert "Staff headcount has gone from 50 to 24 since the last return" in page
    assert "Last return: 50" in page
    assert 'id="check-beds_occupied"' in page and 'href="#check-beds_occupied"' in page
    assert "Accept and send" in page
    with at(IN_WINDOW):
        sent = client.post(to_check.url)
    assert sent.status_code == 302  # never blocking
    version = ReturnVersion.objects.get(return_head__window__period=datetime.date(2026, 12, 1))
    assert [(w["rule"], w["item"], w["value"], w["previous"], w["threshold"]) for w in version.warnings] == [
        ("occupancy_change", "beds_occupied", 65, 87.5, 20),
        ("staff_halved", "staff_direct_nurses", 24, 50, 50),
    ]  # fmt: skip
    assert version.warnings[0]["message"] == (
        "Occupancy has gone from 87.5% to 65% since the last return"
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("windows")
def test_figures_like_last_months_show_no_warning_and_store_none(provider_user, location):
    save_november(location, provider_user)
    client = client_for(provider_user)
    with at(IN_WINDOW):
        client.post(url("returns:form", location), {**GOOD_CARE_HOME, "based_on": "0"})
        page = client.get(url("returns:check", location)).content.decode()
        client.post(url("returns:check", location))
    assert "Check this figure" not in page and "look different" not in page
    assert ReturnVersion.objects.order_by("-pk").first().warnings == []


@pytest.mark.django_db
@pytest.mark.usefixtures("windows")
def test_the_first_return_warns_only_about_a_share_that_needs_no_history(provider_user, location):
    client = client_for(provider_user)
    answers = as_form(care_home(absent_direct_care=20))  # 20 of 50 staff: 40%
    with at(IN_WINDOW):
        client.post(url("returns:form", location), {**answers, "based_on": "0"})
        page = client.get(url("returns:check", location)).content.decode()
        assert client.post(url("returns:check", location)).status_code == 302
    assert "1 figure looks different from your last return. Check it before you send." in page
    assert "40% of staff are absent due to COVID-19" in page
    assert "Last return:" not in page
    [warning] = ReturnVersion.objects.get().warnings
    assert (warning["rule"], warning["previous"]) == ("absence_high", None)


@pytest.mark.django_db
@pytest.mark.usefixtures("windows")
def test_a_nil_last_return_gives_no_change_warnings(provider_user, location):
    save_november(location, provider_user)
    save_november(
        location, provider_user, kind="nil", answers=None, nil_reason="no_staff", based_on=1
    )
    client = client_for(provider_user)
    answers = as_form(
        care_home(beds_occupied=5, staff_direct_care=1, absent_direct_care=0)
        | {f"vacc_{name}": 0 for name in ("staff_covid_primary", "staff_covid_booster", "staff_flu", "residents_covid_primary", "residents_covid_booster", "residents_flu")}
    )  # fmt: skip
    with at(IN_WINDOW):
        client.post(url("returns:form", location), {**answers, "based_on": "0"})
        page = client.get(url("returns:check", location)).content.decode()
        client.post(url("returns:check", location))
    assert "Check this figure" not in page
    assert ReturnVersion.objects.order_by("-pk").first().warnings == []


@pytest.mark.django_db
@pytest.mark.usefixtures("windows")
def test_the_save_compares_with_the_version_it_follows_not_what_the_page_showed(
    provider_user, location
):
    """Worked out again on "Accept and send": a save in between (here this month's first
    save, by another way in) is what the new figures follow."""
    save_november(location, provider_user)
    client = client_for(provider_user)
    answers = as_form(occupied_26())  # 22.5 points below November
    with at(IN_WINDOW):
        client.post(url("returns:form", location), {**answers, "based_on": "0"})
        assert "Check this figure" in client.get(url("returns:check", location)).content.decode()
        # Meanwhile December's first save came in through the API, at the same occupancy.
        return_save(
            submitter=Submitter(user=None, first_name="API", last_name="key"),
            location=location, care_type="care_home",
            window=CollectionWindow.objects.get(period=datetime.date(2026, 12, 1)),
            kind="full", source="api", now=IN_WINDOW, answers=answers,
        )  # fmt: skip
        session = client.session
        key = f"return-draft:{location.pk}:care_home:{PERIOD}"
        session[key] = {**session[key], "based_on": 1}  # "use my figures" after the conflict
        session.save()
        assert client.post(url("returns:check", location)).status_code == 302
    assert ReturnVersion.objects.order_by("-pk").first().warnings == []


@pytest.mark.django_db
@pytest.mark.usefixtures("windows")
def test_an_inactive_rule_is_not_shown_on_the_page(provider_user, location):
    rule = WarningRule.objects.get(code="absence_high")
    rule.active = False
    rule.save()
    client = client_for(provider_user)
    with at(IN_WINDOW):
        client.post(
            url("returns:form", location),
            {**as_form(care_home(absent_direct_care=20)), "based_on": "0"},
        )
        page = client.get(url("returns:check", location)).content.decode()
        client.post(url("returns:check", location))
    assert "Check this figure" not in page
    assert ReturnVersion.objects.get().warnings == []


@pytest.mark.django_db
@pytest.mark.usefixtures("windows")
def test_support_staff_see_the_confirmed_warnings_on_the_version_in_admin(provider_user, location):
    with at(IN_WINDOW):
        version = return_save(
            submitter=Submitter.of(provider_user),
            location=location, care_type="care_home",
            window=CollectionWindow.objects.get(period=datetime.date(2026, 12, 1)),
            kind="full", source="portal", now=IN_WINDOW, based_on=0,
            answers=as_form(care_home(absent_direct_care=20)), warning_rules=active_rules(),
        )  # fmt: skip
    quiet = save_november(location, provider_user)
    support = SupportUserFactory()
    assert not support.is_superuser
    client = client_for(support)
    page = client.get(reverse("admin:returns_returnversion_change", args=[version.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Figures the sender was asked to check, and sent" in text
    assert "40% of staff are absent due to COVID-19" in text
    assert "rule absence_high, threshold 30" in text
    listing = client.get(reverse("admin:returns_returnversion_changelist"), {"warned": "yes"})
    assert listing.status_code == 200
    assert version.reference in listing.content.decode()
    assert quiet.reference not in listing.content.decode()
    # Read-only, for support and everyone: a version is never changed.
    assert client.post(reverse("admin:returns_returnversion_change", args=[version.pk]), {}).status_code == 403  # fmt: skip


@pytest.mark.django_db
@pytest.mark.usefixtures("windows")
def test_an_admin_change_to_a_threshold_changes_the_next_check_page(provider_user, location):
    save_november(location, provider_user)
    client = client_for(provider_user)
    answers = as_form(occupied_26())  # 22.5 points
    with at(IN_WINDOW):
        client.post(url("returns:form", location), {**answers, "based_on": "0"})
        assert "Check this figure" in client.get(url("returns:check", location)).content.decode()
    support_client = client_for(SupportUserFactory())
    rule = WarningRule.objects.get(code="occupancy_change")
    changelist = reverse("admin:returns_warningrule_changelist")
    rules = list(WarningRule.objects.order_by("order", "pk"))
    data = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": str(len(rules)),
        "_save": "Save",
    }
    for index, each in enumerate(rules):
        data[f"form-{index}-id"] = str(each.pk)
        data[f"form-{index}-threshold"] = "25" if each.pk == rule.pk else str(each.threshold)
        if each.active:
            data[f"form-{index}-active"] = "on"
    assert support_client.post(changelist, data).status_code == 302  # the list's own edit box
    rule.refresh_from_db()
    assert rule.threshold == 25
    with at(IN_WINDOW):
        assert (
            "Check this figure" not in client.get(url("returns:check", location)).content.decode()
        )
        client.post(url("returns:check", location))
    assert ReturnVersion.objects.order_by("-pk").first().warnings == []


# --- Query counts (committing, as production: see test_save_query_budget.py) ---------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_warnings_keep_the_save_within_its_query_budget(django_assert_max_num_queries):
    windows_ensure_ahead(now=datetime.datetime(2026, 10, 1, tzinfo=LONDON))
    location = LocationFactory()
    user = ProviderUserFactory(provider=location.provider)
    save_november(location, user)
    client = client_for(user)
    ContentType.objects.get_for_model(Return)
    answers = as_form(occupied_26(absent_direct_care=20))
    with at(IN_WINDOW):
        client.get(url("returns:form", location))
        with django_assert_max_num_queries(4) as form_post:
            client.post(url("returns:form", location), {**answers, "based_on": "0"})
        client.get(url("returns:check", location))  # the person reads the page (and its rules)
        with django_assert_max_num_queries(3) as check_get:  # was 2: the last return's answers
            page = client.get(url("returns:check", location)).content.decode()
        with django_assert_max_num_queries(15 - len(form_post.captured_queries)) as check_post:
            sent = client.post(url("returns:check", location))
    assert "2 figures look different" in page
    assert sent.status_code == 302
    version = ReturnVersion.objects.order_by("-pk").first()
    assert [w["rule"] for w in version.warnings] == ["occupancy_change", "absence_high"]
    # The rules came from the cache and the last answers with the head's lock.
    for captured in (check_get, check_post):
        assert not [q for q in captured.captured_queries if "returns_warningrule" in q["sql"]]
    reads = [
        q["sql"] for q in check_post.captured_queries if 'FROM "returns_returnversion"' in q["sql"]
    ]
    assert len(reads) == 1 and "FOR UPDATE" in reads[0]  # in the lock's query


# --- The API ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("windows")
def test_an_api_submission_is_saved_with_its_warnings_in_the_response(provider_user, location):
    from api.models import ApiKeyKind
    from tests.api.keys import client_with, make_key

    save_november(location, provider_user)
    _, raw = make_key(ApiKeyKind.PROVIDER, provider=location.provider)
    answers = {code: value for code, value in occupied_26(absent_direct_care=20).items()}
    body = {"location": location.cqc_id, "care_type": "care_home", "period": PERIOD,
            "kind": "full", "answers": {k: v for k, v in answers.items()
                                        if k not in ("vacc_staff_covid_primary",
                                                     "vacc_residents_covid_primary")}}  # fmt: skip
    with at(IN_WINDOW):
        sent = client_with(raw).post("/api/v1/returns/", body, format="json")
    assert sent.status_code == 201, sent.content  # never refused
    reply = sent.json()
    assert [(w["rule"], w["item"], w["value"], w["previous"], w["unit"]) for w in reply["warnings"]] == [
        ("occupancy_change", "beds_occupied", 65, 87.5, "%"),
        ("absence_high", "absent_direct_nurses", 40, 4, "%"),
    ]  # fmt: skip
    assert reply["warnings"][0]["message"] == (
        "Occupancy has gone from 87.5% to 65% since the last return"
    )
    version = ReturnVersion.objects.get(reference=reply["reference"])
    assert [w["rule"] for w in version.warnings] == ["occupancy_change", "absence_high"]
    # Sent again at the same occupancy, absences back down: compared with the version it
    # follows (the one above, not November's), nothing to check; an empty list, not no field.
    with at(IN_WINDOW):
        again = client_with(raw).post(
            "/api/v1/returns/",
            {**body, "answers": {k: v for k, v in occupied_26().items() if k in body["answers"]}},
            format="json",
        )
    assert again.status_code == 201 and again.json()["warnings"] == []


def test_the_openapi_schema_documents_the_warnings():
    from returns.api_submit import ReturnAccepted

    field = ReturnAccepted().fields["warnings"]
    assert "Never a refusal" in field.help_text
    assert set(field.child.fields) == {
        "rule", "item", "message", "value", "previous", "threshold", "unit",
    }  # fmt: skip
