"""SVG snapshots of the task board and its dialogs at 120×36 on the fixture
database, with the clock frozen (ages, leases and liveness render the same).

Regenerate after a deliberate change with ``pytest tests/ui/test_snapshots.py
--snapshot-update`` and look at the SVGs.  Panes owned by other modules
snapshot themselves in their own test files.
"""

from __future__ import annotations

import os

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.ui.app import JetpackApp
from jetpack_tui.ui.panes.tasks.table import TaskTable
from jetpack_tui.ui.modals.agent_picker import AgentPicker
from jetpack_tui.ui.modals.confirm import ConfirmScreen
from jetpack_tui.ui.modals.conflict import ConflictScreen
from jetpack_tui.ui.modals.help_screen import HelpScreen

from .fixtures import build, frozen

SIZE = (120, 36)


@pytest.fixture
def snap_app(tmp_path, monkeypatch, frozen_data_clock):
    """An app on ``fx/jetpack.db`` relative to a temp cwd (the path shows on screen)."""
    monkeypatch.chdir(tmp_path)
    build(os.path.join("fx", "jetpack.db"))
    layers = []

    def make(read_only: bool = False) -> JetpackApp:
        dl = create_local_data_layer(os.path.join("fx", "jetpack.db"), read_only=read_only)
        layers.append(dl)
        return JetpackApp(dl, settings=Settings(operator="tester"), clock=frozen, screenshot_dir=tmp_path)

    yield make
    for dl in layers:
        dl.close()


async def _until(pilot, condition, what: str) -> None:
    for _ in range(500):
        await pilot.pause(0.01)
        if condition():
            return
    raise AssertionError(f"timed out waiting for {what}")


def _loaded(app: JetpackApp) -> bool:
    pane = app.dashboard.active_pane
    return pane.loaded and app.summary is not None and not app.refresher.busy


async def _ready(pilot) -> None:
    await _until(pilot, lambda: _loaded(pilot.app), "first load")


def _selecting(task_id: str, *keys: str, screen: type | None = None, drawer: bool = True):
    async def run(pilot) -> None:
        app = pilot.app
        await _ready(pilot)
        table = app.dashboard.query_one(TaskTable)
        table.select(task_id)
        if drawer:
            await _until(pilot, lambda: task_id in str(app.dashboard.query_one(".drawer-body").render())
                         and not app.refresher.busy, "detail")
        if keys:
            await pilot.press(*keys)
        if screen is not None:
            await _until(pilot, lambda: isinstance(app.screen, screen), screen.__name__)
        await pilot.pause()

    return run


class TestTaskBoard:
    def test_board(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE, run_before=_ready)

    def test_blocked_task_detail(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE, run_before=_selecting("T-008"))

    def test_flagged_markup_title(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE, run_before=_selecting("T-005"))

    def test_read_only(self, snap_app, snap_compare):
        assert snap_compare(snap_app(read_only=True), terminal_size=SIZE, run_before=_ready)


class TestDialogs:
    def test_help(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE,
                            run_before=_selecting("T-001", "question_mark", screen=HelpScreen, drawer=False))

    def test_agent_picker(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE,
                            run_before=_selecting("T-002", "c", screen=AgentPicker, drawer=False))

    def test_release_confirmation(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE,
                            run_before=_selecting("T-003", "x", screen=ConfirmScreen, drawer=False))

    def test_conflict_report(self, snap_app, snap_compare):
        async def run(pilot) -> None:
            await _selecting("T-003", "x", screen=ConfirmScreen, drawer=False)(pilot)
            other = create_local_data_layer(os.path.join("fx", "jetpack.db"))
            try:
                other.tasks.set_priority("T-003", "critical", by="someone-else")
            finally:
                other.close()
            await pilot.press("y")
            await _until(pilot, lambda: isinstance(pilot.app.screen, ConflictScreen), "conflict")
            await pilot.pause()

        assert snap_compare(snap_app(), terminal_size=SIZE, run_before=run)
