"""Faults seen from the dashboard: an operator action while another process
holds the lock (a visible "still trying" note, then a clear failure, nothing
half done), and the database file deleted under the running dashboard (the
status line warns, the last data stays on screen, actions are refused)."""

from __future__ import annotations

import os

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.ui.actions import ActionFailed, ActionWaiting
from jetpack_tui.ui.app import JetpackApp
from jetpack_tui.ui.panes.tasks.table import TaskTable

from .conftest import Locker
from .pilot import wait_for

pytestmark = pytest.mark.anyio
NOW = 1_768_730_400.0


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def make(dl, tmp_path, watch: bool = False) -> JetpackApp:
    return JetpackApp(dl, settings=Settings(operator="tester", poll_interval=0.1), clock=lambda: NOW, watch=watch,
                      start_pane="tasks", screenshot_dir=tmp_path / "shots")


async def test_an_action_under_a_lock_says_it_waits_then_fails_clearly(db_path, tmp_path):
    with create_local_data_layer(db_path) as setup:
        setup.tasks.create("to cancel", id="T1")
    dl = create_local_data_layer(db_path, busy_deadline=2.5)
    seen: list = []
    try:
        app = make(dl, tmp_path)
        async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
            table = app.dashboard.query_one(TaskTable)
            await wait_for(pilot, lambda: "T1" in table.tasks, "the board")
            task = table.tasks["T1"]
            with Locker(db_path):
                app.actions.write("cancel", task, lambda: dl.tasks.cancel("T1", by="tester",
                                                                        expected_version=task.version))
                await wait_for(pilot, lambda: any(isinstance(m, ActionWaiting) for m in seen), "waiting note")
                assert any("locked by another process: still trying" in n for n in notes(app))
                await wait_for(pilot, lambda: any(isinstance(m, ActionFailed) for m in seen), "failure")
            failure = next(m for m in seen if isinstance(m, ActionFailed))
            assert "stayed locked by another process" in failure.error
            assert any("cancel T1 failed" in n for n in notes(app))
            assert dl.tasks.get("T1").status == "pending"  # nothing half done
    finally:
        dl.close()


async def test_the_file_deleted_under_the_dashboard_is_reported_and_writes_refused(db_path, tmp_path):
    with create_local_data_layer(db_path) as setup:
        setup.tasks.create("still on screen", id="T1")
    dl = create_local_data_layer(db_path)
    seen: list = []
    try:
        app = make(dl, tmp_path, watch=True)
        async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
            table = app.dashboard.query_one(TaskTable)
            await wait_for(pilot, lambda: "T1" in table.tasks, "the board")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db_path + suffix):
                    os.unlink(db_path + suffix)
            line = app.dashboard.query_one("#status-line")
            await wait_for(pilot, lambda: "file was deleted" in str(app.refresher.problem), "the watcher's report")
            await wait_for(pilot, lambda: "STALE" in str(line.render()), "status warning")
            assert "T1" in table.tasks  # the last data stays
            task = table.tasks["T1"]
            app.actions.write("cancel", task, lambda: dl.tasks.cancel("T1", by="tester"))
            await wait_for(pilot, lambda: any(isinstance(m, ActionFailed) for m in seen), "refusal")
            assert "deleted or replaced" in next(m for m in seen if isinstance(m, ActionFailed)).error
    finally:
        dl.close()
