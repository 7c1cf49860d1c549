"""The UI thread never waits on the database: every DataLayer call of a
session (first load, filter, paging, live changes, detail, an action, a
palette lookup) comes from a worker thread."""

from __future__ import annotations

import threading

import pytest
from textual.command import CommandPalette

from jetpack_tui.ui.panes.tasks.table import TaskTable
from jetpack_tui.ui.modals.confirm import ConfirmScreen

from .conftest import settled, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("frozen_data_clock")]


async def test_no_database_call_on_the_ui_thread(make_app, open_dl):
    app = make_app()
    engine = app.dl.engine
    callers: list[str] = []
    original = engine.run

    def recording_run(fn, *args):
        callers.append(threading.current_thread().name)
        return original(fn, *args)

    engine.run = recording_run  # instrumentation only: the real engine still runs every query
    async with app.run_test(size=(120, 36)) as pilot:
        ui_thread = threading.current_thread().name
        await settled(pilot, app)
        table = app.dashboard.query_one(TaskTable)
        await pilot.press("f", "F", "s", "S", "d", "d", "slash", *"t-0", "enter")
        await wait_for(pilot, lambda: not app.refresher.busy and app.dashboard.active_pane.query_state.text == "t-0",
                       what="filtered")
        open_dl().tasks.set_priority("T-006", "critical", by="someone")
        await wait_for(pilot, lambda: table.tasks.get("T-006") and table.tasks["T-006"].priority == "critical",
                       what="live change")
        table.select("T-003")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: table.tasks["T-003"].status == "pending", what="released")
        await pilot.press("colon", *"T-00")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette)
                       and app.screen.query_one("CommandList").option_count > 3, what="palette lookup")
        await pilot.press("escape")
    assert len(callers) > 10
    assert ui_thread not in callers, f"{callers.count(ui_thread)} DataLayer calls ran on the UI thread"
