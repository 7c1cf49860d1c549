"""The dependency-graph widget on its own: layout, drawing, selection, keys,
literal text, and an SVG snapshot, in a tiny host app."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from jetpack_tui.ui.widgets.dag_layout import BOX_HEIGHT, BOX_WIDTH, layout
from jetpack_tui.ui.widgets.dag_view import DagNode, DagView

pytestmark = pytest.mark.anyio

NODES = [
    DagNode("a", "Parse the CSV", "completed"),
    DagNode("b", "Validate rows", "ready", critical=True),
    DagNode("c", "Needs COBOL", "stuck"),
    DagNode("d", "Import \x1b[31mall\x1b[0m [bold]rows[/]", "blocked", critical=True),
    DagNode("e", "Report", "blocked"),
]
EDGES = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e"), ("a", "e")]


class Host(App):
    def __init__(self, nodes=NODES, edges=EDGES, focus: str | None = "d") -> None:
        super().__init__()
        self.spec = (nodes, edges, focus)
        self.selected: list[str] = []
        self.opened: list[str] = []

    def compose(self) -> ComposeResult:
        yield DagView(id="dag")

    def on_mount(self) -> None:
        view = self.query_one(DagView)
        view.show(*self.spec)
        view.focus()

    def on_dag_view_selected(self, message: DagView.Selected) -> None:
        self.selected.append(message.task_id)

    def on_dag_view_activated(self, message: DagView.Activated) -> None:
        self.opened.append(message.task_id)


def screen_text(view: DagView) -> str:
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


async def at_the_top(pilot) -> DagView:
    """The view scrolled back to its top-left corner (the focus scrolled it)."""
    await pilot.pause()
    view = pilot.app.query_one(DagView)
    view.scroll_to(0, 0, animate=False)
    await pilot.pause()
    return view


# -- layout ---------------------------------------------------------------------------

def test_layers_follow_dependencies_and_long_edges_get_waypoints():
    placed = layout("abcde", EDGES)
    assert [[n for n in layer if not n.startswith("\x00")] for layer in placed.layers] == [
        ["a"], ["b", "c"], ["d"], ["e"]]
    assert sum(n.startswith("\x00") for layer in placed.layers for n in layer) == 2  # a -> e crosses two layers
    boxes = placed.boxes()
    for one in boxes:  # no two boxes overlap
        for other in boxes:
            if one is not other:
                assert (one.x + BOX_WIDTH <= other.x or other.x + BOX_WIDTH <= one.x
                        or one.y + BOX_HEIGHT <= other.y or other.y + BOX_HEIGHT <= one.y)
    for _dep, child in EDGES:  # every edge arrives at its target's left side with an arrow
        assert (placed.nodes[child].x - 1, placed.nodes[child].middle) in placed.arrows
    assert placed.at(placed.nodes["d"].x + 3, placed.nodes["d"].y + 1) == "d"
    assert placed.at(0, placed.height + 5) is None


def test_a_cycle_is_broken_and_its_tasks_flagged():
    placed = layout(["p", "q", "r"], [("p", "q"), ("q", "p"), ("q", "r")])
    assert set(placed.nodes) >= {"p", "q", "r"} and placed.cyclic
    assert len({placed.nodes[n].layer for n in "pqr"}) >= 2


# -- the widget ---------------------------------------------------------------------------

async def test_boxes_edges_and_db_text_are_drawn_literally():
    app = Host()
    async with app.run_test(size=(140, 24)) as pilot:
        view = await at_the_top(pilot)
        text = screen_text(view)
        assert "Parse the CSV" in text and "Needs COBOL" in text
        assert "Import ␛[31mall␛[0m [" in text  # escapes made visible, markup not obeyed (cut to the box)
        assert "╭─ a " in text and "stuck" in text and "critical" in text
        assert "▶" in text and "─" in text and "│" in text


async def test_states_are_coloured_by_component_classes():
    app = Host()
    async with app.run_test(size=(140, 24)) as pilot:
        view = await at_the_top(pilot)
        stuck = view.get_component_rich_style("dag--stuck")
        ready = view.get_component_rich_style("dag--ready")
        assert stuck.color != ready.color
        c = view.layout_.nodes["c"]
        segments = list(view.render_line(c.y + 1))
        box = [s for s in segments if "Needs COBOL" in s.text]
        assert box and box[0].style.color == stuck.color


async def test_keys_move_the_selection_and_enter_opens():
    app = Host(focus="d")
    async with app.run_test(size=(140, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(DagView)
        assert view.selected == "d" and app.selected == ["d"]
        await pilot.press("left")
        assert view.selected in ("b", "c")
        first = view.selected
        await pilot.press("down" if first == "b" else "up")
        assert {first, view.selected} == {"b", "c"}
        await pilot.press("left")
        assert view.selected == "a"
        await pilot.press("left")  # nothing further left
        assert view.selected == "a"
        await pilot.press("right", "right", "right")
        assert view.selected == "e"
        await pilot.press("enter")
        assert app.opened == ["e"]
        assert app.selected[-1] == "e"


async def test_the_selection_is_kept_in_view_on_a_large_graph():
    nodes = [DagNode(f"t{n:02d}", f"task {n}", "blocked") for n in range(40)]
    edges = [(f"t{n:02d}", f"t{n + 1:02d}") for n in range(39)]
    app = Host(nodes, edges, focus="t00")
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        view = app.query_one(DagView)
        for _ in range(12):
            await pilot.press("right")
        await pilot.pause()
        placed = view.layout_.nodes[view.selected]
        assert view.selected == "t12"
        assert view.scroll_offset.x <= placed.x < view.scroll_offset.x + view.size.width
        assert f"task 12" in screen_text(view)


async def test_a_click_selects_and_an_empty_graph_says_so():
    app = Host()
    async with app.run_test(size=(140, 24)) as pilot:
        view = await at_the_top(pilot)
        a = view.layout_.nodes["a"]
        await pilot.click(DagView, offset=(a.x + 3, a.y + 1))
        assert view.selected == "a"
        view.show([], [])
        await pilot.pause()
        assert view.selected == "a" or view.selected is None
        assert "no dependencies to draw" in screen_text(view)


def test_snapshot_graph(snap_compare):
    assert snap_compare(Host(focus="b"), terminal_size=(120, 16))
