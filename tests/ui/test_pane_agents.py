"""Agents pane: liveness from the app's clock and intervals, holdings, keyed
live updates, and the operator's levers with stale-view protection."""

from __future__ import annotations

import pytest

from jetpack_tui.ui.actions import ActionConflicted, ActionSucceeded
from jetpack_tui.ui.panes.agents.columns import AgentTable
from jetpack_tui.ui.panes.kit.compose import ComposeScreen
from jetpack_tui.ui.widgets.confirm import ConfirmScreen
from jetpack_tui.ui.widgets.conflict import ConflictScreen

from .panes_fixtures import OPERATOR, SIZE, settle, swarm, wait_for  # noqa: F401

pytestmark = pytest.mark.anyio


def cells(table: AgentTable, agent_id: str) -> list[str]:
    return [c.plain for c in table.get_row(agent_id)]


async def open_agents(pilot, select: str | None = None) -> AgentTable:
    await settle(pilot, "agents")
    table = pilot.app.dashboard.query_one(AgentTable)
    if select:
        assert table.select(select)
        await pilot.pause()
    return table


async def test_rows_show_liveness_heartbeat_and_holdings(swarm):
    async with swarm.app("agents").run_test(size=SIZE) as pilot:
        table = await open_agents(pilot)
        assert list(table.items) == ["ada", "bob", "cyd", "dee"]
        assert cells(table, "ada")[:5] == ["ada", "alive", "5s", "working", "python, sql"]
        assert cells(table, "bob")[1:3] == ["stale", "1m"]
        assert cells(table, "cyd")[1:3] == ["dead", "16m"]
        assert cells(table, "cyd")[6:] == ["1 task-parse", "1 src/parser/**", "1 deploy-lock"]
        summary = pilot.app.dashboard.query_one("#agents-summary").render()
        assert "4 agents: 1 alive, 1 stale, 2 dead" in str(summary)


async def test_liveness_moves_with_the_clock_and_config(swarm):
    async with swarm.app("agents", stale_after=3.0, dead_after=10.0).run_test(size=SIZE) as pilot:
        table = await open_agents(pilot)
        assert cells(table, "ada")[1] == "stale"  # 5 s old with stale_after=3
        swarm.clock.advance(10)
        pilot.app.dashboard.active_pane.tick(swarm.clock())
        assert cells(table, "ada")[1:3] == ["dead", "15s"]


async def test_filters_by_liveness_and_text_without_stealing_keys(swarm):
    async with swarm.app("agents").run_test(size=SIZE) as pilot:
        table = await open_agents(pilot)
        await pilot.press("f", "f", "f")  # all -> alive -> stale -> dead
        assert list(table.items) == ["cyd", "dee"]
        await pilot.press("f")  # -> stopped (none here)
        assert list(table.items) == []
        await pilot.press("f")
        assert len(table.items) == 4
        await pilot.press("slash", "p", "y", "f")  # typed into the box, not the liveness filter
        assert pilot.app.dashboard.active_pane.view.liveness == "all"
        assert list(table.items) == []
        await pilot.press("backspace")
        assert sorted(table.items) == ["ada", "cyd"]


async def test_heartbeat_from_elsewhere_updates_the_row_in_place(swarm):
    async with swarm.app("agents").run_test(size=SIZE) as pilot:
        table = await open_agents(pilot, select="cyd")
        swarm.dl.agents.heartbeat("dee", status="back")
        await wait_for(pilot, lambda: cells(table, "dee")[1] == "alive", what="dee alive")
        assert cells(table, "dee")[3] == "back"
        assert table.selected_id == "cyd" and table.row_count == 4


async def test_release_all_of_a_dead_agent(swarm):
    seen: list = []
    async with swarm.app("agents").run_test(size=SIZE, message_hook=seen.append) as pilot:
        table = await open_agents(pilot, select="cyd")
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: any(isinstance(m, ActionSucceeded) for m in seen), what="released")
        await wait_for(pilot, lambda: cells(table, "cyd")[6:] == ["—", "—", "—"], what="row emptied")
    task = swarm.dl.tasks.get("task-parse")
    assert task.status == "pending" and task.last_actor == OPERATOR and task.last_action == "release_all"
    assert swarm.dl.reservations.list(agent_id="cyd") == []
    assert swarm.dl.leases.get("deploy-lock") is None
    told = [d.message.type for d in swarm.dl.messages.receive("cyd")]
    assert "operator.release_all" in told


