"""Soft warnings: figures that differ sharply from the location's last return (issue 15).

A warning never stops a save. The portal's check answers page, the CSV preview and the API
response show them; the version saved records the ones the person saw and sent anyway.

The rules are data (``returns.models.WarningRule``, edited by support staff in admin): a
*measure* is the sum of some items (a count) or that sum as a percentage of the sum of other
items (a ratio), and each rule kind compares it in one way:

- ``change_points``: a percentage that moved by more than N points since the last return
  (occupancy: beds occupied as a percentage of maximum capacity);
- ``fall_to_percent``: a count that fell to N% or less of the last return's (staff headcount;
  N = 50 is "halving, or worse");
- ``ratio_above``: a percentage above N, last return or not (staff absent out of all staff).

A measure that cannot be computed (none of its items answered, nothing to divide by, a care
type without those items, no last return, or a nil one) gives no warning. ``warnings_for`` is
pure; ``active_rules`` reads the rules, from a per-process cache that an edit in admin
invalidates for every process once committed (as ``returns.datasets`` does for datasets), so a
save or a whole CSV file costs at most one query for them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save

from capacity_tracker.lib import generation_cache

logger = logging.getLogger(__name__)

CHANGE_POINTS = "change_points"
FALL_TO_PERCENT = "fall_to_percent"
RATIO_ABOVE = "ratio_above"
RATIO_KINDS = (CHANGE_POINTS, RATIO_ABOVE)
# What a message template may name: the figures as shown ("92%", "41") and the threshold.
MESSAGE_FIELDS = ("value", "previous", "threshold")


@dataclass(frozen=True)
class WarningRuleSpec:
    """One active rule as the pure check needs it (read from ``WarningRule``)."""

    code: str
    kind: str
    threshold: Decimal
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    message: str = ""
    help_text: str = ""

    @property
    def is_ratio(self) -> bool:
        return self.kind in RATIO_KINDS


@dataclass(frozen=True)
class FigureWarning:
    """One figure to check: ``item`` is the data item the portal shows it beside."""

    rule: str
    item: str
    message: str
    value: int | float
    previous: int | float | None
    threshold: int | float
    unit: str  # "%" for a percentage, "" for a count
    help_text: str = ""

    @property
    def value_text(self) -> str:
        return _shown(self.value, self.unit)

    @property
    def previous_text(self) -> str:
        return "" if self.previous is None else _shown(self.previous, self.unit)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FigureWarning:
        return cls(
            rule=data["rule"],
            item=data["item"],
            message=data["message"],
            value=data["value"],
            previous=data.get("previous"),
            threshold=data["threshold"],
            unit=data.get("unit", ""),
            help_text=data.get("help_text", ""),
        )


def warnings_for(
    answers: Mapping[str, Any],
    previous_answers: Mapping[str, Any] | None,
    rules: Sequence[WarningRuleSpec],
) -> list[FigureWarning]:
    """The warnings ``answers`` raise against the last return's answers (None: there is none)."""
    found = []
    for rule in rules:
        warning = _check(rule, answers, previous_answers or {})
        if warning is not None:
            found.append(warning)
    return found


def _check(
    rule: WarningRuleSpec, answers: Mapping[str, Any], previous_answers: Mapping[str, Any]
) -> FigureWarning | None:
    value = _measure(rule, answers)
    if value is None:
        return None
    previous = _measure(rule, previous_answers)
    threshold = Fraction(rule.threshold)
    if rule.kind == CHANGE_POINTS:
        raised = previous is not None and abs(value - previous) > threshold
    elif rule.kind == FALL_TO_PERCENT:
        raised = previous is not None and previous > 0 and value * 100 <= previous * threshold
    elif rule.kind == RATIO_ABOVE:
        raised = value > threshold
    else:  # a kind this code does not know (a newer release's row): never a false alarm
        raised = False
    if not raised:
        return None
    unit = "%" if rule.is_ratio else ""
    shown = {
        "value": _shown(_number(value), unit),
        "previous": "" if previous is None else _shown(_number(previous), unit),
        "threshold": _shown(_number(threshold), ""),
    }
    return FigureWarning(
        rule=rule.code,
        item=next(code for code in rule.numerator if _int(answers.get(code)) is not None),
        message=render_message(rule.message, shown),
        value=_number(value),
        previous=None if previous is None else _number(previous),
        threshold=_number(threshold),
        unit=unit,
        help_text=rule.help_text,
    )


