"""The dashboard shows an MCP agent like any other: its claim is on the task board
within a second (a hundred 10 ms refresh turns), driven by the file watcher."""

from __future__ import annotations

import pytest
from mcp_harness import mcp_agents

from jetpack_tui.config import Settings
from jetpack_tui.ui.app import JetpackApp
from jetpack_tui.ui.panes.tasks.table import TaskTable

pytestmark = pytest.mark.anyio

#: Pilot pauses of 10 ms: the claim must show within about a second.
TURNS = 100


async def shown_within(pilot, condition, turns: int) -> int:
    """How many 10 ms turns ``condition`` took; fails when it never held."""
    for turn in range(turns):
        if condition():
            return turn
        await pilot.pause(0.01)
    raise AssertionError(f"not shown within {turns} turns")


async def test_the_board_shows_an_mcp_agents_claim_within_a_second(db, tmp_path, library):
    library.tasks.create("shown live", id="live-1", priority="high")
    app = JetpackApp(library, settings=Settings(operator="op"), watch=True, start_pane="tasks")
    async with app.run_test(size=(130, 34)) as pilot:
        table = app.dashboard.query_one("#pane-tasks").query_one(TaskTable)
        await shown_within(pilot, lambda: "live-1" in table.tasks, 400)
        assert table.tasks["live-1"].claimed_by is None
        async with mcp_agents(db, "mcp-ada", logs=tmp_path / "logs") as (ada,):
            assert (await ada.call("claim_task"))["task"]["id"] == "live-1"
            await shown_within(pilot, lambda: table.tasks["live-1"].claimed_by == "mcp-ada"
                               and table.tasks["live-1"].status == "claimed", TURNS)
            await ada.call("start_task")
            await shown_within(pilot, lambda: table.tasks["live-1"].status == "in_progress", TURNS)
        with pytest.raises(AssertionError, match="not shown"):  # the waiter can fail
            await shown_within(pilot, lambda: table.tasks["live-1"].status == "completed", 3)
