"""A dependency graph drawn in the terminal: boxes, edges, a selection.

It draws what it is given (tasks with a title and a state, and the edges
between them) with the layout of :mod:`.dag_layout`; it never reads the
database.  Boxes are coloured by state through component classes, so the
theme decides the colours; the selected box is highlighted, kept in view,
and announced with :class:`DagView.Selected`; ``enter`` posts
:class:`DagView.Activated` (the pane opens the task on the board).  Nodes are
:class:`~jetpack_tui.data.insight.neighbourhood.GraphNode` (``DagNode``
here).  Task ids and titles are database text: shown literally, control
characters made visible (:func:`~jetpack_tui.ui.safe_text.clean`).

Rendering uses the line API over a scrollable virtual canvas: each visible
line is a slice of precomputed runs, so a large graph scrolls without
redrawing the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jetpack_tui.data.insight.neighbourhood import GraphNode as DagNode

from ..safe_text import clean, shorten
from .dag_layout import BOX_HEIGHT, BOX_WIDTH, Layout, layout

#: A state -> its component class (anything else is ``dag--other``).
STATE_CLASSES = {
    "ready": "dag--ready", "blocked": "dag--blocked", "stuck": "dag--stuck", "pending": "dag--blocked",
    "claimed": "dag--claimed", "in_progress": "dag--in-progress", "completed": "dag--completed",
    "failed": "dag--failed", "cancelled": "dag--cancelled", "missing": "dag--missing",
}


Run = tuple[str, str, str | None]  # (text, component class, task id of the box it belongs to)


class DagView(ScrollView, can_focus=True):
    """A scrollable layered drawing of a dependency graph with a selection."""

    BINDINGS = [
        # Action names are the tables' (cursor_*, jump): one key, one verb in every pane.
        Binding("up,k", "cursor_up", "Up", show=False, id="dag.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="dag.down"),
        Binding("left,h", "cursor_left", "Dependencies", show=False, id="dag.left"),
        Binding("right,l", "cursor_right", "Dependents", show=False, id="dag.right"),
        Binding("enter", "jump", "Open", id="dag.open"),
    ]

    DEFAULT_CSS = """
    DagView { background: $surface; }
    DagView > .dag--edge { color: $text-muted; }
    DagView > .dag--ready { color: $success; }
    DagView > .dag--blocked { color: $warning; }
    DagView > .dag--stuck { color: $error; text-style: bold; }
    DagView > .dag--claimed { color: $accent; }
    DagView > .dag--in-progress { color: $primary; }
    DagView > .dag--completed { color: $text-muted; }
    DagView > .dag--failed { color: $error; }
    DagView > .dag--cancelled { color: $text-disabled; }
    DagView > .dag--missing { color: $error; text-style: italic; }
    DagView > .dag--other { color: $text; }
    DagView > .dag--critical { text-style: bold; }
    DagView > .dag--selected { text-style: bold reverse; }
    DagView > .dag--empty { color: $text-muted; text-style: italic; }
    """

    COMPONENT_CLASSES = {"dag--edge", "dag--critical", "dag--selected", "dag--empty", "dag--other",
                         *STATE_CLASSES.values()}

    class Selected(Message):
        """The selection moved to ``task_id``."""

        def __init__(self, view: "DagView", task_id: str) -> None:
            super().__init__()
            self.view = view
            self.task_id = task_id

    class EdgeReached(Message):
        """A move past the first (``step`` -1) or last (+1) layer: the host may
        move the focus to what is beside the drawing."""

        def __init__(self, view: "DagView", step: int) -> None:
            super().__init__()
            self.view = view
            self.step = step

    class Activated(Message):
        """``enter`` on ``task_id``: open it."""

        def __init__(self, view: "DagView", task_id: str) -> None:
            super().__init__()
            self.view = view
            self.task_id = task_id

    def __init__(self, *, empty: str = "no dependencies to draw", name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.empty = empty
        self.layout_: Layout = Layout()
        self.nodes: dict[str, DagNode] = {}
        self._rows: list[list[Run]] = []
        self._selected: str | None = None

    # -- data in ----------------------------------------------------------------
    def show(self, nodes: Mapping[str, Any] | Iterable[Any], edges: Iterable[tuple[str, str]],
             focus: str | None = None) -> None:
        """Draw ``nodes`` (objects with id, title, state, critical) and
        ``(dependency, dependent)`` edges; select ``focus`` (or keep the
        selection when it is still there)."""
        items = nodes.values() if isinstance(nodes, Mapping) else nodes
        self.nodes = {n.id: DagNode(n.id, n.title, n.state, bool(getattr(n, "critical", False))) for n in items}
        self.layout_ = layout(self.nodes, [(a, b) for a, b in edges if a in self.nodes and b in self.nodes])
        self._rows = self._draw()
        self.virtual_size = Size(self.layout_.width, max(self.layout_.height, 1))
        keep = focus if focus in self.nodes else self._selected if self._selected in self.nodes else None
        self._selected = None
        if keep is None and self.nodes:
            keep = next(iter(self.nodes))
        if keep is not None:
            self.select(keep, center=True)
        self.refresh()

    @property
    def selected(self) -> str | None:
        return self._selected

    def select(self, task_id: str, *, center: bool = False) -> None:
        """Select a box and scroll it into view (``center``: into the middle,
        so what it depends on and what waits on it show on both sides)."""
        if task_id not in self.nodes or task_id == self._selected:
            return
        self._selected = task_id
        placed = self.layout_.nodes[task_id]
        self.scroll_to_region(Region(placed.x, placed.y, BOX_WIDTH, BOX_HEIGHT), animate=False, force=True,
                              center=center)
        self.refresh()
        self.post_message(self.Selected(self, task_id))

    # -- drawing -------------------------------------------------------------------
    def _box(self, node: DagNode) -> list[str]:
        inner = BOX_WIDTH - 2
        label = shorten(clean(node.id), inner - 4)
        top = "╭─ " + label + " " + "─" * (inner - len(label) - 3) + "╮"
        title = shorten(clean(node.title) or "—", inner - 2)
        middle = "│ " + title.ljust(inner - 2) + " │"
        marks = [node.state.replace("_", " ")]
        if node.critical:
            marks.append("critical")
        if node.id in self.layout_.cyclic:
            marks.append("⟲ cycle")
        footer = shorten(" · ".join(marks), inner - 4)
        bottom = "╰─ " + footer + " " + "─" * (inner - len(footer) - 3) + "╯"
        return [top, middle, bottom]

    def _draw(self) -> list[list[Run]]:
        width, height = self.layout_.width, self.layout_.height
        chars = [[" "] * width for _ in range(height)]
        classes: list[list[tuple[str, str | None]]] = [[("", None)] * width for _ in range(height)]
        for (x, y) in self.layout_.lines:
            chars[y][x] = self.layout_.char(x, y) or " "
            classes[y][x] = ("dag--edge", None)
        for (x, y) in self.layout_.arrows:
            chars[y][x] = self.layout_.char(x, y) or " "
            classes[y][x] = ("dag--edge", None)
        for placed in self.layout_.boxes():
            node = self.nodes[placed.id]
            style = STATE_CLASSES.get(node.state, "dag--other")
            for dy, text in enumerate(self._box(node)):
                for dx, char in enumerate(text[:BOX_WIDTH]):
                    chars[placed.y + dy][placed.x + dx] = char
                    classes[placed.y + dy][placed.x + dx] = (style, node.id)
        rows: list[list[Run]] = []
        for y in range(height):
            runs: list[Run] = []
            for x in range(width):
                style, owner = classes[y][x]
                if runs and runs[-1][1] == style and runs[-1][2] == owner:
                    runs[-1] = (runs[-1][0] + chars[y][x], style, owner)
                else:
                    runs.append((chars[y][x], style, owner))
            rows.append(runs)
        return rows

    def _style(self, name: str, owner: str | None) -> Style:
        style = self.rich_style
        if name:
            style += self.get_component_rich_style(name, partial=True)
        if owner is not None and self.nodes[owner].critical:
            style += self.get_component_rich_style("dag--critical", partial=True)
        if owner is not None and owner == self._selected:
            style += self.get_component_rich_style("dag--selected", partial=True)
        return style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        if not self._rows:
            text = clean(self.empty) if y == 0 else ""
            return Strip([Segment(text, self._style("dag--empty", None))]).crop_extend(0, width, self.rich_style)
        if row >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        segments = [Segment(text, self._style(name, owner)) for text, name, owner in self._rows[row]]
        return Strip(segments).crop_extend(scroll_x, scroll_x + width, self.rich_style)

    # -- moving around ---------------------------------------------------------------
    def _real(self, layer: int) -> list[str]:
        return [n for n in self.layout_.layers[layer] if n in self.nodes]

    def action_cursor_up(self) -> None:
        self.move(0, -1)

    def action_cursor_down(self) -> None:
        self.move(0, 1)

    def action_cursor_left(self) -> None:
        self.move(-1, 0)

    def action_cursor_right(self) -> None:
        self.move(1, 0)

    def move(self, dx: int, dy: int) -> None:
        if self._selected is None:
            if dx:
                self.post_message(self.EdgeReached(self, dx))
            return
        here = self.layout_.nodes[self._selected]
        if dy:
            column = self._real(here.layer)
            at = column.index(self._selected) + dy
            if 0 <= at < len(column):
                self.select(column[at])
            return
        layer = here.layer + dx
        while 0 <= layer < len(self.layout_.layers):
            column = self._real(layer)
            if column:
                self.select(min(column, key=lambda n: (abs(self.layout_.nodes[n].y - here.y), n)))
                return
            layer += dx
        self.post_message(self.EdgeReached(self, dx))

    def action_jump(self) -> None:
        if self._selected is not None:
            self.post_message(self.Activated(self, self._selected))

    def on_click(self, event: Click) -> None:
        scroll_x, scroll_y = self.scroll_offset
        hit = self.layout_.at(event.x + scroll_x, event.y + scroll_y)
        if hit is not None:
            self.select(hit)
