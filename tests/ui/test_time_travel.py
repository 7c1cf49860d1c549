"""Time travel on a constructed history: the board, the agents and the graph at
past moments show exactly what was constructed; the past refuses every write;
``esc`` returns to live; what the log cannot know is said on screen."""

from __future__ import annotations

import pytest

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.ui.modals.diff_view import DiffScreen
from jetpack_tui.ui.widgets.time_bar import TimeBar

from .history_fixtures import LATEST, NOW, T0, agent_rows, board_rows, board_states, history, open_app  # noqa: F401
from .conftest import assert_write_keys_refused
from .panes_fixtures import wait_for

pytestmark = pytest.mark.anyio
SIZE = (160, 48)


def pane(app, pane_id: str):
    return app.dashboard.query_one(f"#pane-{pane_id}")


async def quiet(pilot, pane_id: str) -> None:
    """The pane has its data for the current view and no read is running."""
    app = pilot.app
    p = pane(app, pane_id)

    def done() -> bool:
        extra = getattr(p, "recompute", None)
        return p.loaded and not p.stale and not app.refresher.busy and not (extra is not None and extra.busy)

    await wait_for(pilot, done, timeout=30, what=f"{pane_id} settled")
    await pilot.pause()


async def travel_to(pilot, moment: float) -> None:
    """Type ``moment`` (epoch seconds) into the time bar, as an operator would type a time."""
    app = pilot.app
    if not app.time.past or not app.dashboard.time_bar.has_focus:
        await pilot.press("t")
        await wait_for(pilot, lambda: app.time.past and app.dashboard.time_bar.has_focus, what="the time bar")
    await pilot.press("slash", *str(int(moment)), "enter")
    await wait_for(pilot, lambda: app.time.moment == int(moment), what=f"moment {moment}")
    await wait_for(pilot, lambda: app.time.summary is not None and app.time.summary.moment == app.time.moment,
                   what="the summary of the moment")


async def test_board_and_agents_at_past_moments_are_what_was_constructed(history):  # noqa: F811
    scenario, path = history
    app = open_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot, "tasks")
        pane(app, "tasks").apply_filter(quick="all")
        await quiet(pilot, "tasks")
        live = board_rows(app)
        await pilot.press("t")  # opens at the latest audit event
        await wait_for(pilot, lambda: app.time.moment == LATEST, what="the latest event")
        await quiet(pilot, "tasks")
        assert board_rows(app) == live == {k: v for k, v in scenario.expected_at(LATEST - T0).items()}
        for offset in (30, 200, 650):
            await travel_to(pilot, T0 + offset)
            await quiet(pilot, "tasks")
            assert board_rows(app) == scenario.expected_at(offset), offset
        assert board_states(app) == {"a": "completed", "b": "ready", "c": "blocked", "d": "ready", "e": "failed"}
        assert "◀ PAST" in str(app.dashboard.query_one("#status-line").render())
        await pilot.press("3")
        await quiet(pilot, "agents")
        assert agent_rows(app) == {"ada": ("alive", ()), "bob": ("dead", ())}  # bob's last beat: 320
        await travel_to(pilot, T0 + 200)
        await quiet(pilot, "agents")
        assert agent_rows(app) == {"ada": ("alive", ("a",)), "bob": ("alive", ("e",))}
        await pilot.press("2")  # the board was hidden: it reads the new moment when shown
        await quiet(pilot, "tasks")
        assert board_rows(app) == scenario.expected_at(200)


async def test_graph_in_the_past_and_enter_opens_the_task_on_the_board(history):  # noqa: F811
    _scenario, path = history
    app = open_app(path, start_pane="graph")
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot, "graph")
        graph = pane(app, "graph")
        now = graph.result.analysis
        assert now.state_of("b") == "in_progress" and now.state_of("d") == "stuck"
        assert [step.id for step in now.critical_path] == ["b", "c"]
        await travel_to(pilot, T0 + 200)
        await quiet(pilot, "graph")
        then = graph.result.analysis
        assert graph.result.ask.moment == T0 + 200
        assert {n: then.state_of(n) for n in "abcde"} == {"a": "in_progress", "b": "blocked", "c": "blocked",
                                                        "d": "stuck", "e": "in_progress"}
        assert [step.id for step in then.critical_path] == ["a", "b", "c"]
        assert (then.bottlenecks[0].id, then.bottlenecks[0].unblocks) == ("a", 2)
        assert then.stuck.stuck_ids == ["d"]
        graph.jump_to("b")
        await quiet(pilot, "graph")
        await wait_for(pilot, lambda: graph.result.focus == "b", what="drawn around b")
        drawn = {node.id: node.state for node in graph.dag.nodes.values()}
        assert drawn == {"a": "in_progress", "b": "blocked", "c": "blocked"}
        assert set(graph.result.subgraph.edges) == {("a", "b"), ("b", "c")}
        text = "\n".join(graph.summary_list.get_option_at_index(i).prompt.plain
                         for i in range(graph.summary_list.option_count))
        assert "Critical path" in text and "need skills no registered agent has" in text
        assert "Validate [bold]rows[/bold]" in text  # database text literally
        graph.dag.focus()
        graph.dag.select("c")
        await pilot.press("enter")
        board = pane(app, "tasks")
        await wait_for(pilot, lambda: app.dashboard.active_pane_id == "tasks" and board.table.selected_id == "c",
                       what="c on the board")
        assert board.table.tasks["c"].state == "blocked"  # still the past


