"""SVG snapshots: every pane at 80x24 and 200x50 on the seeded swarm, the task
board's states and the dialogs on the fixture database — all with the clock
frozen, so ages, leases and liveness render the same on every run.

Regenerate after a deliberate change with ``pytest tests/ui/test_snapshots.py
--snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import os
import time

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.ui.app import JetpackApp
from jetpack_tui.ui.modals.agent_picker import AgentPicker
from jetpack_tui.ui.modals.agent_view import AgentScreen
from jetpack_tui.ui.modals.confirm import ConfirmScreen
from jetpack_tui.ui.modals.conflict import ConflictScreen
from jetpack_tui.ui.modals.help_screen import HelpScreen
from jetpack_tui.ui.panes.tasks.table import TaskTable

from .fixtures import build, frozen
from .history_fixtures import T0, history, open_app  # noqa: F401
from .panes_fixtures import settle, swarm  # noqa: F401

SIZE = (120, 36)
PANE_SIZES = [(80, 24), (200, 50)]
PANES = ["overview", "tasks", "agents", "mail", "reservations", "memory"]


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
    return pane.loaded and pane.quiet and app.summary is not None and not app.refresher.busy


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


class TestPanes:
    @pytest.mark.parametrize("size", PANE_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    @pytest.mark.parametrize("pane", PANES)
    def test_pane(self, swarm, snap_compare, pane, size):  # noqa: F811
        async def ready(pilot):
            await settle(pilot, pane)
            if pane == "overview":  # the trend lines come from their own worker
                overview = pilot.app.dashboard.active_pane
                await _until(pilot, lambda: overview.trends_shown, "the trend lines")
            if pane == "mail":
                await pilot.press("j")  # the help thread, with the operator's own mail
                await settle(pilot, pane)
            await pilot.pause()

        assert snap_compare(swarm.app(pane), terminal_size=size, run_before=ready)


class TestTaskBoard:
    def test_blocked_task_detail(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE, run_before=_selecting("T-008"))

    def test_flagged_markup_title(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE, run_before=_selecting("T-005"))

    def test_read_only(self, snap_app, snap_compare):
        assert snap_compare(snap_app(read_only=True), terminal_size=SIZE, run_before=_ready)

    def test_marked_rows(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE,
                            run_before=_selecting("T-003", "space", "space", drawer=False))


class TestDialogs:
    def test_help(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE,
                            run_before=_selecting("T-001", "question_mark", screen=HelpScreen, drawer=False))

    def test_agent_picker(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE,
                            run_before=_selecting("T-002", "a", screen=AgentPicker, drawer=False))

    def test_release_of_marked_tasks(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE,
                            run_before=_selecting("T-003", "space", "space", "r", screen=ConfirmScreen, drawer=False))

    def test_cancel_lists_the_dependents(self, snap_app, snap_compare):
        assert snap_compare(snap_app(), terminal_size=SIZE,
                            run_before=_selecting("T-001", "X", screen=ConfirmScreen, drawer=False))

    def test_conflict_report(self, snap_app, snap_compare):
        async def run(pilot) -> None:
            await _selecting("T-003", "r", screen=ConfirmScreen, drawer=False)(pilot)
            other = create_local_data_layer(os.path.join("fx", "jetpack.db"))
            try:
                other.tasks.set_priority("T-003", "critical", by="someone-else")
            finally:
                other.close()
            await pilot.press("y")
            await _until(pilot, lambda: isinstance(pilot.app.screen, ConflictScreen), "conflict")
            await pilot.pause()

        assert snap_compare(snap_app(), terminal_size=SIZE, run_before=run)

    def test_agent_view(self, swarm, snap_compare):  # noqa: F811
        async def run(pilot) -> None:
            await settle(pilot, "agents")
            pilot.app.dashboard.active_pane.table.select("cyd")
            await pilot.press("enter")
            await _until(pilot, lambda: isinstance(pilot.app.screen, AgentScreen) and pilot.app.screen.result,
                         "agent view")
            await pilot.pause()

        assert snap_compare(swarm.app("agents"), terminal_size=SIZE, run_before=run)


@pytest.fixture
def utc(monkeypatch):
    """Times on screen are local: pin the zone so the pictures are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def history_app(history, monkeypatch, utc):  # noqa: F811
    """An app on the constructed history, opened by a relative path (the status line shows it)."""
    _scenario, path = history
    monkeypatch.chdir(os.path.dirname(path))
    made = []

    def make(start_pane: str = "tasks"):
        app = open_app(os.path.basename(path), start_pane=start_pane)
        made.append(app)
        return app

    yield make
    for app in made:
        app.dl.close()


async def _quiet(pilot, pane_id: str) -> None:
    app = pilot.app

    def done() -> bool:
        panes = app.dashboard.query(f"#pane-{pane_id}")  # nothing yet while the app starts
        if not panes:
            return False
        pane = panes.first()
        return pane.loaded and pane.quiet and not pane.stale and not app.refresher.busy

    await _until(pilot, done, f"{pane_id} settled")
    await pilot.pause()


class TestInsight:
    """The graph pane, the trends view and the time bar on the constructed history."""

    @pytest.mark.parametrize("size", PANE_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_graph_pane(self, history_app, snap_compare, size):
        async def run(pilot) -> None:
            await _quiet(pilot, "graph")
            pilot.app.dashboard.active_pane.jump_to("b")
            await _quiet(pilot, "graph")
            await _until(pilot, lambda: pilot.app.dashboard.active_pane.result.focus == "b", "drawn around b")

        assert snap_compare(history_app("graph"), terminal_size=size, run_before=run)

    @pytest.mark.parametrize("size", PANE_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_trends_view(self, history_app, snap_compare, size):
        async def run(pilot) -> None:
            await _quiet(pilot, "overview")
            await pilot.press("w")
            await _until(pilot, lambda: getattr(pilot.app.screen, "trends", None) is not None, "the trends")
            await pilot.pause()

        assert snap_compare(history_app("overview"), terminal_size=size, run_before=run)

    @pytest.mark.parametrize("size", PANE_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_time_bar(self, history_app, snap_compare, size):
        async def run(pilot) -> None:
            app = pilot.app
            await _quiet(pilot, "tasks")
            app.dashboard.active_pane.apply_filter(quick="all")
            await _quiet(pilot, "tasks")
            await pilot.press("t")
            await _until(pilot, lambda: app.time.past, "the time bar")
            await pilot.press("slash", *str(int(T0 + 200)), "enter")
            await _until(pilot, lambda: app.time.moment == T0 + 200 and app.time.summary is not None
                         and app.time.summary.moment == T0 + 200, "the moment")
            await _quiet(pilot, "tasks")

        assert snap_compare(history_app("tasks"), terminal_size=size, run_before=run)
