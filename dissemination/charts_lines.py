"""Line charts as server-rendered SVG: the geometry here, the markup in
``templates/includes/line_chart.svg.html``. No JavaScript, no database, no Django.

Meant to be shared by every page that charts a rate over collection months (the provider
benchmark, the analyst dashboard). Build a chart with ``line_chart(...)`` and include the
template with ``chart=``; always put a table of the same figures beneath it, because a chart
is an image to assistive technology (the SVG has ``role="img"``, a ``<title>`` and a
``<desc>`` that points at the table).

Values are proportions (0.75 = 75%); None leaves a gap in the line, never a zero. Lines are
told apart by colour, dash pattern and marker shape together, so that colour is never the only
difference (WCAG 1.4.1), and every colour has at least 3:1 contrast on white (WCAG 1.4.11).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 56, 36, 16, 40  # room for the y labels, the last x label, x labels
MARKER = 4.5  # marker half-size, in user units
MAX_X_LABELS = 6  # about 100 units each at 640 wide: "Sep 2026" fits with room to spare


@dataclass(frozen=True)
class Style:
    colour: str
    dash: str  # SVG stroke-dasharray; "" for a solid line
    marker: str  # circle, square, triangle or diamond
    width: float


# GOV.UK colours, each at least 4.5:1 on white: black, blue, green, purple.
STYLES = (
    Style("#0b0c0c", "", "circle", 3),
    Style("#1d70b8", "8 4", "square", 2),
    Style("#00703c", "2 3", "triangle", 2),
    Style("#912b88", "12 4 2 4", "diamond", 2),
)

# (top of the axis, gap between gridlines), smallest first: the first that holds every value.
SCALES = (
    (0.05, 0.01),
    (0.1, 0.02),
    (0.2, 0.05),
    (0.25, 0.05),
    (0.4, 0.1),
    (0.5, 0.1),
    (0.6, 0.1),
    (0.8, 0.2),
    (1.0, 0.2),
)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]  # one per x label
    # Index into STYLES; default: the series' position. Fix it when a line can be left out,
    # so that the same thing keeps the same look on every chart.
    style: int | None = None


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    anchor: str = "middle"  # SVG text-anchor


@dataclass(frozen=True)
class Line:
    label: str
    style: Style
    segments: tuple[str, ...]  # SVG polyline points, one string per unbroken run
    markers: tuple[str, ...]  # SVG path data, one per value
    sample_marker: str  # the marker for the legend's 40 x 16 sample


@dataclass(frozen=True)
class LineChart:
    chart_id: str  # unique on the page: the title and description ids derive from it
    title: str
    description: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    lines: tuple[Line, ...]

    @property
    def title_id(self) -> str:
        return f"{self.chart_id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.chart_id}-desc"


def marker_path(shape: str, x: float, y: float, size: float = MARKER) -> str:
    """SVG path data for a marker centred on (x, y)."""
    s = size
    if shape == "circle":
        return f"M{x - s:.1f},{y:.1f}a{s},{s} 0 1,0 {2 * s},0a{s},{s} 0 1,0 {-2 * s},0z"
    if shape == "square":
        return f"M{x - s:.1f},{y - s:.1f}h{2 * s}v{2 * s}h{-2 * s}z"
    if shape == "triangle":
        return f"M{x:.1f},{y - s * 1.2:.1f}l{s * 1.2:.1f},{s * 2.1:.1f}h{-s * 2.4:.1f}z"
    if shape == "diamond":
        return f"M{x:.1f},{y - s * 1.3:.1f}l{s * 1.3:.1f},{s * 1.3:.1f}l{-s * 1.3:.1f},{s * 1.3:.1f}l{-s * 1.3:.1f},{-s * 1.3:.1f}z"
    raise ValueError(f"Unknown marker {shape!r}.")


def scale_for(values: Sequence[float | None]) -> tuple[float, float]:
    """The axis top and gridline gap: zero-based, just above the largest value."""
    highest = max((v for v in values if v is not None), default=0.0)
    for top, step in SCALES:
        if highest <= top:
            return top, step
    step = 0.25  # above 100%: not a rate of a part of a whole, but still drawn honestly
    return math.ceil(highest / step) * step, step


def percent_label(value: float, step: float) -> str:
    digits = 0 if round(step * 100, 6) >= 1 else 1
    return f"{value * 100:.{digits}f}%"


def _x_positions(count: int, left: float, right: float) -> list[float]:
    if count == 1:
        return [(left + right) / 2]
    gap = (right - left) / (count - 1)
    return [left + i * gap for i in range(count)]


def _x_ticks(labels: Sequence[str], xs: Sequence[float]) -> tuple[Tick, ...]:
    """At most MAX_X_LABELS labels, evenly spaced, counted back from the newest (the one
    people look for), so the last point is always labelled."""
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    chosen = sorted(range(len(labels) - 1, -1, -every))
    ticks = []
    for i in chosen:
        anchor = "middle"
        if len(labels) > 1 and i == len(labels) - 1:
            anchor = "end"  # keep the newest label inside the picture
        ticks.append(Tick(xs[i], labels[i], anchor))
    return tuple(ticks)


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
) -> LineChart:
    """Lay out a line chart of proportions. At most ``len(STYLES)`` series."""
    if len(series) > len(STYLES):
        raise ValueError(f"At most {len(STYLES)} lines can be told apart; got {len(series)}.")
    for one in series:
        if len(one.values) != len(x_labels):
            raise ValueError(f"{one.label}: {len(one.values)} values for {len(x_labels)} labels.")
    left, right, top, bottom = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM
    y_top, step = scale_for([v for one in series for v in one.values])

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * (value / y_top)

    steps = round(y_top / step)
    y_ticks = tuple(
        Tick(y_of(i * step), percent_label(i * step, step), "end") for i in range(steps + 1)
    )
    xs = _x_positions(len(x_labels), left, right)
    lines = []
    for position, one in enumerate(series):
        style = STYLES[position if one.style is None else one.style]
        segments: list[list[str]] = []
        markers = []
        previous = None
        for x, value in zip(xs, one.values, strict=True):
            if value is None:
                previous = None
                continue
            y = y_of(value)
            if previous is None:
                segments.append([])
            segments[-1].append(f"{x:.1f},{y:.1f}")
            markers.append(marker_path(style.marker, x, y))
            previous = value
        lines.append(
            Line(
                label=one.label,
                style=style,
                # A run of one point is drawn by its marker alone.
                segments=tuple(" ".join(run) for run in segments if len(run) > 1),
                markers=tuple(markers),
                sample_marker=marker_path(style.marker, 20, 8),
            )
        )
    return LineChart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=WIDTH,
        height=HEIGHT,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        y_ticks=y_ticks,
        x_ticks=_x_ticks(x_labels, xs),
        lines=tuple(lines),
    )
