"""The shell: pane switching, help, palette, keymap, pause, refresh, screenshot,
the status line, and live refresh from another process (watcher and poll)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from textual.command import CommandPalette
from textual.widgets import Footer

from jetpack_tui.config import Settings
from jetpack_tui.ui.messages import FeedPoke
from jetpack_tui.ui.panes.registry import PANES
from jetpack_tui.ui.panes.tasks.messages import TasksPage
from jetpack_tui.ui.panes.tasks.table import TaskTable
from jetpack_tui.ui.widgets.agent_picker import AgentPicker
from jetpack_tui.ui.widgets.help_screen import HelpScreen

from .conftest import settled, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("frozen_data_clock")]


def status_text(app) -> str:
    return str(app.dashboard.query_one("#status-line").render())


async def test_number_keys_and_tab_switch_panes(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        for key, pane_id in (("1", "overview"), ("3", "agents"), ("4", "mail"), ("5", "reservations"),
                             ("6", "memory"), ("2", "tasks")):
            app.screen.set_focus(None)  # a pane may focus a text box, where digits are typed
            await pilot.press(key)
            assert app.dashboard.active_pane_id == pane_id
            await settled(pilot, app)
        await pilot.press("tab")
        assert app.dashboard.active_pane_id == "agents"
        await settled(pilot, app)
        assert app.dashboard.active_pane.loaded
        app.screen.set_focus(None)
        await pilot.press("shift+tab", "shift+tab")
        assert app.dashboard.active_pane_id == "overview"


async def test_help_lists_the_focused_panes_keys_as_remapped(make_app):
    app = make_app(settings=Settings(operator="tester", keys={"tasks.claim": "C", "no.such.binding": "z"}))
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        assert app.unknown_keys == ["no.such.binding"]
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = {row[3]: row for row in app.screen.rows()}
        assert rows["tasks.claim"][1] == "C" and rows["tasks.claim"][0] == "Tasks"
        for binding_id in ("tasks.filter", "tasks.sort", "tasks.down", "app.pause", "app.quit", "app.refresh"):
            assert binding_id in rows
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        app.dashboard.query_one(TaskTable).select("T-001")
        await pilot.press("c")
        assert not isinstance(app.screen, AgentPicker)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentPicker), what="remapped claim")


async def test_palette_jumps_to_a_task_by_id(make_app):
    app = make_app(start_pane="overview")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        await pilot.press("colon")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"T-007")
        palette = app.screen
        await wait_for(pilot, lambda: palette.query_one("CommandList").option_count > 0
                       and "T-007" in str(palette.query_one("CommandList").get_option_at_index(0).prompt),
                       what="palette hit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.dashboard.active_pane_id == "tasks"
                       and app.dashboard.query_one(TaskTable).selected_id == "T-007", what="jump")


async def test_palette_finds_agents_and_mail_threads(make_app, open_dl):
    message = open_dl().messages.send("agent-ada", "agent-bob", "task.handoff", {"task_id": "T-002"})
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        for query, expected in ((message.thread_id, f"Thread {message.thread_id}"), ("agent-cy", "Agent agent-cy")):
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
            palette = app.screen
            await pilot.press(*query)
            await wait_for(pilot, lambda: any(
                expected in str(palette.query_one("CommandList").get_option_at_index(i).prompt)
                for i in range(palette.query_one("CommandList").option_count)), what=expected)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), what="palette closed")


async def test_pause_holds_changes_and_resume_applies_them(make_app, open_dl):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        table = app.dashboard.query_one(TaskTable)
        await pilot.press("p")
        assert "PAUSED" in status_text(app)
        open_dl().tasks.set_priority("T-006", "critical", by="someone")
        await wait_for(pilot, lambda: app.refresher._pending.feed is not None, what="change delivered")
        assert table.tasks["T-006"].priority == "low"
        await pilot.press("p")
        await wait_for(pilot, lambda: table.tasks["T-006"].priority == "critical", what="applied on resume")
        assert "LIVE" in status_text(app)


async def test_poll_mode_sees_another_process(make_app, fixture_path):
    app = make_app(watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        assert app.source.kind == "poll"
        script = ("import sys; from jetpack_tui.data import create_local_data_layer as c\n"
                  "dl = c(sys.argv[1]); dl.tasks.create('From a subprocess', id='T-200'); dl.close()")
        subprocess.run([sys.executable, "-c", script, fixture_path], check=True, timeout=60)
        table = app.dashboard.query_one(TaskTable)
        await wait_for(pilot, lambda: "T-200" in table.tasks, what="row from the subprocess")


async def test_force_refresh_and_screenshot(make_app, tmp_path):
    seen: list = []
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await settled(pilot, app)
        pages = sum(isinstance(m, TasksPage) for m in seen)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: sum(isinstance(m, TasksPage) for m in seen) > pages, what="reload")
        await pilot.press("f8")
        await wait_for(pilot, lambda: list((tmp_path / "shots").glob("*.svg")), what="screenshot")


async def test_status_line_warns_when_sync_fails_and_keeps_the_data(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        table = app.dashboard.query_one(TaskTable)
        rows = table.row_count
        assert "tasks 10" in status_text(app) and "agents 3 alive" in status_text(app)
        threading.Thread(target=app.refresher.fail_threadsafe, args=("sync failed: connection refused",)).start()
        await wait_for(pilot, lambda: "STALE" in status_text(app), what="warning")
        assert "connection refused" in status_text(app)
        assert app.dashboard.query_one("#status-line").has_class("-warning")
        assert table.row_count == rows
        threading.Thread(target=app.refresher.poke_threadsafe).start()
        await wait_for(pilot, lambda: "LIVE" in status_text(app), what="recovered")


async def test_a_broken_database_turns_the_status_line_into_a_warning(make_app, fixture_path, foreign_sql):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        table = app.dashboard.query_one(TaskTable)
        foreign_sql([("ALTER TABLE tasks RENAME TO tasks_gone", ())], path=fixture_path)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "STALE" in status_text(app), what="warning")
        assert "tasks" in status_text(app) and table.row_count == 9
        foreign_sql([("ALTER TABLE tasks_gone RENAME TO tasks", ())], path=fixture_path)
        await wait_for(pilot, lambda: "LIVE" in status_text(app), what="recovered by itself")


class SyncingLayer:
    """A real local DataLayer plus the Turso layer's sync-report interface
    (``on_sync``/``sync_status``), driven by the test like a sync loop would."""

    def __init__(self, dl) -> None:
        self._dl = dl
        self._subscribers: list = []

    def __getattr__(self, name):
        return getattr(self._dl, name)

    def on_sync(self, callback):
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def sync_status(self):
        return None

    def report(self, error=None):
        from jetpack_tui.data.turso.status import SyncReport

        report = SyncReport(started_at=0.0, duration=0.01, pulled_changes=error is None, pushed=0, error=error,
                            stale_since=None)
        for callback in list(self._subscribers):
            threading.Thread(target=callback, args=(report,)).start()


async def test_turso_style_sync_reports_drive_the_refresh(open_dl, tmp_path):
    from jetpack_tui.ui.app import JetpackApp

    from .fixtures import frozen

    layer = SyncingLayer(open_dl())
    app = JetpackApp(layer, settings=Settings(operator="tester"), clock=frozen, screenshot_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        assert app.source.kind == "sync" and layer._subscribers
        table = app.dashboard.query_one(TaskTable)
        open_dl().tasks.create("Pulled by a sync", id="T-300")
        layer.report()
        await wait_for(pilot, lambda: "T-300" in table.tasks, what="refresh after sync")
        layer.report(error="primary unreachable: connection refused")
        await wait_for(pilot, lambda: "STALE" in status_text(app), what="sync warning")
        assert "primary unreachable" in status_text(app) and "T-300" in table.tasks
        layer.report()
        await wait_for(pilot, lambda: "LIVE (sync)" in status_text(app), what="sync recovered")
    assert not layer._subscribers  # unsubscribed on exit


async def test_status_line_liveness_moves_with_time_alone(make_app):
    """No database change, only time: the status line's alive/stale/dead
    follows the same clock and thresholds as the Agents pane."""
    from .fixtures import frozen

    now = [frozen()]
    app = make_app(settings=Settings(operator="tester", stale_after=30, dead_after=120), clock=lambda: now[0])
    async with app.run_test(size=(160, 36)) as pilot:
        await settled(pilot, app)
        await wait_for(pilot, lambda: app.heartbeats is not None, what="heartbeats")
        beats = [b for b, _status in app.heartbeats if b is not None]
        assert beats
        now[0] = max(beats) + 10_000  # far past dead_after for every agent
        app._tick()
        total = len(app.heartbeats)
        assert f"agents 0 alive 0 stale {total} dead" in status_text(app)
        now[0] = max(beats) + 1
        app._tick()
        assert "agents 0 alive" not in status_text(app)


async def test_ticks_during_shutdown_do_nothing(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        # What a tick landing mid-teardown sees: the panes already removed.
        await app.dashboard.query_one("#panes").remove()
        app._tick()
        app.action_force_refresh()
        app.post_message(FeedPoke())
        await pilot.pause()
        await pilot.press("q")
    assert app.return_code == 0
    app._tick()  # after exit: the screen stack is empty
    app.action_toggle_pause()


async def test_the_footer_fits_120_columns_on_every_pane_and_help_lists_the_rest(make_app):
    app = make_app(start_pane="overview")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        for pane in PANES:
            await pilot.press(pane.KEY)
            await wait_for(pilot, lambda: app.dashboard.active_pane_id == pane.PANE_ID, what=pane.PANE_ID)
            await pilot.pause()
            footer = app.dashboard.query_one(Footer)
            keys = list(footer.query("FooterKey"))  # Textual does not export the class
            shown = {key.description for key in keys}
            assert {"Help", "Quit"} <= shown and not shown & {"Pause", "Refresh", "Palette"}
            width = sum(key.outer_size.width for key in keys)
            assert width <= footer.size.width == 120, (pane.PANE_ID, width, sorted(shown))
        await pilot.press("question_mark")
        rows = {row[3] for row in app.screen.rows()}
        assert {"app.pause", "app.refresh", "app.palette", "app.help", "app.quit"} <= rows
