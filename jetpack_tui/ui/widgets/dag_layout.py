"""Where each box and each edge of a dependency graph goes on a character grid.

A small layered layout (the Sugiyama recipe, cut down to what a terminal
needs), pure Python, no Textual, so it is tested on its own:

1. **Layers**, left to right: a task sits one layer right of the furthest of
   its dependencies (longest path).  A cycle is broken where it is found;
   the edges that then point backwards are not drawn, and their target is
   flagged (``cyclic``) so the box can say so.
2. **Waypoints**: an edge that skips layers gets a waypoint in each layer it
   crosses, so every drawn segment joins neighbouring layers.
3. **Order** within a layer: a few barycenter sweeps (each node moves
   towards the mean position of its neighbours), which removes most
   crossings of small graphs.
4. **Grid**: boxes are ``BOX_HEIGHT`` rows tall, in columns ``BOX_WIDTH``
   wide separated by ``GAP`` columns where edges run.  Each edge leaves its
   source box on the right, runs in a lane of the gap (one lane per source,
   so a fan-out is one tree), and enters the target from the left with an
   arrow.  Lines are kept as direction bits per cell and turned into
   box-drawing characters at the end, so crossings and joins read right.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

BOX_WIDTH = 26
BOX_HEIGHT = 3
GAP = 8
ROW_STEP = BOX_HEIGHT + 1
SWEEPS = 4

UP, RIGHT, DOWN, LEFT = 1, 2, 4, 8
LINES = {
    0: " ", UP: "│", DOWN: "│", UP | DOWN: "│", LEFT: "─", RIGHT: "─", LEFT | RIGHT: "─",
    DOWN | RIGHT: "╭", DOWN | LEFT: "╮", UP | RIGHT: "╰", UP | LEFT: "╯",
    UP | DOWN | RIGHT: "├", UP | DOWN | LEFT: "┤", LEFT | RIGHT | DOWN: "┬", LEFT | RIGHT | UP: "┴",
    UP | DOWN | LEFT | RIGHT: "┼",
}
ARROW = "▶"


@dataclass(frozen=True)
class Placed:
    """A box (or, with ``waypoint``, a point an edge passes) on the grid."""

    id: str
    layer: int
    row: int  # slot within the layer
    x: int
    y: int
    waypoint: bool = False

    @property
    def middle(self) -> int:
        return self.y + BOX_HEIGHT // 2


@dataclass
class Layout:
    nodes: dict[str, Placed] = field(default_factory=dict)
    #: Layers, left to right, each the ids top to bottom (waypoints included).
    layers: list[list[str]] = field(default_factory=list)
    #: Direction bits of every edge cell, by (x, y).
    lines: dict[tuple[int, int], int] = field(default_factory=dict)
    arrows: set[tuple[int, int]] = field(default_factory=set)
    #: Tasks with a dependency edge that had to be dropped to break a cycle.
    cyclic: set[str] = field(default_factory=set)
    width: int = 0
    height: int = 0

    def boxes(self) -> list[Placed]:
        return [p for p in self.nodes.values() if not p.waypoint]

    def at(self, x: int, y: int) -> str | None:
        """The task whose box covers the cell, if any."""
        for placed in self.boxes():
            if placed.x <= x < placed.x + BOX_WIDTH and placed.y <= y < placed.y + BOX_HEIGHT:
                return placed.id
        return None

    def char(self, x: int, y: int) -> str | None:
        """The edge character of a cell (``None``: no edge there)."""
        if (x, y) in self.arrows:
            return ARROW
        bits = self.lines.get((x, y))
        return None if bits is None else LINES[bits]


def _layers(ids: Sequence[str], deps: dict[str, list[str]]) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """Longest-path layers; the edges dropped to break cycles."""
    waiting = {n: len(deps[n]) for n in ids}
    dependents: dict[str, list[str]] = {n: [] for n in ids}
    for n in ids:
        for d in deps[n]:
            dependents[d].append(n)
    layer: dict[str, int] = {}
    dropped: set[tuple[str, str]] = set()
    ready = [n for n in ids if waiting[n] == 0]
    while len(layer) < len(ids):
        if not ready:  # a cycle: place the first stuck task anyway, dropping its unplaced dependencies
            forced = next(n for n in ids if n not in layer)
            dropped.update((d, forced) for d in deps[forced] if d not in layer)
            ready = [forced]
            waiting[forced] = 0
        node = ready.pop(0)
        layer[node] = 1 + max((layer[d] for d in deps[node] if d in layer and (d, node) not in dropped), default=-1)
        for child in dependents[node]:
            if child not in layer:
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.append(child)
    return layer, dropped


def _order(layers: list[list[str]], up: dict[str, list[str]], down: dict[str, list[str]]) -> None:
    """Barycenter sweeps, in place: down the layers by predecessors, then up by successors."""
    for sweep in range(SWEEPS):
        indices = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        neighbours = up if sweep % 2 == 0 else down
        for i in indices:
            reference = layers[i - 1] if sweep % 2 == 0 else layers[i + 1]
            position = {n: p for p, n in enumerate(reference)}
            current = {n: p for p, n in enumerate(layers[i])}

            def weight(node: str) -> float:
                linked = [position[n] for n in neighbours.get(node, ()) if n in position]
                return sum(linked) / len(linked) if linked else current[node]

            layers[i].sort(key=lambda n: (weight(n), current[n]))


def layout(ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> Layout:
    """Place tasks ``ids`` and ``(dependency, dependent)`` edges between them."""
    order = list(dict.fromkeys(ids))
    deps: dict[str, list[str]] = {n: [] for n in order}
    for dep, child in edges:
        if dep in deps and child in deps and dep not in deps[child]:
            deps[child].append(dep)
    layer, dropped = _layers(order, deps)
    result = Layout(cyclic={child for _dep, child in dropped})
    layers: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for n in order:
        layers[layer[n]].append(n)
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    segments: list[tuple[str, str]] = []
    for child in order:
        for dep in deps[child]:
            if (dep, child) in dropped or layer[dep] >= layer[child]:
                result.cyclic.add(child)
                continue
            previous = dep
            for hop in range(layer[dep] + 1, layer[child]):
                waypoint = f"\x00{dep}\x00{child}\x00{hop}"
                layers[hop].append(waypoint)
                segments.append((previous, waypoint))
                previous = waypoint
            segments.append((previous, child))
    for a, b in segments:
        down.setdefault(a, []).append(b)
        up.setdefault(b, []).append(a)
    _order(layers, up, down)
    result.layers = layers
    for i, members in enumerate(layers):
        for slot, node in enumerate(members):
            result.nodes[node] = Placed(node, i, slot, i * (BOX_WIDTH + GAP), slot * ROW_STEP, node.startswith("\x00"))
    _route(result, segments)
    result.width = max((p.x + BOX_WIDTH for p in result.nodes.values()), default=0)
    result.height = max((p.y + BOX_HEIGHT for p in result.nodes.values()), default=0)
    return result


def _mark(layout_: Layout, x: int, y: int, bits: int) -> None:
    layout_.lines[(x, y)] = layout_.lines.get((x, y), 0) | bits


def _horizontal(layout_: Layout, y: int, start: int, end: int) -> None:
    for x in range(min(start, end), max(start, end) + 1):
        bits = (LEFT if x > min(start, end) else 0) | (RIGHT if x < max(start, end) else 0)
        _mark(layout_, x, y, bits)


def _route(result: Layout, segments: list[tuple[str, str]]) -> None:
    """Draw every segment: out of the source's right side, along its lane
    in the gap, into the target's left side (a waypoint is passed straight
    through, as a line across its slot)."""
    lanes: dict[int, list[str]] = {}
    for source, _target in segments:
        lane_list = lanes.setdefault(result.nodes[source].layer, [])
        if source not in lane_list:
            lane_list.append(source)
    for source, target in segments:
        a, b = result.nodes[source], result.nodes[target]
        sources = lanes[a.layer]
        room = GAP - 2  # gap columns between the box's edge and the arrow
        lane = a.x + BOX_WIDTH + 1 + int((sources.index(source) % room + 0.5) * room / min(len(sources), room))
        start = a.x + BOX_WIDTH if not a.waypoint else a.x
        end = b.x - 1
        _horizontal(result, a.middle, start, lane)
        if a.middle != b.middle:
            _mark(result, lane, a.middle, DOWN if b.middle > a.middle else UP)
            for y in range(min(a.middle, b.middle) + 1, max(a.middle, b.middle)):
                _mark(result, lane, y, UP | DOWN)
            _mark(result, lane, b.middle, UP if b.middle > a.middle else DOWN)
        _horizontal(result, b.middle, lane, end)
        if b.waypoint:
            _horizontal(result, b.middle, b.x - 1, b.x + BOX_WIDTH)
        else:
            result.arrows.add((end, b.middle))
