"""The enforcement case's states and the allowed transitions. Pure: no database.

The system proposes, people decide: the sweep moves a case into first and second breach and
closes early cases after a run of compliant windows; every later step is a caseworker's.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    FIRST_BREACH = "first_breach"
    SECOND_BREACH = "second_breach"
    NOTICE_OF_INTENT = "notice_of_intent"  # continued breach
    FINAL_NOTICE = "final_notice"  # persistent failure: penalty imposed
    APPEAL_PANEL = "appeal_panel"  # DHSC Enforcement Review Panel
    APPEAL_TRIBUNAL = "appeal_tribunal"  # First-tier Tribunal (Care Standards)
    PAID = "paid"
    WITHDRAWN = "withdrawn"
    QUASHED = "quashed"
    CLOSED = "closed"


LABELS = {
    State.FIRST_BREACH: "First breach",
    State.SECOND_BREACH: "Second breach",
    State.NOTICE_OF_INTENT: "Continued breach: notice of intent",
    State.FINAL_NOTICE: "Persistent failure: final notice",
    State.APPEAL_PANEL: "Appeal: Enforcement Review Panel",
    State.APPEAL_TRIBUNAL: "Appeal: First-tier Tribunal",
    State.PAID: "Paid",
    State.WITHDRAWN: "Withdrawn",
    State.QUASHED: "Quashed",
    State.CLOSED: "Closed",
}
TERMINAL = frozenset({State.PAID, State.WITHDRAWN, State.QUASHED, State.CLOSED})
OPEN_STATES = frozenset(State) - TERMINAL
# The states of a cycle that is still gathering breaches. After a final notice (paid or not)
# the provider's next breach opens a new cycle: the steps start again (DOMAIN 5.5).
ACTIVE_CYCLE = frozenset({State.FIRST_BREACH, State.SECOND_BREACH, State.NOTICE_OF_INTENT})
PENALTY_STAGE = frozenset({State.FINAL_NOTICE, State.APPEAL_PANEL, State.APPEAL_TRIBUNAL})


class Action(StrEnum):
    SECOND_BREACH = "second_breach"  # system
    CLOSE_COMPLIANT = "close_compliant"  # system: a run of compliant windows
    ISSUE_NOTICE_OF_INTENT = "issue_notice_of_intent"
    DECIDE_EXCUSE_ACCEPTED = "decide_excuse_accepted"
    ISSUE_FINAL_NOTICE = "issue_final_notice"
    LODGE_PANEL_APPEAL = "lodge_panel_appeal"
    PANEL_UPHOLDS = "panel_upholds"
    PANEL_QUASHES = "panel_quashes"
    LODGE_TRIBUNAL_APPEAL = "lodge_tribunal_appeal"
    TRIBUNAL_CONFIRMS = "tribunal_confirms"
    TRIBUNAL_VARIES = "tribunal_varies"
    TRIBUNAL_QUASHES = "tribunal_quashes"
    RECORD_PAYMENT = "record_payment"
    WITHDRAW = "withdraw"
    CLOSE = "close"


# action -> (states it may start from, state it ends in)
TRANSITIONS: dict[Action, tuple[frozenset[State], State]] = {
    Action.SECOND_BREACH: (frozenset({State.FIRST_BREACH}), State.SECOND_BREACH),
    Action.CLOSE_COMPLIANT: (frozenset({State.FIRST_BREACH, State.SECOND_BREACH}), State.CLOSED),
    Action.ISSUE_NOTICE_OF_INTENT: (frozenset({State.SECOND_BREACH}), State.NOTICE_OF_INTENT),
    Action.DECIDE_EXCUSE_ACCEPTED: (frozenset({State.NOTICE_OF_INTENT}), State.CLOSED),
    Action.ISSUE_FINAL_NOTICE: (frozenset({State.NOTICE_OF_INTENT}), State.FINAL_NOTICE),
    Action.LODGE_PANEL_APPEAL: (frozenset({State.FINAL_NOTICE}), State.APPEAL_PANEL),
    Action.PANEL_UPHOLDS: (frozenset({State.APPEAL_PANEL}), State.FINAL_NOTICE),
    Action.PANEL_QUASHES: (frozenset({State.APPEAL_PANEL}), State.QUASHED),
    Action.LODGE_TRIBUNAL_APPEAL: (frozenset({State.FINAL_NOTICE}), State.APPEAL_TRIBUNAL),
    Action.TRIBUNAL_CONFIRMS: (frozenset({State.APPEAL_TRIBUNAL}), State.FINAL_NOTICE),
    Action.TRIBUNAL_VARIES: (frozenset({State.APPEAL_TRIBUNAL}), State.FINAL_NOTICE),
    Action.TRIBUNAL_QUASHES: (frozenset({State.APPEAL_TRIBUNAL}), State.QUASHED),
    Action.RECORD_PAYMENT: (frozenset({State.FINAL_NOTICE}), State.PAID),
    # Either notice can be withdrawn at any time, e.g. when the provider supplies the data.
    Action.WITHDRAW: (OPEN_STATES, State.WITHDRAWN),
    Action.CLOSE: (frozenset({State.FIRST_BREACH, State.SECOND_BREACH}), State.CLOSED),
}
SYSTEM_ACTIONS = frozenset({Action.SECOND_BREACH, Action.CLOSE_COMPLIANT})
ACTION_LABELS = {
    Action.ISSUE_NOTICE_OF_INTENT: "Issue a notice of intent",
    Action.DECIDE_EXCUSE_ACCEPTED: "Decide: reasonable excuse accepted (no penalty)",
    Action.ISSUE_FINAL_NOTICE: "Issue a final notice (penalty)",
    Action.LODGE_PANEL_APPEAL: "Record an appeal to the Enforcement Review Panel",
    Action.PANEL_UPHOLDS: "Panel upholds the final notice",
    Action.PANEL_QUASHES: "Panel quashes the final notice",
    Action.LODGE_TRIBUNAL_APPEAL: "Record an appeal to the First-tier Tribunal",
    Action.TRIBUNAL_CONFIRMS: "Tribunal confirms the final notice",
    Action.TRIBUNAL_VARIES: "Tribunal varies the final notice",
    Action.TRIBUNAL_QUASHES: "Tribunal quashes the final notice",
    Action.RECORD_PAYMENT: "Record payment",
    Action.WITHDRAW: "Withdraw the case",
    Action.CLOSE: "Close the case",
}


class Activity(StrEnum):
    """What a caseworker records on a case without moving it to another stage."""

    LOG_CONTACT = "log_contact"
    RECORD_FEE = "record_fee"
    RECORD_REPRESENTATION = "record_representation"


# activity -> the states it may be recorded in
ACTIVITIES: dict[Activity, frozenset[State]] = {
    Activity.LOG_CONTACT: OPEN_STATES,
    # The provider's actual fee is what the notices state, so it is recorded before them.
    Activity.RECORD_FEE: ACTIVE_CYCLE,
    Activity.RECORD_REPRESENTATION: frozenset({State.NOTICE_OF_INTENT}),
}
ACTIVITY_LABELS = {
    Activity.LOG_CONTACT: "Log a contact",
    Activity.RECORD_FEE: "Record the provider's CQC fee",
    Activity.RECORD_REPRESENTATION: "Record a representation",
}


# What "You cannot ..." says for each step, in words that follow "cannot" (an action's label
# reads as a timeline entry, "Panel upholds the final notice", not as something one does).
REFUSAL_WORDS: dict[Action | Activity, str] = {
    Action.ISSUE_NOTICE_OF_INTENT: "issue a notice of intent",
    Action.DECIDE_EXCUSE_ACCEPTED: "record that a reasonable excuse was accepted",
    Action.ISSUE_FINAL_NOTICE: "issue a final notice",
    Action.LODGE_PANEL_APPEAL: "record an appeal to the Enforcement Review Panel",
    Action.PANEL_UPHOLDS: "record that the panel upheld the final notice",
    Action.PANEL_QUASHES: "record that the panel quashed the final notice",
    Action.LODGE_TRIBUNAL_APPEAL: "record an appeal to the First-tier Tribunal",
    Action.TRIBUNAL_CONFIRMS: "record that the tribunal confirmed the final notice",
    Action.TRIBUNAL_VARIES: "record that the tribunal varied the final notice",
    Action.TRIBUNAL_QUASHES: "record that the tribunal quashed the final notice",
    Action.RECORD_PAYMENT: "record a payment",
    Action.WITHDRAW: "withdraw the case",
    Action.CLOSE: "close the case",
    Activity.LOG_CONTACT: "log a contact",
    Activity.RECORD_FEE: "record the provider's CQC fee",
    Activity.RECORD_REPRESENTATION: "record a representation",
}


def cannot_at_stage(doing: str, current: State | str) -> str:
    """The refusal for doing something the case's stage does not allow, saying why."""
    return f"You cannot {doing} because the case is at the ‘{state_label(current)}’ stage."


