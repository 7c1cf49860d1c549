"""The Jetpack dashboard application: wiring only.

Data comes in through the dashboard screen's
:class:`~jetpack_tui.ui.refresh.Refresher` and goes back through
:class:`~jetpack_tui.ui.actions.ActionRunner` (``app.actions``); panes live
in :mod:`~jetpack_tui.ui.panes`, modal screens in :mod:`~jetpack_tui.ui.modals`,
widgets in :mod:`~jetpack_tui.ui.widgets`, styles in the top-level
``styles/`` folder (every ``*.tcss`` there is loaded).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from textual.app import App
from textual.binding import Binding

from jetpack_tui.config import Settings, against_database
from jetpack_tui.data import clock as data_clock
from jetpack_tui.data.insight import Insight
from jetpack_tui.data.protocol import DataLayer

from . import user_state
from .actions import ActionConflicted, ActionFailed, ActionRunner, ActionsDone, ActionSucceeded, ActionWaiting
from .commands import JetpackCommands
from .keymap import keymap_problems
from .messages import Summary
from .modals.conflict import ConflictScreen
from .modals.help_screen import HelpScreen
from .refresh import Refresher
from .safe_text import clean
from .screens.dashboard import DashboardScreen
from .screens.trends import TrendsScreen
from .timetravel import TimeTravel

#: ``jetpack_tui/styles`` links to the top-level ``styles/`` in the source tree
#: and is a real folder in a built wheel.
STYLES = Path(__file__).parents[1] / "styles"


class JetpackApp(App):
    """``JetpackApp(dl, settings=..., clock=...)``; ``clock`` freezes "now" in tests."""

    TITLE = "jetpack-tui"
    CSS_PATH = sorted(STYLES.glob("*.tcss"))
    COMMANDS = App.COMMANDS | {JetpackCommands}
    # The footer shows the focused pane's main keys plus Help and Quit only, so
    # it fits 80 columns on the busiest pane; ``?`` lists every key.
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        # Declared here (not left to Textual) so both keys carry remappable ids.
        Binding("ctrl+p", "command_palette", "Palette", show=False, priority=True, id="app.palette"),
        Binding("colon", "command_palette", "Palette", show=False, id="app.palette_colon"),
        Binding("p", "toggle_pause", "Pause", show=False, id="app.pause"),
        Binding("ctrl+r", "force_refresh", "Refresh", show=False, id="app.refresh"),
        Binding("f8", "screenshot", "Screenshot", show=False, id="app.screenshot"),
        Binding("q", "quit", "Quit", id="app.quit"),
        # ctrl+c quits, as in every terminal program (Textual only hints at q).
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="app.quit_ctrl_c"),
    ]

    def __init__(self, dl: DataLayer, *, settings: Settings | None = None, clock: Callable[[], float] | None = None,
                 watch: bool = True, screenshot_dir: str | Path | None = None, start_pane: str = "tasks",
                 state_dir: str | Path | None = None) -> None:
        super().__init__()
        self.dl = dl
        self.settings = against_database(settings or Settings(), dl)  # one liveness rule per database
        self.clock: Callable[[], float] = clock or (lambda: data_clock.now())
        self.read_only = dl.read_only
        self.operator = self.settings.operator
        self.watch = watch
        self.state_dir = Path(state_dir) if state_dir is not None else user_state.data_dir()
        self.screenshot_dir = Path(screenshot_dir) if screenshot_dir is not None else self.state_dir / "screenshots"
        self._start_pane = start_pane
        self.actions = ActionRunner(self)
        self.keymap_warnings: list[str] = []
        self._insight: Insight | None = None
        self._insight_lock = threading.Lock()
        #: Live, or the moment in the past the dashboard shows (the time bar).
        self.time = TimeTravel(lambda: self.insight)

    def get_default_screen(self) -> DashboardScreen:
        return DashboardScreen(self._start_pane)

    @property
    def dashboard(self) -> DashboardScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    @property
    def refresher(self) -> Refresher:
        return self.dashboard.refresher

    @property
    def summary(self) -> Summary | None:
        return self.refresher.summary

    @property
    def insight(self) -> Insight:
        """Graph, trends and history of ``dl`` (one per DataLayer: it keeps the
        history checkpoints across questions).  Creating it runs no query;
        every question it answers is asked from a worker thread."""
        with self._insight_lock:
            if self._insight is None:
                self._insight = Insight(self.dl)
            return self._insight

    # -- lifecycle ---------------------------------------------------------------
    def on_mount(self) -> None:
        theme = self.settings.theme or user_state.load(self.state_dir).get("theme")
        if theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                self.notify(f"unknown theme {theme!r}; try: {', '.join(sorted(self.available_themes))}",
                            severity="warning", markup=False)
        keys = self.settings.keys
        self.keymap_warnings = keymap_problems(keys)
        for warning in self.keymap_warnings:
            self.notify(warning, severity="warning", markup=False, timeout=15)
        if keys:
            self.set_keymap(keys)
        self.theme_changed_signal.subscribe(self, self._save_theme)

    def _save_theme(self, theme) -> None:
        """The operator picked a theme (palette): use it next time too."""
        try:
            user_state.save(self.state_dir, theme=theme.name)
        except OSError as error:
            self.notify(f"theme not saved: {error}", severity="warning", markup=False)

    def live(self) -> bool:
        """Is the dashboard up?  False before it mounted and while tearing down."""
        if not self.is_running or not self.screen_stack:
            return False
        dashboard = self.screen_stack[0]
        return isinstance(dashboard, DashboardScreen) and dashboard.is_attached and dashboard.live_pane() is not None

    # -- outcomes of operator actions -----------------------------------------------
    def on_action_succeeded(self, message: ActionSucceeded) -> None:
        self.notify(f"{message.action}: {clean(message.target)} done", markup=False)
        if self.live():
            self.refresher.wake("action")

    def on_action_conflicted(self, message: ActionConflicted) -> None:
        if not self.live():
            return
        self.push_screen(ConflictScreen(message.action, message.target, message.seen, message.current,
                                        message.reason))
        self.refresher.wake("action")

    def on_actions_done(self, message: ActionsDone) -> None:
        trouble = bool(message.conflicts or message.failures)
        self.notify(clean(message.describe()), severity="warning" if trouble else "information", markup=False,
                    timeout=12 if trouble else 5)
        if self.live():
            self.refresher.wake("action")

    def on_action_waiting(self, message: ActionWaiting) -> None:
        self.notify(f"the database is locked by another process: still trying ({message.waited:.0f} s)…",
                    severity="warning", timeout=3, markup=False)

    def on_action_failed(self, message: ActionFailed) -> None:
        self.notify(f"{message.action} {clean(message.target)} failed: {clean(message.error)}",
                    severity="error", markup=False)

    # -- app-wide actions ---------------------------------------------------------
    def action_toggle_pause(self) -> None:
        if self.live():
            self.refresher.set_paused(not self.refresher.paused)
            self.dashboard.update_status()

    def action_force_refresh(self) -> None:
        if self.live():
            self.refresher.reload_all()

    def action_screenshot(self) -> None:
        try:
            self.screenshot_dir.mkdir(parents=True, exist_ok=True)
            path = self.save_screenshot(path=str(self.screenshot_dir))
        except OSError as error:
            self.notify(f"screenshot not saved: {error}", severity="error", markup=False)
            return
        self.notify(f"screenshot saved to {path}", markup=False, timeout=10)

    def action_trends(self) -> None:
        """The trends view (the Overview's ``w``, the palette)."""
        if not isinstance(self.screen, TrendsScreen):
            self.push_screen(TrendsScreen())

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen.active_bindings, self.get_key_display,
                                    read_only=self.read_only or self.time.past))
