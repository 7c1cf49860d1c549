"""A line plot with axes: time on x, values on y, several series.

Drawn with Braille dots (2×4 per cell) so a 60-column plot has 120 points
across; a value of ``None`` (not known then) breaks its line instead of
pretending.  The y axis starts at zero for counts and is labelled at the
top, middle and bottom; the x axis is labelled with times that fit the span
(``HH:MM`` within a day, ``MM-DD HH:MM`` beyond).  Series are coloured by
component classes ``plot--series-0`` … ``-5`` (the theme decides), named in
a legend line.  It draws what it is given; it never reads the database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from ..safe_text import clean, shorten

SERIES_CLASSES = tuple(f"plot--series-{n}" for n in range(6))
#: Dot bits of a Braille cell, by (column, row) inside the 2×4 cell.
DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[float, float | None]]


def nice_ceiling(value: float) -> float:
    """1, 2, 2.5, 5 × 10^n at or above ``value`` (a readable top of the axis)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return step * power
    return 10 * power


def number(value: float) -> str:
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 100 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.1f}"


def time_label(moment: float, span: float) -> str:
    stamp = datetime.fromtimestamp(moment)
    return stamp.strftime("%H:%M") if span <= 86_400 else stamp.strftime("%m-%d %H:%M")


class TimePlot(Widget):
    """Several series over time, on one pair of axes."""

    DEFAULT_CSS = """
    TimePlot { height: 12; background: $surface; }
    TimePlot > .plot--axis { color: $text-muted; }
    TimePlot > .plot--label { color: $text-muted; }
    TimePlot > .plot--title { text-style: bold; }
    TimePlot > .plot--empty { color: $text-muted; text-style: italic; }
    TimePlot > .plot--series-0 { color: $success; }
    TimePlot > .plot--series-1 { color: $error; }
    TimePlot > .plot--series-2 { color: $warning; }
    TimePlot > .plot--series-3 { color: $primary; }
    TimePlot > .plot--series-4 { color: $secondary; }
    TimePlot > .plot--series-5 { color: $accent; }
    """

    COMPONENT_CLASSES = {"plot--axis", "plot--label", "plot--title", "plot--empty", *SERIES_CLASSES}

    def __init__(self, title: str = "", *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.title = title
        self.series: list[Series] = []
        self.x_range: tuple[float, float] | None = None
        self._lines: list[list[tuple[str, str]]] = []
        self._drawn_for: tuple[int, int] | None = None

    def plot(self, series: Sequence[Series], *, x_range: tuple[float, float] | None = None,
             title: str | None = None) -> None:
        """Show ``series`` (at most six) over ``x_range`` (default: their extent)."""
        self.series = list(series)[: len(SERIES_CLASSES)]
        self.x_range = x_range
        if title is not None:
            self.title = title
        self._drawn_for = None
        self.refresh()

    # -- the picture ------------------------------------------------------------------
    def _extent(self) -> tuple[float, float, float, float] | None:
        xs = [x for s in self.series for x, y in s.points if y is not None]
        ys = [y for s in self.series for _x, y in s.points if y is not None]
        if not ys:
            return None
        x0, x1 = self.x_range or (min(xs), max(xs))
        if x1 <= x0:
            x1 = x0 + 1
        low = min(0.0, min(ys))
        high = nice_ceiling(max(ys)) if max(ys) > low else low + 1
        return x0, x1, low, high

    def _draw(self, width: int, height: int) -> list[list[tuple[str, str]]]:
        """Lines of (text, component class) runs for a ``width``×``height`` area."""
        legend: list[tuple[str, str]] = [(shorten(clean(self.title), 40) + "  ", "plot--title")] if self.title else []
        for n, series in enumerate(self.series):
            legend += [("━ ", SERIES_CLASSES[n]), (shorten(clean(series.name), 24) + "  ", "plot--label")]
        extent = self._extent()
        if extent is None or height < 4 or width < 12:
            return [legend, [("no data for this window", "plot--empty")]]
        x0, x1, low, high = extent
        labels = [number(high), number((high + low) / 2), number(low)]
        gutter = max(len(label) for label in labels) + 1
        cols, rows = width - gutter - 1, height - 3  # legend line, x axis, x labels
        cells = [[0] * cols for _ in range(rows)]
        owner = [[-1] * cols for _ in range(rows)]
        for n, series in enumerate(self.series):
            previous = None
            for x, y in sorted(series.points, key=lambda p: p[0]):
                if y is None or not x0 <= x <= x1:
                    previous = None
                    continue
                dot = (round((x - x0) / (x1 - x0) * (cols * 2 - 1)), round((high - y) / (high - low) * (rows * 4 - 1)))
                for px, py in _segment(previous or dot, dot):
                    cell_x, cell_y = px // 2, py // 4
                    if 0 <= cell_x < cols and 0 <= cell_y < rows:
                        cells[cell_y][cell_x] |= DOTS[px % 2][py % 4]
                        owner[cell_y][cell_x] = n
                previous = dot
        lines = [legend]
        for r in range(rows):
            label = labels[0] if r == 0 else labels[1] if r == rows // 2 else labels[2] if r == rows - 1 else ""
            runs: list[tuple[str, str]] = [(label.rjust(gutter - 1) + " ", "plot--label"), ("│", "plot--axis")]
            for c in range(cols):
                char = chr(0x2800 + cells[r][c]) if cells[r][c] else " "
                name = SERIES_CLASSES[owner[r][c]] if owner[r][c] >= 0 else "plot--axis"
                if runs[-1][1] == name:
                    runs[-1] = (runs[-1][0] + char, name)
                else:
                    runs.append((char, name))
            lines.append(runs)
        lines.append([(" " * gutter + "└" + "─" * cols, "plot--axis")])
        lines.append([(_x_labels(x0, x1, cols, gutter + 1), "plot--label")])
        return lines

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        if self._drawn_for != (width, height):
            self._lines = self._draw(width, height)
            self._drawn_for = (width, height)
        if y >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        segments = [Segment(text, self._style(name)) for text, name in self._lines[y]]
        return Strip(segments).crop_extend(0, width, self.rich_style)

    def _style(self, name: str) -> Style:
        return self.rich_style + self.get_component_rich_style(name, partial=True)

    def on_resize(self) -> None:
        self._drawn_for = None


def _segment(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """The dots of a straight line from ``a`` to ``b`` (Bresenham)."""
    (x, y), (x1, y1) = a, b
    dx, dy = abs(x1 - x), -abs(y1 - y)
    sx, sy = (1 if x < x1 else -1), (1 if y < y1 else -1)
    err = dx + dy
    dots = [(x, y)]
    while (x, y) != (x1, y1):
        twice = 2 * err
        if twice >= dy:
            err += dy
            x += sx
        if twice <= dx:
            err += dx
            y += sy
        dots.append((x, y))
    return dots


#: Candidate spacings of time labels (seconds): the first that fits is used.
TICKS = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)


def _x_labels(x0: float, x1: float, cols: int, indent: int) -> str:
    """Time labels under the axis at round times (every 10 min, 1 h, 1 day…),
    as many as fit without touching."""
    span = x1 - x0
    width = len(time_label(x0, span)) + 2
    fits = max(cols // width, 1)
    every = next((tick for tick in TICKS if span / tick <= fits), TICKS[-1])
    shift = datetime.fromtimestamp(x0).astimezone().utcoffset()
    local = shift.total_seconds() if shift is not None else 0.0  # ticks on round local times
    first = math.ceil((x0 + local) / every) * every - local
    line = [" "] * (indent + cols + width)
    free = 0
    moment = first
    while moment <= x1:
        at = round((moment - x0) / span * (cols - 1))
        label = time_label(moment, span)
        if at >= free and at + len(label) <= cols + 2:
            line[indent + at: indent + at + len(label)] = list(label)
            free = at + len(label) + 2
        moment += every
    return "".join(line).rstrip()
