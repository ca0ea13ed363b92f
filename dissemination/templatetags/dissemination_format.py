"""Figures as the dissemination pages show them: counts with separators, rates as percentages
(one decimal), and "no data" rather than a misleading 0 when nothing was collected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from django import template

from dissemination.rows import Rate

register = template.Library()

NO_DATA = "no data"


@register.filter
def number(value: object) -> str:
    if value is None or value == "":
        return NO_DATA
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@register.filter
def percent(value: Rate | float | None) -> str:
    if isinstance(value, Rate):
        value = value.value
    if not isinstance(value, int | float) or isinstance(value, bool):
        return NO_DATA  # None, or nothing at all (a month no location owed)
    return f"{value * 100:.1f}%"


class _RatedRow(Protocol):
    @property
    def compliance_rate(self) -> Rate: ...
    @property
    def rates(self) -> Mapping[str, Rate]: ...


class _FiguresRow(Protocol):
    @property
    def figures(self) -> Mapping[str, int | None]: ...


@register.filter
def rate_of(row: _RatedRow | None, name: str) -> Rate | None:
    """``row.rates[name]`` (``compliance_rate`` is an attribute of its own)."""
    if row is None:
        return None
    if name == "compliance_rate":
        return row.compliance_rate
    return row.rates.get(name)


@register.filter
def figure(row: _FiguresRow | None, name: str) -> int | None:
    return None if row is None else row.figures.get(name)
