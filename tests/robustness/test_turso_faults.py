"""Turso mode, seen from the dashboard: the sync server stopped and restarted.

While the primary is gone: the status line says the data is stale, the
rows stay on screen and reads go on, a claim is refused with a clear
message; after the restart: the status is live again, the claim works and
the replicas converge.  Throughout: the auth token is never on screen (status
line, notifications, every rendered cell), in an error, a repr or a log file.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from modes import TOKEN, Primary, open_replica
from jetpack_tui.config import Settings
from jetpack_tui.ui.actions import ActionFailed, ActionSucceeded
from jetpack_tui.ui.app import JetpackApp
from jetpack_tui.ui.panes.tasks.table import TaskTable

from .pilot import wait_for
from .test_bad_rows_dashboard import texts

pytestmark = pytest.mark.anyio
NOW = 1_768_730_400.0


def on_screen(app) -> str:
    notes = " ".join(str(n.message) for n in app._notifications)
    cells = " ".join(t.plain for t in texts(app.screen))
    return f"{app.dashboard.query_one('#status-line').render()} {notes} {cells}"


async def test_primary_stopped_and_restarted_under_the_dashboard(tmp_path, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)  # any .jetpack/*.log the app writes lands here
    primary = Primary(tmp_path / "primary")
    primary.start()
    other = None
    dl = open_replica(primary, tmp_path, sync_interval=0.2, timeout=1.0)
    seen: list = []
    try:
        dl.agents.register("agent-a")
        dl.tasks.create("survives the outage", id="T1")
        dl.tasks.create("claimed after the restart", id="T2")
        app = JetpackApp(dl, settings=Settings(operator="tester"), clock=lambda: NOW, start_pane="tasks",
                         screenshot_dir=tmp_path / "shots")
        async with app.run_test(size=(140, 40), message_hook=seen.append) as pilot:
            table = app.dashboard.query_one(TaskTable)
            await wait_for(pilot, lambda: {"T1", "T2"} <= set(table.tasks), "the board")
            assert TOKEN not in on_screen(app)

            primary.stop()
            await wait_for(pilot, lambda: app.refresher.problem is not None, "stale warning")
            await wait_for(pilot, lambda: "STALE" in str(app.dashboard.query_one("#status-line").render()),
                           "status line")
            assert {"T1", "T2"} <= set(table.tasks)  # the last data stays on screen
            assert dl.tasks.get("T1").title == "survives the outage"  # reads go on from the replica
            task = table.tasks["T2"]
            app.actions.write("claim", task, lambda: dl.tasks.claim_for("agent-a", "T2", by="tester",
                                                                         expected_version=task.version))
            await wait_for(pilot, lambda: any(isinstance(m, ActionFailed) for m in seen), "refused claim")
            refusal = next(m for m in seen if isinstance(m, ActionFailed)).error
            assert "unreachable" in refusal or "primary" in refusal, refusal
            assert TOKEN not in on_screen(app) and TOKEN not in refusal and TOKEN not in repr(dl)

            primary.start()
            await wait_for(pilot, lambda: app.refresher.problem is None, "live again")
            app.actions.write("claim", task, lambda: dl.tasks.claim_for("agent-a", "T2", by="tester",
                                                                         expected_version=task.version))
            await wait_for(pilot, lambda: any(isinstance(m, ActionSucceeded) for m in seen), "claim after restart")
            await wait_for(pilot, lambda: table.tasks["T2"].claimed_by == "agent-a", "row updated")
            assert TOKEN not in on_screen(app)
        other = open_replica(primary, tmp_path, name="second")  # a fresh replica converges on the same state
        assert other.tasks.get("T2").claimed_by == "agent-a" and other.tasks.count() == 2
    finally:
        dl.close()
        if other is not None:
            other.close()
        primary.stop()
    assert TOKEN not in caplog.text
    for log in Path(tmp_path).rglob("*.log"):
        assert TOKEN not in log.read_text(errors="replace"), log
