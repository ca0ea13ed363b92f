"""Checking a return's answers against its dataset version. Pure: no database, no clock.

The portal form, the CSV bulk update and the API all call ``clean_answers`` so that the same
input gets the same messages everywhere. Messages follow GOV.UK style: say what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_LENGTH = 500
YES_NO = {"yes": "yes", "y": "yes", "no": "no", "n": "no"}


@dataclass(frozen=True)
class ItemSpec:
    code: str
    label: str
    section: str
    kind: str = "integer"
    mandatory: bool = True
    min_value: int | None = 0
    max_value: int | None = None
    help_text: str = ""
    campaign_only: bool = False


@dataclass(frozen=True)
class RuleSpec:
    kind: str
    left_codes: tuple[str, ...]
    right_codes: tuple[str, ...]
    message: str
    when_value: str = ""


@dataclass(frozen=True)
class Dataset:
    version_id: int
    care_type: str
    items: tuple[ItemSpec, ...]
    rules: tuple[RuleSpec, ...]
    campaign: bool

    @property
    def codes(self) -> list[str]:
        return [item.code for item in self.items]

    def sections(self) -> list[tuple[str, list[ItemSpec]]]:
        grouped: dict[str, list[ItemSpec]] = {}
        for item in self.items:
            grouped.setdefault(item.section, []).append(item)
        return list(grouped.items())


@dataclass
class Cleaned:
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text and not text[:2].isupper() else text


def _clean_integer(item: ItemSpec, raw: str) -> int:
    text = raw.strip().replace(",", "")
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(f"{item.label} must be a whole number, like 12")
    if len(text) > 9:
        raise ValueError(f"{item.label} must be {item.max_value or 999_999_999:,} or fewer")
    value = int(text)
    if item.min_value is not None and value < item.min_value:
        raise ValueError(f"{item.label} must be {item.min_value} or more")
    if item.max_value is not None and value > item.max_value:
        raise ValueError(f"{item.label} must be {item.max_value:,} or fewer")
    return value


def _clean_one(item: ItemSpec, raw: object) -> Any:
    text = "" if raw is None else str(raw)
    if not text.strip():
        if item.mandatory:
            if item.kind == "yes_no":
                raise ValueError(f"Select yes or no: {_lower_first(item.label)}")
            raise ValueError(f"Enter {_lower_first(item.label)}")
        return None
    if item.kind == "integer":
        return _clean_integer(item, text)
    if item.kind == "yes_no":
        value = YES_NO.get(text.strip().lower())
        if value is None:
            raise ValueError(f"Select yes or no: {_lower_first(item.label)}")
        return value
    if "\0" in text:
        raise ValueError(f"{item.label} must not contain control characters")
    cleaned = text.strip()
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise ValueError(f"{item.label} must be {MAX_TEXT_LENGTH} characters or fewer")
    return cleaned


def clean_answers(dataset: Dataset, raw: Mapping[str, object]) -> Cleaned:
    """Check every item, then the cross-item rules whose items are all valid.

    Only the dataset's own codes are read from ``raw``: anything else is ignored, so a
    tampered form cannot add answers.
    """
    result = Cleaned()
    for item in dataset.items:
        try:
            result.answers[item.code] = _clean_one(item, raw.get(item.code))
        except ValueError as exc:
            result.errors[item.code] = str(exc)
    present = set(dataset.codes)
    for rule in dataset.rules:
        involved = [*rule.left_codes, *rule.right_codes]
        if any(code not in present for code in involved):
            continue  # a campaign-only item outside a campaign month
        if any(code in result.errors for code in involved):
            continue
        _apply_rule(rule, result)
    return result


def _apply_rule(rule: RuleSpec, result: Cleaned) -> None:
    answers = result.answers
    if rule.kind == "at_most":
        left = [answers.get(c) for c in rule.left_codes]
        right = [answers.get(c) for c in rule.right_codes]
        if any(v is None for v in left) or any(v is None for v in right):
            return
        total = sum(v for v in left if v is not None)
        limit = sum(v for v in right if v is not None)
        if total > limit:
            target = rule.left_codes[0]
            result.errors.setdefault(target, rule.message.format(total=total, limit=limit))
    elif rule.kind == "required_when":
        trigger = answers.get(rule.left_codes[0])
        target = rule.right_codes[0]
        if trigger == rule.when_value and not answers.get(target):
            result.errors.setdefault(target, rule.message)
    else:
        raise ValueError(f"Unknown rule kind {rule.kind!r}")
