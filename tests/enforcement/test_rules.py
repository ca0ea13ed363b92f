"""Pure rules: the transition table, notice deadlines, and the fee calculation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from capacity_tracker.lib.working_days import nth_working_day_after
from enforcement.deadlines import (
    appeal_due,
    decision_due,
    deemed_given_on,
    representations_end,
)
from enforcement.fees import Band, LocationSize, calculate
from enforcement.transitions import (
    TERMINAL,
    TRANSITIONS,
    Action,
    State,
    TransitionNotAllowed,
    allowed_actions,
    next_state,
)

D = datetime.date

ALLOWED = [
    (action, source, target)
    for action, (sources, target) in TRANSITIONS.items()
    for source in sources
]
FORBIDDEN = [
    (action, source)
    for action, (sources, _) in TRANSITIONS.items()
    for source in State
    if source not in sources
]


@pytest.mark.parametrize(("action", "source", "target"), ALLOWED)
def test_every_allowed_transition(action, source, target):
    assert next_state(source, action) is target


@pytest.mark.parametrize(("action", "source"), FORBIDDEN)
def test_every_forbidden_transition_is_refused(action, source):
    with pytest.raises(TransitionNotAllowed):
        next_state(source, action)


def test_terminal_states_allow_nothing():
    for state in TERMINAL:
        assert allowed_actions(state) == []
        assert allowed_actions(state, by_system=True) == []


def test_the_system_only_moves_early_cases():
    assert allowed_actions(State.FIRST_BREACH, by_system=True) == [
        Action.SECOND_BREACH,
        Action.CLOSE_COMPLIANT,
    ]
    assert allowed_actions(State.NOTICE_OF_INTENT, by_system=True) == []
    assert Action.ISSUE_NOTICE_OF_INTENT in allowed_actions(State.SECOND_BREACH)
    assert Action.ISSUE_NOTICE_OF_INTENT not in allowed_actions(State.FIRST_BREACH)


# --- Deemed service (working days exclude weekends, Christmas Day, Good Friday, bank holidays) --


@pytest.mark.parametrize(
    ("sent", "method", "given"),
    [
        (D(2026, 3, 2), "hand", D(2026, 3, 2)),
        (D(2026, 3, 2), "email", D(2026, 3, 3)),  # Monday -> Tuesday
        (D(2026, 3, 6), "email", D(2026, 3, 9)),  # Friday -> Monday
        (D(2026, 3, 2), "post", D(2026, 3, 5)),  # 3rd working day
        (
            D(2026, 4, 1),
            "post",
            D(2026, 4, 8),
        ),  # 2nd, (Good Friday 3rd, Easter Monday 6th), 7th, 8th
        (D(2026, 4, 2), "email", D(2026, 4, 7)),  # Thursday before Easter
        (D(2026, 12, 23), "post", D(2026, 12, 30)),  # Christmas Day, Boxing Day (substitute 28th)
        (D(2026, 12, 24), "email", D(2026, 12, 29)),
    ],
)
def test_deemed_service_across_easter_and_christmas(sent, method, given):
    assert deemed_given_on(sent, method) == given


def test_representation_period_starts_the_day_after_and_is_at_least_14_days():
    assert representations_end(D(2026, 3, 3), 14) == D(2026, 3, 17)
    assert representations_end(D(2026, 3, 3), 28) == D(2026, 3, 31)
    with pytest.raises(ValueError, match="at least 14 days"):
        representations_end(D(2026, 3, 3), 13)


def test_decision_within_28_days_of_the_period_and_appeal_within_28_days():
    assert decision_due(D(2026, 3, 31)) == D(2026, 4, 28)
    assert appeal_due(D(2026, 5, 1)) == D(2026, 5, 29)


def test_nth_working_day_skips_the_whole_christmas_run():
    assert nth_working_day_after(D(2026, 12, 24), 1) == D(2026, 12, 29)


# --- Fees -------------------------------------------------------------------------------------

SHIPPED_CARE_HOME = [
    (1, 3, "313"),
    (4, 10, "816"),
    (11, 15, "1634"),
    (16, 20, "2388"),
    (21, 25, "3268"),
    (26, 30, "4270"),
    (31, 35, "5023"),
    (36, 40, "5779"),
    (41, 45, "6533"),
    (46, 50, "7289"),
    (91, None, "15710"),
]
BANDS = [Band("care_home", lo, hi, Decimal(a)) for lo, hi, a in SHIPPED_CARE_HOME] + [
    Band("care_home", 51, 90, None),
    Band("home_care", 0, None, None),
]


@pytest.mark.parametrize(("lowest", "highest", "amount"), SHIPPED_CARE_HOME)
def test_every_shipped_band_at_both_edges(lowest, highest, amount):
    for size in (lowest, highest if highest is not None else 400):
        result = calculate([LocationSize("1-1", "Home", "care_home", size)], BANDS)
        assert result.total == Decimal(amount)


def test_multi_location_fees_are_summed():
    result = calculate(
        [
            LocationSize("1-1", "A", "care_home", 9),
            LocationSize("1-2", "B", "care_home", 40),
            LocationSize("1-3", "C", "care_home", 95),
        ],
        BANDS,
    )
    assert result.total == Decimal("816") + Decimal("5779") + Decimal("15710")


def test_a_band_with_no_amount_makes_the_fee_unknown_never_zero():
    result = calculate(
        [LocationSize("1-1", "A", "care_home", 9), LocationSize("1-2", "Big", "care_home", 60)],
        BANDS,
    )
    assert not result.known
    assert result.total is None
    assert result.problems == ["Big: the fee for 51 to 90 registered places has not been entered"]


def test_unknown_size_and_missing_band_are_explained():
    result = calculate(
        [LocationSize("1-1", "A", "care_home", None), LocationSize("1-2", "B", "care_home", 0)],
        BANDS,
    )
    assert result.problems == [
        "A: the number of registered places is not known",
        "B: no fee band covers 0 registered places",
    ]


def test_home_care_with_no_amounts_is_unknown():
    result = calculate([LocationSize("1-1", "Care at Home", "home_care", 120)], BANDS)
    assert result.problems == [
        "Care at Home: the fee for 0 or more people using the service has not been entered"
    ]


def test_no_locations_is_not_a_fee_of_zero():
    assert calculate([], BANDS).total is None
