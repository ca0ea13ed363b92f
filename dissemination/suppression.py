"""Small-number suppression for published figures (DOMAIN 7.2). No database: figures in and out.

A table is a set of cells, each a count (beds occupied, staff absent, ...) and the number of
locations it is built from, tied together by additive groups: a total cell equals the sum of
its part cells (England = its regions, a region = its councils; or the rows and columns of a
two-way table with their margins).

- Primary: a cell built from fewer than ``DISCLOSURE_MIN_LOCATIONS`` locations is suppressed.
- Secondary: more cells are suppressed until no suppressed cell can be worked out from what
  is published. First the classic rule, to a fixed point: a group with exactly one suppressed
  cell gets a second (its smallest, preferring parts to totals, since a suppressed total must
  be protected in its own parent's group in turn). Then an exact check that the classic rule
  alone misses (e.g. two suppressed pairs joined by a single suppressed cell): each suppressed
  cell must have another non-negative whole-number completion of the table in which it differs.

The exact check: when every cell is in at most two groups (hierarchies and two-way tables),
the group equations are a network, the cells its edges, and the differences between two
completions a circulation on the suppressed edges. A suppressed cell can change iff it lies on
a cycle of suppressed cells along which one unit can be pushed without taking any cell below
zero. That is a path search, exact for integers, and needs no linear-programming library.

What this does not protect against: knowledge from outside the table (a known bed count, say),
or a figure dominated by one large location. Only exact recovery from the published table.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)

GROUND = -1  # the network node of "no equation": the free end of a cell in only one group


class Reason(StrEnum):
    PRIMARY = "primary"  # built from too few locations
    SECONDARY = "secondary"  # would give a primary cell away by subtraction


@dataclass(frozen=True)
class Cell:
    """One cell as the aggregates produce it. ``value`` None means no figures (counts as 0)."""

    value: int | Decimal | None
    locations: int


@dataclass(frozen=True)
class Group:
    """An additive constraint: ``total`` = sum of ``parts``."""

    total: Hashable
    parts: tuple[Hashable, ...]


@dataclass(frozen=True)
class Published:
    """A cell as it may be published: the figures, or None and why."""

    value: int | Decimal | None
    locations: int | None
    suppressed: Reason | None

    @property
    def is_suppressed(self) -> bool:
        return self.suppressed is not None


def strongest(*cells: Published) -> Reason | None:
    """The reason to hide a figure derived from these (a rate from its numerator and
    denominator): hidden if any of them is."""
    reasons = {cell.suppressed for cell in cells}
    if Reason.PRIMARY in reasons:
        return Reason.PRIMARY
    return Reason.SECONDARY if Reason.SECONDARY in reasons else None


# --- Building the groups ----------------------------------------------------------------------


def hierarchy_groups(parents: Mapping[Hashable, Hashable | None]) -> list[Group]:
    """England > region > council: one group per area that has children, in a stable order."""
    children: dict[Hashable, list[Hashable]] = {}
    for area, parent in parents.items():
        if parent is not None:
            if parent not in parents:
                raise ValueError(f"{area!r} has parent {parent!r}, which is not an area.")
            children.setdefault(parent, []).append(area)
    return [Group(total=parent, parts=tuple(kids)) for parent, kids in children.items()]


TOTAL = "total"


def two_way_groups(
    rows: Sequence[Hashable], columns: Sequence[Hashable], *, total: Hashable = TOTAL
) -> list[Group]:
    """Rows x columns with a total row, a total column and the grand total ``(total, total)``.

    Cell keys are ``(row, column)``.
    """
    all_rows = [*rows, total]
    all_columns = [*columns, total]
    groups = [Group(total=(row, total), parts=tuple((row, c) for c in columns)) for row in all_rows]
    groups += [
        Group(total=(total, column), parts=tuple((r, column) for r in rows))
        for column in all_columns
    ]
    return groups


# --- Protecting ---------------------------------------------------------------------------------


def _whole(value: int | Decimal | None) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError(f"Suppression works on non-negative whole counts, not {value!r}.")
    return int(value)


class _Network:
    """The group equations as a network: each cell an edge from ``tail`` to ``head``."""

    def __init__(self, keys: Sequence[Hashable], groups: Sequence[Group]) -> None:
        memberships: dict[Hashable, list[tuple[int, int]]] = {key: [] for key in keys}
        for index, group in enumerate(groups):
            members = [(group.total, 1), *((part, -1) for part in group.parts)]
            if len({key for key, _ in members}) != len(members):
                raise ValueError(f"Group {index} names a cell twice.")
            for key, role in members:
                if key not in memberships:
                    raise ValueError(f"Group {index} names {key!r}, which has no figure.")
                memberships[key].append((index, role))
        self.groups_of = {key: [index for index, _ in found] for key, found in memberships.items()}
        sign = self._signs(memberships, len(groups))
        self.tail: dict[Hashable, int] = {}
        self.head: dict[Hashable, int] = {}
        for key, found in memberships.items():
            if len(found) > 2:
                raise ValueError(
                    f"{key!r} is in {len(found)} groups; suppression supports hierarchies and "
                    "two-way tables, where each cell is in at most two."
                )
            ends = [(index, sign[index] * role) for index, role in found]
            if len(ends) == 1:
                ends.append((GROUND, -ends[0][1]))
            elif not ends:
                ends = [(GROUND, 1), (GROUND, -1)]
            self.head[key] = next(node for node, coefficient in ends if coefficient == 1)
            self.tail[key] = next(node for node, coefficient in ends if coefficient == -1)

    @staticmethod
    def _signs(memberships: Mapping[Hashable, list[tuple[int, int]]], count: int) -> list[int]:
        # Flip whole equations so that every cell has +1 in one and -1 in the other: then the
        # equations are a network. Possible exactly when the groups form no "odd" loop.
        links: dict[int, list[tuple[int, int]]] = {index: [] for index in range(count)}
        for found in memberships.values():
            if len(found) == 2:
                (g, rg), (h, rh) = found
                links[g].append((h, -rg * rh))
                links[h].append((g, -rg * rh))
        sign = [0] * count
        for start in range(count):
            if sign[start]:
                continue
            sign[start] = 1
            queue = deque([start])
            while queue:
                g = queue.popleft()
                for h, relation in links[g]:
                    wanted = sign[g] * relation
                    if not sign[h]:
                        sign[h] = wanted
                        queue.append(h)
                    elif sign[h] != wanted:
                        raise ValueError("These groups do not form a hierarchy or two-way table.")
        return sign

    def can_change(
        self, key: Hashable, values: Mapping[Hashable, int], hidden: Collection[Hashable]
    ) -> bool:
        """Is there another non-negative completion in which ``key`` differs?"""
        if self.head[key] == self.tail[key]:
            return True  # in no group: nothing to subtract it from
        arcs: dict[int, list[int]] = {}
        for other in hidden:
            if other == key:
                continue
            # Raising a cell is always possible; lowering it only while it stays >= 0.
            arcs.setdefault(self.tail[other], []).append(self.head[other])
            if values[other] >= 1:
                arcs.setdefault(self.head[other], []).append(self.tail[other])
        # One more here and one less round a cycle back, or (if above zero) one less here.
        if _reaches(arcs, self.head[key], self.tail[key]):
            return True
        return values[key] >= 1 and _reaches(arcs, self.tail[key], self.head[key])


def _reaches(arcs: Mapping[int, list[int]], start: int, goal: int) -> bool:
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            return True
        for nxt in arcs.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


def protect(
    cells: Mapping[Hashable, Cell],
    groups: Sequence[Group],
    *,
    min_locations: int | None = None,
    also: Iterable[Hashable] = (),
) -> dict[Hashable, Reason]:
    """Which cells to suppress, and why. ``also``: cells to hide regardless (as secondary),
    e.g. the pattern of a linked measure."""
    threshold = _threshold(min_locations)
    keys = list(cells)  # the caller's order breaks ties, so results are repeatable
    values = {key: _whole(cells[key].value) for key in keys}
    for group in groups:
        if group.total in values and all(part in values for part in group.parts):
            parts_sum = sum(values[part] for part in group.parts)
            if values[group.total] != parts_sum:
                raise ValueError(
                    f"{group.total!r} is {values[group.total]} but its parts add up to {parts_sum}."
                )
    network = _Network(keys, groups)
    order = {key: position for position, key in enumerate(keys)}
    is_total = {group.total for group in groups}
    hidden: dict[Hashable, Reason] = {
        key: Reason.PRIMARY for key in keys if cells[key].locations < threshold
    }
    for key in also:
        if key not in values:
            raise ValueError(f"{key!r} is to be hidden but has no figure.")
        hidden.setdefault(key, Reason.SECONDARY)

    def cost(key: Hashable) -> tuple[bool, bool, int, int, int]:
        # A partner above zero can give a unit to a primary cell; a part hides less than a
        # total (which would need protecting in its parent's group too); a cell that also
        # pairs a lone hidden cell in its other group closes a loop at once; then the smallest.
        closes = sum(
            1
            for g in network.groups_of[key]
            if sum(1 for m in _members(groups[g]) if m in hidden) == 1
        )
        return (values[key] == 0, key in is_total, -closes, values[key], order[key])

    def partner_in(*pools: Iterable[Hashable]) -> Hashable | None:
        for pool in pools:
            candidates = [key for key in pool if key not in hidden]
            if candidates:
                return min(candidates, key=cost)
        return None

    def members_of_groups_of(cells_: Iterable[Hashable]) -> set[Hashable]:
        return {m for key in cells_ for g in network.groups_of[key] for m in _members(groups[g])}

    while True:
        lone = _first_lone_suppression(groups, hidden)
        if lone is not None:
            # The classic rule: the partner comes from the group that gives the cell away.
            partner = partner_in(_members(lone))
        else:
            exposed = next(
                (k for k in keys if k in hidden and not network.can_change(k, values, hidden)),
                None,
            )
            if exposed is None:
                return hidden
            # Beside the exposed cell if possible, else beside any hidden cell, else anywhere.
            partner = partner_in(
                members_of_groups_of([exposed]), members_of_groups_of(list(hidden)), keys
            )
        if partner is None:
            return hidden  # every cell is hidden, and nothing can be worked out from nothing
        hidden[partner] = Reason.SECONDARY


def _members(group: Group) -> tuple[Hashable, ...]:
    return (group.total, *group.parts)


def _first_lone_suppression(
    groups: Sequence[Group], hidden: Mapping[Hashable, Reason]
) -> Group | None:
    """A group with exactly one hidden cell gives it away by subtraction."""
    for group in groups:
        if sum(1 for key in _members(group) if key in hidden) == 1:
            return group
    return None


def _threshold(min_locations: int | None) -> int:
    if min_locations is not None:
        return min_locations
    from django.conf import settings  # read late: the rules themselves need no Django

    return int(settings.DISCLOSURE_MIN_LOCATIONS)


def publish(
    cells: Mapping[Hashable, Cell], hidden: Mapping[Hashable, Reason]
) -> dict[Hashable, Published]:
    out = {}
    for key, figure in cells.items():
        reason = hidden.get(key)
        if reason is None:
            out[key] = Published(value=figure.value, locations=figure.locations, suppressed=None)
        else:
            out[key] = Published(value=None, locations=None, suppressed=reason)
    return out


def suppress_table(
    cells: Mapping[Hashable, Cell],
    groups: Sequence[Group],
    *,
    min_locations: int | None = None,
) -> dict[Hashable, Published]:
    """Any hierarchy or two-way table: see ``hierarchy_groups`` and ``two_way_groups``."""
    return publish(cells, protect(cells, groups, min_locations=min_locations))


def suppress_hierarchy(
    figures: Mapping[str, Mapping[Hashable, Cell]],
    parents: Mapping[Hashable, Hashable | None],
    *,
    min_locations: int | None = None,
    linked: Iterable[Collection[str]] = (),
) -> dict[str, dict[Hashable, Published]]:
    """Every measure of an England > region > council release, each protected on its own.

    ``figures``: measure -> area -> Cell, with every area of ``parents`` present.
    ``parents``: area -> its parent area (None for England).
    ``linked``: sets of measures that sum to or subtract from one another (occupied + vacant
    = capacity; staff groups adding up to all staff): they are given the same suppressed
    areas, so that one cannot be worked out from the others.
    """
    groups = hierarchy_groups(parents)
    threshold = _threshold(min_locations)
    for measure, by_area in figures.items():
        missing = set(parents) - set(by_area)
        if missing:
            raise ValueError(f"{measure}: no figure for {sorted(map(str, missing))}.")
    link_of: dict[str, list[str]] = {}
    for link in linked:
        for measure in link:
            link_of[measure] = [m for m in link if m in figures]
    hidden = {
        measure: protect(by_area, groups, min_locations=threshold)
        for measure, by_area in figures.items()
    }
    # Linked measures share their suppressed areas; sharing can need new partners, so repeat.
    changed = True
    while changed:
        changed = False
        for measure, by_area in figures.items():
            union = {area for m in link_of.get(measure, [measure]) for area in hidden[m]}
            if not union <= set(hidden[measure]):
                hidden[measure] = protect(by_area, groups, min_locations=threshold, also=union)
                changed = True
    return {measure: publish(figures[measure], hidden[measure]) for measure in figures}