async def test_the_past_refuses_every_write_and_esc_returns_live(history):  # noqa: F811
    _scenario, path = history
    app = open_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot, "tasks")
        versions = {t.id: t.version for t in app.dl.tasks.list(limit=None)}
        await travel_to(pilot, T0 + 200)
        await pilot.press("down")  # browse the board at that moment
        board = pane(app, "tasks")
        await wait_for(pilot, lambda: board.table.has_focus, what="the board focused")
        await quiet(pilot, "tasks")
        board.table.select("e")
        await assert_write_keys_refused(pilot, app, "viewing the past")
        app.actions.write("release", None, lambda: app.dl.tasks.release("b", by="tester"), target="b")
        await wait_for(pilot, lambda: "release: refused" in list(app._notifications)[-1].message, what="runner")
        await pilot.press("3")
        await quiet(pilot, "agents")
        before = len(app._notifications)
        await pilot.press("D")
        await wait_for(pilot, lambda: len(app._notifications) > before, what="deregister refused")
        assert "viewing the past" in list(app._notifications)[-1].message
        await pilot.press("t", "escape")
        await wait_for(pilot, lambda: not app.time.past, what="live again")
        bar = app.dashboard.query_one(TimeBar)
        assert not bar.display
        await quiet(pilot, "agents")
        assert agent_rows(app) == {"ada": ("alive", ("b",)), "bob": ("dead", ())}
        assert "LIVE" in str(app.dashboard.query_one("#status-line").render())
        bindings = {b.binding.id: b for b in app.screen.active_bindings.values()}
        assert bindings["agents.deregister"].enabled
    dl = create_local_data_layer(path)
    try:
        assert {t.id: t.version for t in dl.tasks.list(limit=None)} == versions  # nothing was written
    finally:
        dl.close()


async def test_missing_history_is_said_and_the_diff_lists_the_changes(history):  # noqa: F811
    _scenario, path = history
    app = open_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot, "tasks")
        await travel_to(pilot, T0 - 120)
        await quiet(pilot, "tasks")
        notes = str(app.dashboard.query_one("#time-notes").render())
        assert "before the audit log begins" in notes
        assert board_rows(app) == {}  # created later: left out, not invented
        await travel_to(pilot, T0 + 30)
        await pilot.press("space")  # mark
        await travel_to(pilot, T0 + 650)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen) and app.screen.result is not None,
                       what="the diff")
        diff = app.screen.result
        moved = {m.task_id: (m.before, m.after) for m in diff.moved}
        assert moved == {"a": (("pending", None), ("completed", "ada")), "e": (("pending", None), ("failed", "bob"))}
        assert diff.by_kind == {"claims": 2, "starts": 2, "completions": 1, "failures": 1}
        body = str(app.screen.query_one(".view-body").render())
        assert "Tasks that moved (2)" in body and "pending → completed (ada)" in body
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DiffScreen), what="closed")
        assert app.time.moment == T0 + 650


async def test_the_time_bar_steps_by_event_minute_and_hour(history):  # noqa: F811
    _scenario, path = history
    app = open_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot, "tasks")
        await pilot.press("t")
        await wait_for(pilot, lambda: app.time.moment == LATEST, what="the latest event")
        await pilot.press("left")
        await wait_for(pilot, lambda: app.time.moment == T0 + 700, what="one event back")
        await pilot.press("left", "left")
        await wait_for(pilot, lambda: app.time.moment == T0 + 300, what="three events back")
        await pilot.press("right")
        await wait_for(pilot, lambda: app.time.moment == T0 + 600, what="one event forward")
        await pilot.press("left_square_bracket")
        assert app.time.moment == T0 + 540
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert app.time.moment == T0 + 660
        await pilot.press("pagedown")  # an hour on is after now: back to live
        await wait_for(pilot, lambda: not app.time.past, what="live")
        await pilot.press("t")
        await wait_for(pilot, lambda: app.time.moment == LATEST, what="the latest event again")
        await pilot.press("pageup")
        assert app.time.moment == LATEST - 3600
        await pilot.press("slash", *"-2h", "enter")
        await wait_for(pilot, lambda: app.time.moment == NOW - 7200, what="typed -2h")
        await pilot.press("slash", *"tomorrow", "enter")
        await wait_for(pilot, lambda: "not a time" in list(app._notifications)[-1].message, what="a bad time said")
        assert app.time.moment == NOW - 7200
