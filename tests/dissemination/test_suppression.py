"""Small-number suppression: primary, secondary, and attacks that try to get a hidden cell back.

The attackers here are written independently of the module's own check: plain subtraction,
exact linear algebra over fractions, and a search for a second non-negative whole-number
completion of the table.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dissemination.suppression import (
    TOTAL,
    Cell,
    Group,
    Published,
    Reason,
    hierarchy_groups,
    protect,
    strongest,
    suppress_hierarchy,
    suppress_table,
    two_way_groups,
)

MIN = 5


# --- Tables ---------------------------------------------------------------------------------------


def hierarchy(councils: Mapping[str, Mapping[str, tuple[int, int]]]) -> tuple[dict, dict]:
    """{region: {council: (value, locations)}} -> cells with region and England totals, parents."""
    cells: dict[Hashable, Cell] = {}
    parents: dict[Hashable, Hashable | None] = {"E": None}
    for region, members in councils.items():
        parents[region] = "E"
        for council, (value, locations) in members.items():
            parents[council] = region
            cells[council] = Cell(value, locations)
        cells[region] = Cell(
            sum(v for v, _ in members.values()), sum(n for _, n in members.values())
        )
    cells["E"] = Cell(
        sum(cells[r].value for r in councils), sum(cells[r].locations for r in councils)
    )
    return cells, parents


def two_way(inner: Sequence[Sequence[tuple[int, int]]]) -> tuple[dict, list[Group]]:
    """Rows x columns of (value, locations), with margins added."""
    rows = [f"r{i}" for i in range(len(inner))]
    columns = [f"c{j}" for j in range(len(inner[0]))]
    cells: dict[Hashable, Cell] = {}
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            cells[(row, column)] = Cell(*inner[i][j])
    for row in rows:
        parts = [cells[(row, c)] for c in columns]
        cells[(row, TOTAL)] = Cell(sum(p.value for p in parts), sum(p.locations for p in parts))
    for column in [*columns, TOTAL]:
        parts = [cells[(r, column)] for r in rows]
        cells[(TOTAL, column)] = Cell(sum(p.value for p in parts), sum(p.locations for p in parts))
    return cells, two_way_groups(rows, columns)


# --- Attackers ------------------------------------------------------------------------------------


def equations(groups: Sequence[Group]) -> list[dict[Hashable, int]]:
    """Each group as coefficients that sum to zero: total - parts = 0."""
    return [{group.total: 1, **{part: -1 for part in group.parts}} for group in groups]


def recovered_by_subtraction(
    cells: Mapping[Hashable, Cell], groups: Sequence[Group], hidden: set[Hashable]
) -> set[Hashable]:
    """Total minus visible siblings (or parts summed), again and again with what it learns."""
    known = {key: cell.value for key, cell in cells.items() if key not in hidden}
    learned: set[Hashable] = set()
    progress = True
    while progress:
        progress = False
        for equation in equations(groups):
            unknown = [key for key in equation if key not in known]
            if len(unknown) == 1:
                (key,) = unknown
                rest = sum(coef * known[k] for k, coef in equation.items() if k != key)
                known[key] = -rest * equation[key]  # coefficients are +1 or -1
                learned.add(key)
                progress = True
    return learned


def _rank(rows: list[list[Fraction]]) -> int:
    matrix = [row[:] for row in rows]
    rank = 0
    columns = len(matrix[0]) if matrix else 0
    for column in range(columns):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[rank][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def determined_by_linear_algebra(groups: Sequence[Group], hidden: set[Hashable]) -> set[Hashable]:
    """A hidden cell is fixed by the published figures iff its unit vector lies in the row space
    of the equations restricted to the hidden cells."""
    order = sorted(hidden, key=repr)
    rows = [
        [Fraction(eq.get(key, 0)) for key in order]
        for eq in equations(groups)
        if any(key in hidden for key in eq)
    ]
    base = _rank(rows) if rows else 0
    fixed = set()
    for index, key in enumerate(order):
        unit = [Fraction(int(i == index)) for i in range(len(order))]
        if _rank([*rows, unit]) == base:
            fixed.add(key)
    return fixed


def another_completion(
    cells: Mapping[Hashable, Cell], groups: Sequence[Group], hidden: set[Hashable], target: Hashable
) -> dict[Hashable, int] | None:
    """A second non-negative whole-number table, same published cells, ``target`` different.

    Searches changes of -1, 0 or +1 to each hidden cell (a loop of suppressed cells is enough),
    pruning any equation that can no longer balance.
    """
    value = {key: cell.value for key, cell in cells.items()}
    eqs = [
        {k: c for k, c in eq.items() if k in hidden}
        for eq in equations(groups)
        if any(k in hidden for k in eq)
    ]
    order = [target, *sorted(hidden - {target}, key=repr)]
    change: dict[Hashable, int] = {}

    def choices(key: Hashable) -> list[int]:
        options = [1, -1] if key == target else [0, 1, -1]
        return [d for d in options if value[key] + d >= 0]

    def can_balance() -> bool:
        for eq in eqs:
            low = high = 0
            for key, coef in eq.items():
                if key in change:
                    low += coef * change[key]
                    high += coef * change[key]
                else:
                    span = [coef * d for d in choices(key)]
                    low += min(span)
                    high += max(span)
            if not low <= 0 <= high:
                return False
        return True

    def search(position: int) -> bool:
        if position == len(order):
            return True
        key = order[position]
        for d in choices(key):
            change[key] = d
            if can_balance() and search(position + 1):
                return True
            del change[key]
        return False

    if not search(0):
        return None
    completion = {key: value[key] + change.get(key, 0) for key in cells}
    for eq in equations(groups):
        assert sum(coef * completion[key] for key, coef in eq.items()) == 0
    return completion


def assert_safe(
    cells: Mapping[Hashable, Cell], groups: Sequence[Group], hidden: Mapping[Hashable, Reason]
) -> None:
    hidden_keys = set(hidden)
    for key, cell in cells.items():
        if cell.locations < MIN:
            assert hidden.get(key) is Reason.PRIMARY, key
    for group in groups:
        members = [group.total, *group.parts]
        assert sum(key in hidden_keys for key in members) != 1, group
    assert recovered_by_subtraction(cells, groups, hidden_keys) == set()
    assert determined_by_linear_algebra(groups, hidden_keys) == set()
    for key in hidden_keys:
        other = another_completion(cells, groups, hidden_keys, key)
        assert other is not None, f"{key!r} is the only value that fits"
        assert other[key] != cells[key].value
        assert all(value >= 0 for value in other.values())
        assert all(other[k] == cells[k].value for k in cells if k not in hidden_keys)


# --- Examples -------------------------------------------------------------------------------------


def test_a_figure_from_fewer_than_five_locations_is_hidden_and_five_is_enough():
    cells, parents = hierarchy(
        {"R1": {"a": (9, 4), "b": (12, 5), "c": (30, 11)}, "R2": {"d": (8, 6), "e": (7, 7)}}
    )
    hidden = protect(cells, hierarchy_groups(parents), min_locations=MIN)
    assert hidden["a"] is Reason.PRIMARY
    assert Reason.PRIMARY not in {hidden.get(k) for k in ("b", "c", "d", "e", "R1", "R2", "E")}


def test_the_threshold_comes_from_the_setting(settings):
    settings.DISCLOSURE_MIN_LOCATIONS = 3
    cells, parents = hierarchy({"R1": {"a": (9, 4), "b": (2, 2), "c": (5, 6)}})
    hidden = protect(cells, hierarchy_groups(parents))
    assert hidden["b"] is Reason.PRIMARY
    assert "a" not in hidden or hidden["a"] is Reason.SECONDARY


def test_a_lone_hidden_council_takes_its_smallest_sibling_with_it():
    cells, parents = hierarchy(
        {"R1": {"a": (3, 2), "b": (10, 6), "c": (20, 8)}, "R2": {"d": (5, 7), "e": (6, 9)}}
    )
    groups = hierarchy_groups(parents)
    hidden = protect(cells, groups, min_locations=MIN)
    assert hidden == {"a": Reason.PRIMARY, "b": Reason.SECONDARY}
    assert_safe(cells, groups, hidden)


def test_a_hidden_region_is_protected_against_england_and_its_councils_against_it():
    # R2 has 4 locations: hidden itself, with both its councils; England then needs a second
    # region hidden, the smaller of R1 and R3.
    cells, parents = hierarchy(
        {
            "R1": {"a": (40, 9), "b": (50, 9)},
            "R2": {"c": (3, 2), "d": (4, 2)},
            "R3": {"e": (20, 6), "f": (25, 7)},
        }
    )
    groups = hierarchy_groups(parents)
    hidden = protect(cells, groups, min_locations=MIN)
    assert {k for k, r in hidden.items() if r is Reason.PRIMARY} == {"R2", "c", "d"}
    assert hidden["R3"] is Reason.SECONDARY
    assert "E" not in hidden and "R1" not in hidden
    assert_safe(cells, groups, hidden)


def test_a_hidden_zero_is_paired_with_a_figure_that_can_give_way():
    # 0 + 0 hidden with a published total of 0 would show both are 0; pair with one above 0.
    cells, parents = hierarchy({"R1": {"a": (0, 2), "b": (0, 9), "c": (5, 9), "d": (7, 9)}})
    groups = hierarchy_groups(parents)
    hidden = protect(cells, groups, min_locations=MIN)
    assert hidden == {"a": Reason.PRIMARY, "c": Reason.SECONDARY}
    assert_safe(cells, groups, hidden)


def test_the_exact_check_catches_a_cell_bridging_two_hidden_loops():
    # Every row and column has two or more hidden cells, so the classic rule is satisfied, yet
    # (r1, c2) links two separate loops: summing row r0, r1 minus columns c0, c1 gives it away.
    few = (4, 1)
    many = (9, 9)
    inner = [
        [few, few, many, many],
        [few, few, few, many],
        [many, many, few, few],
        [many, many, few, few],
    ]
    cells, groups = two_way(inner)
    primaries = {k for k, c in cells.items() if c.locations < MIN}
    assert all(sum(k in primaries for k in [g.total, *g.parts]) != 1 for g in groups), (
        "classic rule already satisfied"
    )
    assert determined_by_linear_algebra(groups, primaries) == {("r1", "c2")}

    hidden = protect(cells, groups, min_locations=MIN)
    assert set(hidden) > primaries
    assert_safe(cells, groups, hidden)


def test_a_two_way_table_closes_each_loop_with_few_cells():
    inner = [
        [(2, 1), (5, 6), (7, 8)],
        [(3, 6), (4, 7), (9, 9)],
        [(1, 6), (8, 7), (6, 9)],
    ]
    cells, groups = two_way(inner)
    hidden = protect(cells, groups, min_locations=MIN)
    assert hidden == {
        ("r0", "c0"): Reason.PRIMARY,
        ("r0", "c1"): Reason.SECONDARY,
        ("r2", "c0"): Reason.SECONDARY,
        ("r2", "c1"): Reason.SECONDARY,
    }
    assert_safe(cells, groups, hidden)


def test_published_cells_carry_figures_and_hidden_ones_only_the_reason():
    cells, parents = hierarchy({"R1": {"a": (3, 2), "b": (10, 6), "c": (20, 8)}})
    out = suppress_table(cells, hierarchy_groups(parents), min_locations=MIN)
    assert out["a"] == Published(value=None, locations=None, suppressed=Reason.PRIMARY)
    assert out["b"] == Published(value=None, locations=None, suppressed=Reason.SECONDARY)
    assert out["c"] == Published(value=20, locations=8, suppressed=None)
    assert not out["E"].is_suppressed and out["E"].value == 33
    # A rate built from a hidden figure is hidden too.
    assert strongest(out["a"], out["c"]) is Reason.PRIMARY
    assert strongest(out["b"], out["c"]) is Reason.SECONDARY
    assert strongest(out["c"], out["E"]) is None


def test_linked_measures_hide_the_same_areas():
    # Occupied + vacant = capacity: the vacant beds of "a" must not be capacity minus occupied.
    occupied, parents = hierarchy(
        {"R1": {"a": (9, 3), "b": (30, 6), "c": (20, 8)}, "R2": {"d": (25, 7), "e": (26, 9)}}
    )
    vacant, _ = hierarchy(
        {"R1": {"a": (1, 6), "b": (2, 6), "c": (4, 8)}, "R2": {"d": (1, 7), "e": (3, 9)}}
    )
    capacity, _ = hierarchy(
        {"R1": {"a": (10, 6), "b": (32, 6), "c": (24, 8)}, "R2": {"d": (26, 7), "e": (29, 9)}}
    )
    figures = {"occupied": occupied, "vacant": vacant, "capacity": capacity}
    out = suppress_hierarchy(
        figures, parents, min_locations=MIN, linked=[{"occupied", "vacant", "capacity"}]
    )
    hidden = {m: {a for a, p in by_area.items() if p.is_suppressed} for m, by_area in out.items()}
    assert hidden["occupied"] == hidden["vacant"] == hidden["capacity"] == {"a", "c"}
    assert out["occupied"]["a"].suppressed is Reason.PRIMARY
    assert out["vacant"]["a"].suppressed is Reason.SECONDARY
    groups = hierarchy_groups(parents)
    for measure, by_area in figures.items():
        assert_safe(by_area, groups, {a: out[measure][a].suppressed for a in hidden[measure]})

    unlinked = suppress_hierarchy(figures, parents, min_locations=MIN)
    assert not any(p.is_suppressed for p in unlinked["vacant"].values())


def test_figures_that_do_not_add_up_are_refused():
    cells, parents = hierarchy({"R1": {"a": (3, 2), "b": (10, 6)}})
    cells["R1"] = Cell(14, 8)
    with pytest.raises(ValueError, match="add up"):
        protect(cells, hierarchy_groups(parents), min_locations=MIN)


def test_a_measure_missing_an_area_is_refused():
    cells, parents = hierarchy({"R1": {"a": (3, 2), "b": (10, 6)}})
    del cells["b"]
    with pytest.raises(ValueError, match="no figure"):
        suppress_hierarchy({"beds": cells}, parents, min_locations=MIN)


def test_a_cell_in_three_groups_is_refused():
    cells = {k: Cell(1, 9) for k in ("t1", "t2", "t3", "x", "y", "z")}
    cells.update(t1=Cell(2, 9), t2=Cell(2, 9), t3=Cell(2, 9))
    groups = [Group("t1", ("x", "y")), Group("t2", ("x", "z")), Group("t3", ("x", "y"))]
    with pytest.raises(ValueError):
        protect(cells, groups, min_locations=MIN)


def test_a_national_release_is_quick_enough_to_run_per_request():
    # 9 regions of 17 councils, about a third of them small: one measure must not take long.
    import time

    councils = {
        f"R{r}": {f"L{r}-{c}": ((r * 7 + c * 3) % 40, (r + c) % 12) for c in range(17)}
        for r in range(9)
    }
    cells, parents = hierarchy(councils)
    started = time.perf_counter()
    hidden = protect(cells, hierarchy_groups(parents), min_locations=MIN)
    assert time.perf_counter() - started < 2
    assert hidden and "E" not in hidden


# --- Generated tables -----------------------------------------------------------------------------

counts = st.tuples(st.integers(0, 15), st.integers(0, 10))


@st.composite
def hierarchies(draw: st.DrawFn) -> tuple[dict, dict]:
    regions = draw(st.integers(1, 3))
    layout = {
        f"R{r}": {f"L{r}{c}": draw(counts) for c in range(draw(st.integers(1, 3)))}
        for r in range(regions)
    }
    return hierarchy(layout)


@st.composite
def two_way_tables(draw: st.DrawFn) -> tuple[dict, list[Group]]:
    rows = draw(st.integers(1, 3))
    columns = draw(st.integers(1, 4))
    return two_way([[draw(counts) for _ in range(columns)] for _ in range(rows)])


@settings(max_examples=150, deadline=None)
@given(hierarchies())
def test_no_hidden_cell_of_a_hierarchy_can_be_worked_out(table):
    cells, parents = table
    groups = hierarchy_groups(parents)
    assert_safe(cells, groups, protect(cells, groups, min_locations=MIN))


@settings(max_examples=150, deadline=None)
@given(two_way_tables())
def test_no_hidden_cell_of_a_two_way_table_can_be_worked_out(table):
    cells, groups = table
    assert_safe(cells, groups, protect(cells, groups, min_locations=MIN))
