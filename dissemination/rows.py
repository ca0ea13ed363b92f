"""The typed rows the dissemination selectors return, and their columns.

Field names are snake_case and stable: CSV and XLSX exports use ``as_dict()`` keys as headers,
and the data dictionary lists ``aggregate_columns(care_type)`` (name, meaning, unit, source).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from dissemination.measures import Column, catalogue
from providers.models import CareType

ENGLAND_CODE = "E92000001"  # ONS code for England


class Level(StrEnum):
    ENGLAND = "england"
    REGION = "region"
    LOCAL_AUTHORITY = "local_authority"
    LOCATION = "location"


LEVEL_ORDER = {level: rank for rank, level in enumerate(Level)}


@dataclass(frozen=True, slots=True)
class Rate:
    """A rate with what it was built from: summed numerator over summed denominator.

    Both are None when no return in the group answered the items (not collected); the rate is
    None then, and when the denominator is 0.
    """

    numerator: int | None
    denominator: int | None

    @property
    def value(self) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        return self.numerator / self.denominator

    def __add__(self, other: Rate) -> Rate:
        def plus(a: int | None, b: int | None) -> int | None:
            return None if a is None and b is None else (a or 0) + (b or 0)

        return Rate(
            plus(self.numerator, other.numerator), plus(self.denominator, other.denominator)
        )


@dataclass(frozen=True)
class AggregateRow:
    """One area (or location) in one window, for one care type.

    Counts are of obligations (location x care type owing the window; with one care type per
    call, of locations): ``locations_owing = returned + late + missing``, and
    ``returned = returned_full + returned_unchanged + returned_nil``. ``late``: no return saved
    in the window but one saved after it closed; ``missing``: none saved at all.
    ``compliance_rate`` is returned / locations_owing. Figures and rates come from the returns
    saved in the window (full and unchanged; nil returns add nothing); ``registered_places``
    (care homes) is the registry's figure summed over the owing care homes.
    """

    period: datetime.date
    level: Level
    area_code: str
    area_name: str
    region_code: str | None
    region_name: str | None
    local_authority_code: str | None
    local_authority_name: str | None
    provider_code: str | None  # location level only
    provider_name: str | None
    care_type: str
    locations_owing: int
    returned: int
    returned_full: int
    returned_unchanged: int
    returned_nil: int
    late: int
    missing: int
    compliance_rate: Rate
    registered_places: int | None
    figures: Mapping[str, int | None] = field(default_factory=dict)
    rates: Mapping[str, Rate] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Flat, in ``aggregate_columns(care_type)`` order: the export row."""
        out: dict[str, object] = {
            "period": f"{self.period:%Y-%m}",
            "level": self.level.value,
            "area_code": self.area_code,
            "area_name": self.area_name,
            "region_code": self.region_code,
            "region_name": self.region_name,
            "local_authority_code": self.local_authority_code,
            "local_authority_name": self.local_authority_name,
            "provider_code": self.provider_code,
            "provider_name": self.provider_name,
            "care_type": self.care_type,
            "locations_owing": self.locations_owing,
            "returned": self.returned,
            "returned_full": self.returned_full,
            "returned_unchanged": self.returned_unchanged,
            "returned_nil": self.returned_nil,
            "late": self.late,
            "missing": self.missing,
            **_flat_rate("compliance_rate", self.compliance_rate),
        }
        if self.care_type == CareType.CARE_HOME:
            out["registered_places"] = self.registered_places
        out.update(self.figures)
        for name, rate in self.rates.items():
            out.update(_flat_rate(name, rate))
        return out


def _flat_rate(name: str, rate: Rate) -> dict[str, object]:
    return {
        f"{name}_numerator": rate.numerator,
        f"{name}_denominator": rate.denominator,
        name: rate.value,
    }


AREA_COLUMNS = [
    Column("period", "The collection month", "YYYY-MM"),
    Column("level", "england, region, local_authority or location", "text"),
    Column("area_code", "ONS code of the area, or CQC location ID at location level", "text"),
    Column("area_name", "Name of the area or location", "text"),
    Column("region_code", "ONS code of the region (blank at England level)", "text"),
    Column("region_name", "Region", "text"),
    Column(
        "local_authority_code", "ONS code of the council (local authority level and below)", "text"
    ),
    Column("local_authority_name", "Council with adult social services responsibilities", "text"),
    Column("provider_code", "CQC provider ID (location level only)", "text"),
    Column("provider_name", "Provider (location level only)", "text"),
    Column("care_type", "care_home or home_care", "text"),
]
COMPLIANCE_COLUMNS = [
    Column("locations_owing", "Locations owing a return for the care type", "locations"),
    Column("returned", "Returns saved in the window (full, unchanged or nil)", "locations"),
    Column("returned_full", "Returns saved in the window with figures entered", "locations"),
    Column(
        "returned_unchanged", "Returns saved in the window as 'nothing has changed'", "locations"
    ),
    Column("returned_nil", "Nil returns saved in the window", "locations"),
    Column("late", "No return in the window, one saved after it closed", "locations"),
    Column("missing", "No return saved at all", "locations"),
    Column("compliance_rate_numerator", "Numerator of compliance: returned", "locations"),
    Column("compliance_rate_denominator", "Denominator of compliance: owing", "locations"),
    Column("compliance_rate", "Compliance: returned / owing", "proportion (0 to 1)"),
]
REGISTERED_PLACES = Column(
    "registered_places",
    "Places CQC registers the owing care homes for",
    "beds",
    "Location.registered_places",
)