async def test_release_all_refused_when_the_agent_heartbeats_before_confirming(swarm):
    seen: list = []
    async with swarm.app("agents").run_test(size=SIZE, message_hook=seen.append) as pilot:
        await open_agents(pilot, select="cyd")
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what="confirm")
        swarm.clock.advance(1)
        swarm.dl.agents.heartbeat("cyd")  # it came back while the operator read the dialog
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConflictScreen), what="conflict shown")
        conflict = next(m for m in seen if isinstance(m, ActionConflicted))
        assert "heartbeated since you saw it" in conflict.reason
        assert any(name == "last_heartbeat" for name, _, _ in pilot.app.screen.changes)
    assert swarm.dl.tasks.get("task-parse").claimed_by == "cyd"
    assert len(swarm.dl.reservations.list(agent_id="cyd")) == 1


async def test_release_all_refuses_a_live_agent_without_asking(swarm):
    async with swarm.app("agents").run_test(size=SIZE) as pilot:
        await open_agents(pilot, select="bob")
        await pilot.press("R")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ConfirmScreen)
    assert swarm.dl.tasks.get("task-lease").claimed_by == "bob"


async def test_deregister_asks_first_with_focus_on_no(swarm):
    async with swarm.app("agents").run_test(size=SIZE) as pilot:
        table = await open_agents(pilot, select="dee")
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what="confirm")
        await pilot.press("enter")  # the focused button is No
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, ConfirmScreen), what="closed")
        assert swarm.dl.agents.find("dee") is not None
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what="confirm again")
        await pilot.press("y")
        await wait_for(pilot, lambda: "dee" not in table.items, what="row removed")
    assert swarm.dl.agents.find("dee") is None


async def test_message_an_agent(swarm):
    async with swarm.app("agents").run_test(size=SIZE) as pilot:
        await open_agents(pilot, select="ada")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ComposeScreen), what="compose")
        await pilot.press(*"take [b]care[/b]", "ctrl+s")
        await wait_for(pilot, lambda: any(d.message.from_agent == OPERATOR and d.message.type == "operator.message"
                                          and d.message.payload == {"text": "take [b]care[/b]"}
                                          for d in swarm.dl.messages.receive("ada")), what="message stored")


async def test_read_only_hides_and_refuses_the_levers(swarm):
    async with swarm.app("agents", read_only=True).run_test(size=SIZE) as pilot:
        await open_agents(pilot, select="cyd")
        pane = pilot.app.dashboard.active_pane
        enabled = {b.binding.action for b in pilot.app.screen.active_bindings.values() if b.enabled}
        assert not {"release_all", "deregister", "message"} & enabled
        assert "cycle_liveness" in enabled
        await pilot.press("R", "D", "m")
        await pilot.pause()
        assert pilot.app.screen is pilot.app.dashboard
        pane.action_release_all()  # even called directly, it refuses
        await pilot.pause()
        assert pilot.app.screen is pilot.app.dashboard
    assert swarm.dl.tasks.get("task-parse").claimed_by == "cyd"


def test_snapshot_agents(swarm, snap_compare):
    async def ready(pilot):
        await settle(pilot, "agents")
        await pilot.press("j", "j")
        await pilot.press("ctrl+r")
        await settle(pilot, "agents")

    assert snap_compare(swarm.app("agents"), terminal_size=SIZE, run_before=ready)


async def test_palette_jump_before_the_pane_loaded(swarm):
    async with swarm.app("overview").run_test(size=SIZE) as pilot:
        await settle(pilot, "overview")
        dashboard = pilot.app.dashboard
        dashboard.action_show_pane("agents")
        assert dashboard.active_pane.jump_to("dee")  # rows not there yet: remembered
        table = dashboard.query_one(AgentTable)
        await wait_for(pilot, lambda: table.selected_id == "dee", what="dee selected after the load")
        await pilot.press("f")  # alive only: dee hidden
        assert "dee" not in table.items
        assert dashboard.active_pane.jump_to("dee") and table.selected_id == "dee"  # the filter gave way
