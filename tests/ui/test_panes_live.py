"""All panes stay live and correct while another OS process writes hard.

A writer process creates tasks, heartbeats, mail, reservations and memories
without pause; meanwhile the test switches through every pane three times
(moving through rows), then tells the writer to stop.  Afterwards each pane must show the writer's last
row within a bounded wait, and nothing may have failed on the way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.embedders import HashEmbedder
from jetpack_tui.ui.app import JetpackApp
from jetpack_tui.ui.panes.agents.columns import AgentTable
from jetpack_tui.ui.panes.mail.threads import ThreadTable
from jetpack_tui.ui.panes.memory.results import ResultTable
from jetpack_tui.ui.panes.overview.pane import FigureView
from jetpack_tui.ui.panes.reservations.columns import ReservationTable

from .panes_fixtures import SIZE, wait_for

pytestmark = pytest.mark.anyio

WRITER = Path(__file__).with_name("panes_live_writer.py")
ROUNDS = 3
PANE_KEYS = ["1", "2", "3", "4", "5", "6"]


def first_key(table) -> str | None:
    return table.coordinate_to_cell_key((0, 0)).row_key.value if table.row_count else None


async def test_every_pane_stays_current_under_a_writing_process(tmp_path):
    path = str(tmp_path / "live.db")
    dl = create_local_data_layer(path, embedder=HashEmbedder())
    app = JetpackApp(dl, settings=Settings(operator="op", poll_interval=0.2), watch=True, start_pane="overview")
    failures: list[str] = []

    def record(message) -> None:
        if type(message).__name__ == "RunDone" and message.result.error:
            failures.append(message.result.error)

    try:
        async with app.run_test(size=SIZE, message_hook=record) as pilot:
            stop = tmp_path / "stop"
            writer = subprocess.Popen([sys.executable, str(WRITER), path, str(stop)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            await wait_for(pilot, lambda: dl.tasks.count() > 0 or writer.poll() is not None, timeout=30,
                           what="writer started")
            # Keys go in as the terminal would send them: Pilot.press waits for the
            # process to be CPU-idle after each key, which never happens while
            # the writer and the refresh worker are busy.
            turns = 0
            while writer.poll() is None and turns < ROUNDS * len(PANE_KEYS):
                for key in (PANE_KEYS[turns % len(PANE_KEYS)], "j", "j", "k"):
                    app.simulate_key(key)
                await pilot.pause(0.05)
                turns += 1
            stop.touch()
            await wait_for(pilot, lambda: writer.poll() is not None, timeout=60, what="writer finished")
            out, err = writer.communicate(timeout=10)
            assert writer.returncode == 0, err
            last = json.loads(out)
            assert turns == ROUNDS * len(PANE_KEYS)  # the writer was still writing after the last turn

            dashboard = app.dashboard
            await pilot.press("3")
            assert dashboard.active_pane_id == "agents"
            assert dashboard.query_one("#pane-memory").view.query == ""  # keys never landed in the query box
            agents = dashboard.query_one(AgentTable)
            await wait_for(pilot, lambda: len(agents.items) == 5 and all(
                r.liveness == "alive" for r in agents.items.values()), what="agents current")

            await pilot.press("4")
            threads = dashboard.query_one(ThreadTable)
            await wait_for(pilot, lambda: first_key(threads) == last["thread"], what="last thread on top")

            await pilot.press("5")
            reservations = dashboard.query_one(ReservationTable)
            await wait_for(pilot, lambda: last["reservation"] in reservations.items, what="last reservation")

            await pilot.press("6")
            memories = dashboard.query_one(ResultTable)
            await wait_for(pilot, lambda: first_key(memories) == last["memory"], what="newest memory on top")

            await pilot.press("1")
            counts = dl.tasks.counts_by_status()

            def overview_current() -> bool:
                figures = {v.figure.key: v.figure.value for v in dashboard.query(FigureView)}
                return (figures.get("tasks.completed") == f"{counts.get('completed', 0):,}"
                        and figures.get("mail.unacked") == f"{dl.messages.unacked_count():,}")

            await wait_for(pilot, overview_current, what="overview counts current")
            await wait_for(pilot, lambda: not app.refresher.busy, what="idle")
            assert app.refresher.problem is None
        assert failures == []
    finally:
        dl.close()
