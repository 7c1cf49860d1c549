"""The remaining keys: quit, previous quick filter, escapes of every dialog,
picker navigation, themes from the settings."""

from __future__ import annotations

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.ui.panes.tasks.table import TaskTable
from jetpack_tui.ui.modals.agent_picker import AgentPicker
from jetpack_tui.ui.modals.confirm import ConfirmScreen

from .conftest import settled, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("frozen_data_clock")]


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_q_and_ctrl_c_quit(make_app, key):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        await pilot.press(key)
        await wait_for(pilot, lambda: not app.is_running, what="exit")
    assert app.return_code == 0


async def test_previous_quick_filter_and_escape_clears_the_filters(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        pane = app.dashboard.active_pane
        await pilot.press("F", "F")  # open -> all -> completed
        await wait_for(pilot, lambda: pane.query_state.quick == "completed" and not app.refresher.busy,
                       what="completed view")
        assert list(pane.table.tasks) == ["T-009"]
        await pilot.press("slash", *"T-00", "enter")
        await wait_for(pilot, lambda: pane.query_state.text == "T-00" and pane.table.has_focus, what="text filter")
        await pilot.press("slash", "x", "escape")  # esc in the box: back to the table
        assert pane.table.has_focus
        await pilot.press("escape")  # esc on the table: every filter cleared
        await wait_for(pilot, lambda: pane.query_state.quick == "open" and not pane.query_state.text
                       and not app.refresher.busy and len(pane.table.tasks) == 8, what="default view")
        assert pane.filter_box.value == ""


async def test_dialogs_close_without_acting(make_app, open_dl):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        table = app.dashboard.query_one(TaskTable)
        table.select("T-003")
        for keys in (("r", "n"), ("r", "escape"), ("X", "n")):
            await pilot.press(keys[0])
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
            await pilot.press(keys[1])
            await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="closed")
        table.select("T-001")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentPicker), what="picker")
        picker_table = app.screen.query_one("#picker-table")
        await pilot.press("j", "j", "k")
        assert picker_table.cursor_row == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, AgentPicker), what="picker closed")
    tasks = open_dl().tasks
    assert tasks.get("T-003").status == "claimed" and tasks.get("T-001").status == "pending"


async def test_theme_from_settings(make_app):
    app = make_app(settings=Settings(operator="tester", theme="nord"))
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        assert app.theme == "nord"
    app = make_app(settings=Settings(operator="tester", theme="no-such-theme"))
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        assert app.theme != "no-such-theme"