class TransitionNotAllowed(Exception):
    """The action is not allowed from the case's current stage."""


def _sources(step: Action | Activity) -> frozenset[State]:
    if isinstance(step, Activity):
        return ACTIVITIES[step]
    return TRANSITIONS[Action(step)][0]


def is_allowed(current: State | str, step: Action | Activity) -> bool:
    """Whether the table lets a case at ``current`` take the action (or record the activity)."""
    return State(current) in _sources(step)


def check_allowed(current: State | str, step: Action | Activity) -> None:
    """Raise TransitionNotAllowed, in the caseworker's words, unless the table allows it."""
    if not is_allowed(current, step):
        doing = REFUSAL_WORDS.get(step, "take that step")
        raise TransitionNotAllowed(cannot_at_stage(doing, current))


def next_state(current: State | str, action: Action | str) -> State:
    action = Action(action)
    check_allowed(current, action)
    return TRANSITIONS[action][1]


def allowed_actions(current: State | str, *, by_system: bool = False) -> list[Action]:
    """The actions the table allows from ``current``: the caseworker's, or the system's."""
    return [
        action
        for action in TRANSITIONS
        if is_allowed(current, action) and ((action in SYSTEM_ACTIONS) == by_system)
    ]


def allowed_activities(current: State | str) -> list[Activity]:
    return [activity for activity in ACTIVITIES if is_allowed(current, activity)]


# Timeline wording for every event the case records (transitions and the rest).
EVENT_LABELS = {
    "opened_first_breach": "Case opened: first breach",
    "breach_recorded": "Another missed month recorded",
    "noi_eligible": "Flagged as eligible for a notice of intent",
    "contact_logged": "Contact logged",
    "representation_received": "Representation received",
    "decided_no_reasonable_excuse": "Decision: no reasonable excuse",
    "letter_sent": "Letter sent",
    "fee_recorded": "CQC fee recorded",
    "new_cycle_opened": "New case opened: missed deadline after an earlier case",
    Action.SECOND_BREACH.value: "Second breach",
    Action.CLOSE_COMPLIANT.value: "Closed after compliant months",
    **{action.value: label for action, label in ACTION_LABELS.items()},
}


def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action.replace("_", " ").capitalize())


def state_label(state: str) -> str:
    try:
        return LABELS[State(state)]
    except ValueError:
        return state
