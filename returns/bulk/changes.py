"""What a checked file will change, location by location, for the preview.

Worked out once, when the file is checked (``bulk_check``), against each location's latest
figures then (its newest full or unchanged return, whatever the month), and kept in the
upload's ``counts["changes"]``: the preview page reads it back with no further query. One query
here, whatever the number of rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from providers.models import CareType
from returns import version_labels as labels
from returns.bulk.parsing import GoodRow
from returns.bulk.reads import latest_versions
from returns.deadlines import Period
from returns.models import ReturnKind, ReturnVersion
from returns.validation import Dataset

# The preview lists at most this many locations with changes (the counts cover them all).
MAX_LISTED = 500
# And names at most this many of the locations whose figures stay the same.
MAX_UNCHANGED_NAMED = 500


def _month_of(version: ReturnVersion) -> str:
    """The month of a version ``latest_versions(with_month=True)`` read (an annotation, which
    the model's type does not declare)."""
    period: datetime.date = vars(version)["head_period"]
    return Period.of(period).label()


def _figure_changes(
    row: GoodRow, dataset: Dataset, previous: Mapping[str, Any] | None
) -> list[dict[str, str]]:
    changed = []
    for item in dataset.items:
        if item.code not in row.answers and (previous is None or item.code not in previous):
            continue
        new = labels.figure_text(item.code, item.kind, row.answers.get(item.code))
        before = (
            "No earlier return"
            if previous is None
            else labels.figure_text(item.code, item.kind, previous.get(item.code))
        )
        if new != before:
            changed.append({"label": item.label, "previous": before, "new": new})
    return changed


def preview_changes(good: Sequence[GoodRow], datasets: Mapping[str, Dataset]) -> dict[str, Any]:
    """Per location and care type: each figure that changes, with its last figure beside it;
    nil returns with their reason; and how many (and which) locations stay the same."""
    latest = latest_versions({row.location.pk for row in good}, figures_only=True, with_month=True)
    listed: list[dict[str, Any]] = []
    unchanged_names: list[str] = []
    changed_count = unchanged_count = 0
    for row in good:
        last = latest.get((row.location.pk, row.care_type))
        care_type = str(CareType(row.care_type).label)
        entry: dict[str, Any] = {
            "name": row.location.name,
            "location": row.location.cqc_id,
            "care_type": care_type,
            "kind": row.kind,
            "previous_month": _month_of(last) if last is not None else "",
            "nil": "",
            "figures": [],
        }
        if row.kind == ReturnKind.NIL:
            reason = dict(labels.NIL_REASONS).get(row.nil_reason, row.nil_reason)
            detail = f" ({row.nil_reason_detail})" if row.nil_reason_detail else ""
            entry["nil"] = f"{reason}{detail}"
        elif row.kind == ReturnKind.FULL:
            entry["figures"] = _figure_changes(
                row, datasets[row.care_type], last.answers if last is not None else None
            )
        if entry["nil"] or entry["figures"]:
            changed_count += 1
            if len(listed) < MAX_LISTED:
                listed.append(entry)
        else:
            unchanged_count += 1
            if len(unchanged_names) < MAX_UNCHANGED_NAMED:
                unchanged_names.append(f"{row.location.name} ({care_type.lower()})")
    return {
        "locations": listed,
        "changed": changed_count,
        "unchanged": unchanged_count,
        "unchanged_names": unchanged_names,
    }
