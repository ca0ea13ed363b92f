"""The data dictionary: every column of every export, from the selectors' own column lists,
so a column an export gains (a new notice's item, say) is documented without a code change."""

from __future__ import annotations

from dataclasses import dataclass

from dissemination.measures import Column
from dissemination.rows import AREA_COLUMNS, COMPLIANCE_COLUMNS, LOCATION_COLUMNS
from dissemination.selectors import AT_RISK_COLUMNS, RELEASE_COLUMNS, aggregate_columns
from providers.models import CareType

# Where the columns the measures module does not trace to a data item come from.
REGISTRY = "The CQC register of locations and providers, and ONS area codes"
OBLIGATIONS = (
    "Who owes a return (registration status and date added, on the window's opening day) "
    "and the returns saved: kind (full, unchanged, nil) and time against the window"
)
_DERIVED = {column.name: REGISTRY for column in [*AREA_COLUMNS, *LOCATION_COLUMNS]}
_DERIVED.update({column.name: OBLIGATIONS for column in COMPLIANCE_COLUMNS})
_DERIVED.update(
    {
        "period": "The month the collection was for",
        "level": "The level of the row",
        "care_type": "The care type the return is for",
        "compliant": OBLIGATIONS,
        "return_kind": "The return saved: full (figures), unchanged (no change) or nil (no service)",
        "saved_at": "When the return was saved",
        "late": OBLIGATIONS,
        "last_period": "The collection window chosen",
        "missed_last": OBLIGATIONS,
        "missed_of_last_3": OBLIGATIONS,
        "owed_of_last_3": OBLIGATIONS,
        "missed_periods": OBLIGATIONS,
    }
)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    export: str  # which export(s) have these columns
    columns: list[Column]


def _sourced(columns: list[Column]) -> list[Column]:
    return [
        column
        if column.source
        else Column(column.name, column.meaning, column.unit, _DERIVED.get(column.name, ""))
        for column in columns
    ]


def dictionary_sections() -> list[Section]:
    return [
        Section(
            "care-homes",
            "Aggregates: care homes",
            "Aggregate exports with care type 'care homes', at every level, and their "
            "publishable variant",
            _sourced(aggregate_columns(CareType.CARE_HOME)),
        ),
        Section(
            "home-care",
            "Aggregates: home care",
            "Aggregate exports with care type 'home care', at every level, and their "
            "publishable variant",
            _sourced(aggregate_columns(CareType.HOME_CARE)),
        ),
        Section(
            "compliance",
            "Compliance release",
            "One row per location, care type and month owed",
            _sourced(RELEASE_COLUMNS),
        ),
        Section(
            "at-risk",
            "At-risk list",
            "One row per location that missed the last closed month, or 2 of the last 3",
            _sourced(AT_RISK_COLUMNS),
        ),
    ]
