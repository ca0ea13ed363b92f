"""Every item is checked against its type, bounds and the cross-item rules, in plain English."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returns.datasets import dataset_for
from returns.deadlines import Period
from returns.models import DataItem, DatasetVersion
from returns.validation import clean_answers
from tests.portal_data import GOOD_CARE_HOME

pytestmark = pytest.mark.django_db

JULY_2023 = Period(2023, 7)
NOV_2026 = Period(2026, 11)


def good_care_home() -> dict[str, str]:
    return dict(GOOD_CARE_HOME)


def test_shipped_version_is_loaded_with_both_care_types():
    version = DatasetVersion.objects.get(effective_from=datetime.date(2023, 7, 1))
    assert version.items.filter(care_type="care_home").count() == 22
    assert version.items.filter(care_type="home_care").count() == 7
    assert version.rules.count() == 16


def test_no_version_before_the_first_notice():
    # The first shipped version is the reconstructed notice in force from 31 July 2022.
    with pytest.raises(LookupError, match="No dataset version is in force for 2022-07"):
        dataset_for(Period(2022, 7), "care_home")


def test_a_later_version_applies_from_its_month(django_assert_max_num_queries):
    later = DatasetVersion.objects.create(
        name="2027 notice", effective_from=datetime.date(2027, 4, 1)
    )
    DataItem.objects.create(
        version=later, care_type="home_care", section="People", code="people", label="People"
    )
    assert dataset_for(Period(2027, 3), "home_care").version_id != later.pk
    with django_assert_max_num_queries(4):
        assert dataset_for(Period(2027, 4), "home_care").codes == ["people"]


def test_a_good_care_home_return_is_valid_and_typed():
    result = clean_answers(dataset_for(NOV_2026, "care_home"), good_care_home())
    assert result.errors == {}
    assert result.answers["beds_max_capacity"] == 40
    assert result.answers["visiting_possible"] == "yes"
    assert result.answers["visiting_reason"] is None


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("beds_max_capacity", "", "Enter maximum bed capacity"),
        ("beds_max_capacity", "forty", "Maximum bed capacity must be a whole number, like 12"),
        ("beds_max_capacity", "4.5", "Maximum bed capacity must be a whole number, like 12"),
        ("beds_max_capacity", "-1", "Maximum bed capacity must be 0 or more"),
        ("beds_max_capacity", "99999999999999", "Maximum bed capacity must be 2,000 or fewer"),
        ("beds_max_capacity", "2001", "Maximum bed capacity must be 2,000 or fewer"),
        ("beds_occupied", "41", "Occupied beds cannot be more than maximum capacity (40)"),
        (
            "beds_vacant_accepting",
            "10",
            "Occupied, reserved and accepting beds add up to 46, which is more than maximum capacity (40)",
        ),
        (
            "absent_direct_care",
            "31",
            "Care-providing staff absent cannot be more than directly employed care-providing staff (30)",
        ),
        (
            "visiting_possible",
            "maybe",
            "Select yes or no: can the home accommodate residents receiving visitors?",
        ),
        ("visiting_possible", "no", "Enter why the home cannot accommodate visitors"),
    ],
)
def test_bad_input_gets_a_message_that_says_what_to_fix(code, value, message):
    answers = {**good_care_home(), code: value}
    result = clean_answers(dataset_for(NOV_2026, "care_home"), answers)
    assert message in result.errors.values()
    assert not result.is_valid


def test_numbers_with_thousands_separators_and_spaces_are_accepted():
    answers = {**good_care_home(), "beds_max_capacity": " 1,000 "}
    assert (
        clean_answers(dataset_for(NOV_2026, "care_home"), answers).answers["beds_max_capacity"]
        == 1000
    )


def test_unknown_keys_are_ignored():
    answers = {**good_care_home(), "location_id": "1-999", "beds_secret": "5"}
    result = clean_answers(dataset_for(NOV_2026, "care_home"), answers)
    assert result.is_valid
    assert "beds_secret" not in result.answers


def test_a_good_home_care_return_and_its_rule():
    dataset = dataset_for(NOV_2026, "home_care")
    good = {
        "people_receiving_care": "80",
        "staff_direct_care": "40",
        "staff_direct_non_care": "5",
        "staff_agency": "3",
        "staff_absent_covid": "2",
        # November is in the vaccination campaign.
        "vacc_staff_covid_booster": "20",
        "vacc_staff_flu": "25",
    }
    assert clean_answers(dataset, good).is_valid
    bad = {**good, "staff_absent_covid": "49"}
    assert clean_answers(dataset, bad).errors == {
        "staff_absent_covid": "Staff absent cannot be more than all staff (48)"
    }


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(list(good_care_home())), st.text(max_size=20)))
def test_arbitrary_input_never_raises_and_valid_answers_are_within_bounds(overrides):
    dataset = dataset_for(NOV_2026, "care_home")
    result = clean_answers(dataset, {**good_care_home(), **overrides})
    for item in dataset.items:
        value = result.answers.get(item.code)
        if item.code in result.errors:
            continue
        if item.kind == "integer" and value is not None:
            assert 0 <= value <= item.max_value


def test_loading_the_shipped_notice_again_changes_nothing():
    import io

    from django.core.management import call_command

    from returns.datasets import SHIPPED
    from returns.models import ItemRule

    before = (list(DataItem.objects.order_by("pk").values()), ItemRule.objects.count())
    out = io.StringIO()
    call_command("load_dataset", str(SHIPPED), stdout=out)
    assert "29 items, 16 rules" in out.getvalue()
    after = (list(DataItem.objects.order_by("pk").values()), ItemRule.objects.count())
    assert after == before


def test_loading_a_bad_notice_loads_nothing(tmp_path):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "effective_from": "2027-04-15", "items": {}, "rules": {}}')
    with pytest.raises(CommandError, match="first day of a month"):
        call_command("load_dataset", str(bad))
    assert not DatasetVersion.objects.filter(name="x").exists()
