"""The penalty: the provider's CQC annual registration fee on the day it is imposed. Pure.

Care homes are charged per location by registered places; community social care (home care)
per location by the number of people using the service; the provider's fee is the sum over
its active locations. A band with no amount makes the fee unknown, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Band:
    care_type: str
    lowest: int
    highest: int | None  # None: no upper limit
    amount: Decimal | None  # None: not known yet

    def covers(self, size: int) -> bool:
        return self.lowest <= size and (self.highest is None or size <= self.highest)


@dataclass(frozen=True)
class LocationSize:
    cqc_id: str
    name: str
    care_type: str
    size: int | None  # registered places, or people using the service


@dataclass(frozen=True)
class FeeLine:
    location: LocationSize
    band: Band | None
    amount: Decimal | None
    problem: str = ""


@dataclass(frozen=True)
class FeeResult:
    lines: tuple[FeeLine, ...]

    @property
    def known(self) -> bool:
        return bool(self.lines) and all(line.amount is not None for line in self.lines)

    @property
    def total(self) -> Decimal | None:
        if not self.known:
            return None
        return sum((line.amount for line in self.lines if line.amount is not None), Decimal("0"))

    @property
    def problems(self) -> list[str]:
        return [line.problem for line in self.lines if line.problem]


def calculate(locations: Iterable[LocationSize], bands: Iterable[Band]) -> FeeResult:
    bands = list(bands)
    lines = []
    for location in locations:
        what = (
            "registered places" if location.care_type == "care_home" else "people using the service"
        )
        if location.size is None:
            lines.append(
                FeeLine(location, None, None, f"{location.name}: the number of {what} is not known")
            )
            continue
        band = next(
            (b for b in bands if b.care_type == location.care_type and b.covers(location.size)),
            None,
        )
        if band is None:
            lines.append(
                FeeLine(
                    location,
                    None,
                    None,
                    f"{location.name}: no fee band covers {location.size} {what}",
                )
            )
        elif band.amount is None:
            span = (
                f"{band.lowest} or more"
                if band.highest is None
                else f"{band.lowest} to {band.highest}"
            )
            lines.append(
                FeeLine(
                    location,
                    band,
                    None,
                    f"{location.name}: the fee for {span} {what} has not been entered",
                )
            )
        else:
            lines.append(FeeLine(location, band, band.amount))
    return FeeResult(tuple(lines))