def aggregate_columns(care_type: str) -> list[Column]:
    """Every column of ``AggregateRow.as_dict()`` for ``care_type``, in order."""
    places = [REGISTERED_PLACES] if care_type == CareType.CARE_HOME else []
    return [*AREA_COLUMNS, *COMPLIANCE_COLUMNS, *places, *catalogue(care_type).columns()]


LOCATION_COLUMNS = [
    Column("location_code", "CQC location ID", "text"),
    Column("location_name", "Location", "text"),
    Column("provider_code", "CQC provider ID", "text"),
    Column("provider_name", "Provider", "text"),
    Column("local_authority_code", "ONS code of the council", "text"),
    Column("local_authority_name", "Council with adult social services responsibilities", "text"),
    Column("region_code", "ONS code of the region", "text"),
    Column("region_name", "Region", "text"),
]
RELEASE_COLUMNS = [
    Column("period", "The collection month", "YYYY-MM"),
    *LOCATION_COLUMNS,
    Column("care_type", "care_home or home_care", "text"),
    Column("compliant", "1 if a return was saved in the window, else 0", "flag"),
    Column("return_kind", "full, unchanged or nil (blank if none)", "text"),
    Column("saved_at", "When that return was saved (ISO 8601, UTC)", "date and time"),
    Column("late", "1 if the only saves came after the window closed", "flag"),
]
AT_RISK_COLUMNS = [
    *LOCATION_COLUMNS,
    Column("last_period", "The last window looked at", "YYYY-MM"),
    Column("missed_last", "1 if the location missed the last window", "flag"),
    Column("missed_of_last_3", "Windows missed of the last 3", "windows"),
    Column("owed_of_last_3", "Windows owed of the last 3", "windows"),
    Column("missed_periods", "The windows missed, newest first", "YYYY-MM list"),
]


@dataclass(frozen=True)
class ComplianceRow:
    """One obligation (location x care type) in one window: the NHSBSA compliance release.

    ``compliant`` is 1 when a return was saved in the window; ``return_kind`` and ``saved_at``
    are then the month's return (the latest saved in the window). When ``late`` (nothing in
    the window, something after it closed) they are the latest save's; None when nothing.
    """

    period: datetime.date
    location_code: str
    location_name: str
    provider_code: str
    provider_name: str
    local_authority_code: str
    local_authority_name: str
    region_code: str
    region_name: str
    care_type: str
    compliant: int
    return_kind: str | None
    saved_at: datetime.datetime | None
    late: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "period": f"{self.period:%Y-%m}",
            "location_code": self.location_code,
            "location_name": self.location_name,
            "provider_code": self.provider_code,
            "provider_name": self.provider_name,
            "local_authority_code": self.local_authority_code,
            "local_authority_name": self.local_authority_name,
            "region_code": self.region_code,
            "region_name": self.region_name,
            "care_type": self.care_type,
            "compliant": self.compliant,
            "return_kind": self.return_kind,
            "saved_at": self.saved_at.isoformat() if self.saved_at else None,
            "late": int(self.late),
        }


@dataclass(frozen=True)
class AtRiskRow:
    """A location that missed the last window, or at least 2 of the last 3 (DOMAIN §7.4).

    A window counts as missed when any care type the location owed it had no return saved in
    it (a late save still misses). ``owed_of_last_3`` is how many of the 3 windows it owed.
    """

    location_code: str
    location_name: str
    provider_code: str
    provider_name: str
    local_authority_code: str
    local_authority_name: str
    region_code: str
    region_name: str
    last_period: datetime.date
    missed_last: bool
    missed_of_last_3: int
    owed_of_last_3: int
    missed_periods: tuple[datetime.date, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "location_code": self.location_code,
            "location_name": self.location_name,
            "provider_code": self.provider_code,
            "provider_name": self.provider_name,
            "local_authority_code": self.local_authority_code,
            "local_authority_name": self.local_authority_name,
            "region_code": self.region_code,
            "region_name": self.region_name,
            "last_period": f"{self.last_period:%Y-%m}",
            "missed_last": int(self.missed_last),
            "missed_of_last_3": self.missed_of_last_3,
            "owed_of_last_3": self.owed_of_last_3,
            "missed_periods": " ".join(f"{p:%Y-%m}" for p in self.missed_periods),
        }
