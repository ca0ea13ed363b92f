"""What the aggregates measure, per care type, read from the dataset JSON files.

The items a return asks change by formal notice (``returns/data/dataset_*.json``), so the
measures are built from those files rather than typed out here: every integer item becomes a
summed figure, every yes/no item two counts, and the rates follow from the items' prefixes and
the notices' own ``at_most`` rules (``vacc_staff_flu`` at most all staff is exactly "flu uptake
among staff"). Free-text items (``visiting_reason``) are never disseminated.

Naming (stable: exports use these names as CSV headers):

- ``<item code>``: the item summed over the returns that answered it (None when no return in the
  group answered it, e.g. a vaccination item outside a campaign month: "not collected").
- ``staff_total`` / ``absent_total``: all headcount items / all absence items, per return, summed.
- ``<yes_no code>_yes`` / ``_no``: how many returns answered yes / no.
- rates, each as ``<name>_numerator``, ``<name>_denominator`` and ``<name>``:
  ``occupancy_rate`` (occupied / maximum capacity), ``vacancy_rate`` (vacant reserved + vacant
  accepting admissions / maximum capacity), ``absence_rate`` (absent_total / staff_total),
  ``<absence code>_rate`` (one group's absences / its headcount, when there are several groups)
  and ``<vacc code>_uptake`` (vaccinated / the population its rule names: staff or residents).

A rate's numerator and denominator are summed over the same returns: those that answered every
item of both (so a return without vaccination items adds to neither side of an uptake).
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from providers.models import CareType
from returns.datasets import DATA_DIR

CODE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")  # item codes are slugs; checked before they reach SQL


@dataclass(frozen=True)
class Column:
    """One column of an aggregate row, for exports and the data dictionary."""

    name: str
    meaning: str
    unit: str
    source: str = ""  # the data items or registry field it is built from


@dataclass(frozen=True)
class Figure:
    """Per return, the sum of ``codes`` (None unless all answered); then summed over returns."""

    name: str
    codes: tuple[str, ...]
    meaning: str
    unit: str


@dataclass(frozen=True)
class Tally:
    """How many returns answered ``code`` with ``value``."""

    name: str
    code: str
    value: str
    meaning: str


@dataclass(frozen=True)
class RateSpec:
    name: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    meaning: str


@dataclass(frozen=True)
class Catalogue:
    care_type: str
    figures: tuple[Figure, ...]
    tallies: tuple[Tally, ...]
    rates: tuple[RateSpec, ...]

    @property
    def integer_codes(self) -> tuple[str, ...]:
        """Every integer item a figure or rate reads, in a stable order."""
        seen: dict[str, None] = {}
        for figure in self.figures:
            seen.update(dict.fromkeys(figure.codes))
        for rate in self.rates:
            seen.update(dict.fromkeys((*rate.numerator, *rate.denominator)))
        return tuple(seen)

    def columns(self) -> list[Column]:
        columns = [Column(f.name, f.meaning, f.unit, " + ".join(f.codes)) for f in self.figures]
        columns += [Column(t.name, t.meaning, "returns", t.code) for t in self.tallies]
        for rate in self.rates:
            source = f"{_sum_text(rate.numerator)} / {_sum_text(rate.denominator)}"
            columns += [
                Column(f"{rate.name}_numerator", f"Numerator of: {rate.meaning}", "count", source),
                Column(
                    f"{rate.name}_denominator", f"Denominator of: {rate.meaning}", "count", source
                ),
                Column(rate.name, rate.meaning, "proportion (0 to 1)", source),
            ]
        return columns


def _sum_text(codes: tuple[str, ...]) -> str:
    return codes[0] if len(codes) == 1 else f"({' + '.join(codes)})"


@dataclass(frozen=True)
class _Item:
    code: str
    kind: str
    label: str


def _unit(code: str) -> str:
    if code.startswith("beds_"):
        return "beds"
    if code.startswith("vacc_residents_"):
        return "residents"
    if code.startswith(("staff_", "absent_", "vacc_staff_")):
        return "staff (headcount)"
    return "people"


def _is_absence(code: str) -> bool:
    return code.startswith("absent_") or "_absent_" in code


@functools.cache
def _spec_files(data_dir: Path) -> tuple[dict, ...]:
    specs = [json.loads(path.read_text(encoding="utf-8")) for path in data_dir.glob("*.json")]
    specs = [s for s in specs if "items" in s and "effective_from" in s]  # notices only
    return tuple(sorted(specs, key=lambda s: datetime.date.fromisoformat(s["effective_from"])))


def build_catalogue(care_type: str, specs: tuple[dict, ...]) -> Catalogue:
    """The measures for ``care_type`` from dataset specs (oldest first; a later notice's label
    wins, and an item any notice asked keeps its column, so old windows stay exportable)."""
    items: dict[str, _Item] = {}
    at_most: dict[str, tuple[str, ...]] = {}  # single-item left side -> its population
    for spec in specs:
        for raw in spec["items"].get(care_type, []):
            code = raw["code"]
            if not CODE.match(code):
                raise ValueError(f"Item code {code!r} is not a slug.")
            items[code] = _Item(code, raw.get("kind", "integer"), raw["label"])
        for rule in spec.get("rules", {}).get(care_type, []):
            if rule["kind"] == "at_most" and len(rule["left"]) == 1:
                at_most[rule["left"][0]] = tuple(rule["right"])
    integers = [i for i in items.values() if i.kind == "integer"]
    staff = tuple(
        i.code for i in integers if i.code.startswith("staff_") and not _is_absence(i.code)
    )
    absent = tuple(i.code for i in integers if _is_absence(i.code))
    beds_vacant = tuple(i.code for i in integers if i.code.startswith("beds_vacant_"))
    figures = [Figure(i.code, (i.code,), f"Sum of: {i.label}", _unit(i.code)) for i in integers]
    if staff:
        figures.append(Figure("staff_total", staff, "All staff (headcount)", "staff (headcount)"))
    if absent:
        figures.append(Figure("absent_total", absent, "All staff absent", "staff (headcount)"))
    tallies = [
        Tally(f"{i.code}_{value}", i.code, value, f"Returns answering {value!r}: {i.label}")
        for i in items.values()
        if i.kind == "yes_no"
        for value in ("yes", "no")
    ]
    rates: list[RateSpec] = []
    if "beds_occupied" in items and "beds_max_capacity" in items:
        rates.append(
            RateSpec(
                "occupancy_rate",
                ("beds_occupied",),
                ("beds_max_capacity",),
                "Occupancy: beds occupied / maximum bed capacity",
            )
        )
    if beds_vacant and "beds_max_capacity" in items:
        rates.append(
            RateSpec(
                "vacancy_rate",
                beds_vacant,
                ("beds_max_capacity",),
                "Vacancy: vacant beds (reserved and accepting admissions) / maximum bed capacity",
            )
        )
    if staff and absent:
        rates.append(
            RateSpec("absence_rate", absent, staff, "Absence: all staff absent / all staff")
        )
    if len(absent) > 1:
        rates += [
            RateSpec(f"{code}_rate", (code,), at_most[code], f"Absence: {items[code].label}")
            for code in absent
            if code in at_most
        ]
    for item in integers:
        if not item.code.startswith("vacc_"):
            continue
        population = at_most.get(item.code) or (
            ("beds_occupied",) if item.code.startswith("vacc_residents_") else staff
        )
        if population:
            rates.append(
                RateSpec(f"{item.code}_uptake", (item.code,), population, f"Uptake: {item.label}")
            )
    return Catalogue(care_type, tuple(figures), tuple(tallies), tuple(rates))


def catalogue(care_type: str) -> Catalogue:
    """The measures for a care type, from the dataset files shipped in ``returns/data/``."""
    if care_type not in CareType.values:
        raise ValueError(f"Unknown care type {care_type!r}.")
    return _catalogue(care_type)


@functools.cache
def _catalogue(care_type: str) -> Catalogue:
    return build_catalogue(care_type, _spec_files(DATA_DIR))
