"""The dashboard classifies agents by the database's liveness rule (unless the
operator's config names one) and shows a stopped agent as ``stopped``, not
as alive or dead: in the Agents pane, its filter and summary, and the
status line."""

from __future__ import annotations

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.data import Liveness
from jetpack_tui.data.settings import LIVENESS
from jetpack_tui.ui.app import JetpackApp
from jetpack_tui.ui.panes.agents.columns import AgentTable
from jetpack_tui.ui.widgets.status_line import render_status

from .panes_fixtures import OPERATOR, SIZE, settle, swarm  # noqa: F401

pytestmark = pytest.mark.anyio


def _app(swarm, settings: Settings):
    return JetpackApp(swarm.dl, settings=settings, clock=swarm.clock, watch=False, start_pane="agents")


def _liveness(table: AgentTable) -> dict[str, str]:
    return {key: table.get_row(key)[1].plain for key in table.items}


async def test_the_database_rule_and_stopped_agents(swarm):
    swarm.dl.settings.set(LIVENESS, Liveness(stale_after=3, dead_after=10))
    swarm.dl.agents.stop("dee")
    async with _app(swarm, Settings(operator=OPERATOR, poll_interval=0.1)).run_test(size=SIZE) as pilot:
        await settle(pilot, "agents")
        table = pilot.app.dashboard.query_one(AgentTable)
        # ada's heartbeat is 5 s old: stale under the database's stale_after=3 (alive under the default 30)
        assert _liveness(table) == {"ada": "stale", "bob": "dead", "cyd": "dead", "dee": "stopped"}
        summary = str(pilot.app.dashboard.query_one("#agents-summary").render())
        assert "4 agents: 0 alive, 1 stale, 2 dead, 1 stopped" in summary
        state = pilot.app.status_state()
        assert state.agents == {"alive": 0, "stale": 1, "dead": 2, "stopped": 1}
        assert "agents 0 alive 1 stale 2 dead 1 stopped" in render_status(state).plain
        await pilot.press("f", "f", "f", "f")  # all -> alive -> stale -> dead -> stopped
        assert list(table.items) == ["dee"]


async def test_an_explicit_config_rule_wins_over_the_database(swarm):
    swarm.dl.settings.set(LIVENESS, Liveness(stale_after=3, dead_after=10))
    settings = Settings(operator=OPERATOR, poll_interval=0.1, stale_after=30.0, dead_after=120.0)
    async with _app(swarm, settings).run_test(size=SIZE) as pilot:
        await settle(pilot, "agents")
        table = pilot.app.dashboard.query_one(AgentTable)
        assert _liveness(table) == {"ada": "alive", "bob": "stale", "cyd": "dead", "dee": "dead"}