def _measure(rule: WarningRuleSpec, answers: Mapping[str, Any]) -> Fraction | None:
    """The rule's count, or its percentage; None if it cannot be computed from ``answers``."""
    top = _sum(rule.numerator, answers)
    if top is None or not rule.is_ratio:
        return None if top is None else Fraction(top)
    bottom = _sum(rule.denominator, answers)
    if not bottom:  # None (not answered) or zero: nothing to divide by
        return None
    return Fraction(top * 100, bottom)


def _sum(codes: Sequence[str], answers: Mapping[str, Any]) -> int | None:
    """The sum of the items answered; None if none of them is (another care type's items)."""
    numbers = [number for code in codes if (number := _int(answers.get(code))) is not None]
    return sum(numbers) if numbers else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _number(value: Fraction) -> int | float:
    """A figure as stored and shown: whole, or to one decimal place."""
    rounded = round(float(value), 1)
    return int(rounded) if rounded == int(rounded) else rounded


def _shown(value: int | float | None, unit: str) -> str:
    return "" if value is None else f"{value}{unit}"


def render_message(template: str, shown: Mapping[str, str]) -> str:
    """The rule's message with its figures in; a template staff broke shows as written."""
    try:
        message = template.format(**{name: shown.get(name, "") for name in MESSAGE_FIELDS})
    except (KeyError, IndexError, ValueError, AttributeError):
        message = template
    return message.strip().rstrip(".")  # pages end the sentence themselves


def message_problem(template: str) -> str | None:
    """Why a message template cannot be used (for the admin form), or None."""
    try:
        template.format(**dict.fromkeys(MESSAGE_FIELDS, "1"))
    except (KeyError, IndexError) as exc:
        return (
            f"The message names {exc} which is not a figure: use {{value}}, {{previous}} or "
            "{threshold}."
        )
    except (ValueError, AttributeError):
        return "The message has a stray { or }. Use them only around value, previous or threshold."
    return None


def warnings_from(stored: Sequence[Mapping[str, Any]]) -> list[FigureWarning]:
    """Warnings as a version or an upload stored them (``FigureWarning.as_dict``)."""
    return [FigureWarning.from_dict(item) for item in stored]


# --- Reading the rules ---------------------------------------------------------------------------
#
# The rules change when support staff edit one in admin, rarely; every check answers page, save
# and CSV file reads them. So each process keeps them under a generation token in Django's
# cache, which an edit replaces after it commits (see "The dataset cache" in
# returns/datasets.py for why: never stale once committed, the connection that edits reads
# around the cache until then, a TTL bounds writes that send no signal).

GENERATION_KEY = "returns:warning_rules:generation"
GENERATION_TTL = 10 * 60  # seconds
_rules = generation_cache.Lru(size=4)


def active_rules() -> tuple[WarningRuleSpec, ...]:
    """The active rules: no query when this process's cache is current, else one."""
    generation = None if _writing_rules() else _generation()
    if generation is not None:
        cached = _rules.get(generation)
        if cached is not None:
            return cached
    rules = _read_rules()
    if generation is not None:
        _rules.put(generation, rules)
    return rules


def _read_rules() -> tuple[WarningRuleSpec, ...]:
    from returns.models import WarningRule  # this module must not import models at import time

    return tuple(
        WarningRuleSpec(
            code=rule.code,
            kind=rule.kind,
            threshold=rule.threshold,
            numerator=tuple(rule.numerator_codes),
            denominator=tuple(rule.denominator_codes or ()),
            message=rule.message,
            help_text=rule.help_text,
        )
        for rule in WarningRule.objects.filter(active=True).order_by("order", "pk")
    )


def _generation() -> str | None:
    return generation_cache.current(GENERATION_KEY, GENERATION_TTL, "Warning rule")


def warning_rules_cache_bump() -> None:
    """Make every process read the rules again: after a write that sends no signals."""
    _rules.clear()
    generation_cache.replace(GENERATION_KEY, GENERATION_TTL)


def _writing_rules(using: str = DEFAULT_DB_ALIAS) -> bool:
    return any(entry[1] is _bump_quietly for entry in connections[using].run_on_commit)


def _rules_changed(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    if not _writing_rules(using):
        transaction.on_commit(_bump_quietly, using=using)


def _bump_quietly() -> None:
    try:
        warning_rules_cache_bump()
    except Exception:  # the edit stands; the TTL bounds the staleness
        logger.warning("Could not bump the warning rules cache generation", exc_info=True)


post_save.connect(_rules_changed, sender="returns.WarningRule", dispatch_uid="warning-rules-save")
post_delete.connect(
    _rules_changed, sender="returns.WarningRule", dispatch_uid="warning-rules-delete"
)
