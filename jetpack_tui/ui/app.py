"""The Jetpack dashboard application: wiring only.

Data comes in through :class:`~jetpack_tui.ui.refresh.Refresher` (fed by a
:mod:`~jetpack_tui.ui.feed` source) and goes back through
:mod:`~jetpack_tui.ui.actions`; panes live in :mod:`~jetpack_tui.ui.panes`,
widgets in :mod:`~jetpack_tui.ui.widgets`, styles in the top-level
``styles/`` folder (every ``*.tcss`` there is loaded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from textual.app import App
from textual.binding import Binding

from jetpack_tui.config import Settings, against_database
from jetpack_tui.data import clock as data_clock
from jetpack_tui.data.models import LIVENESS_STATES

from .actions import ActionConflicted, ActionFailed, ActionRunner, ActionSucceeded, ActionWaiting
from .commands import JetpackCommands
from .feed import FeedSource, choose_source
from .keymap import binding_ids, unknown_ids
from .messages import AgentHeartbeats, FeedDelivered, FeedFailed, FeedPoke, RefreshDone, StatusCounts, Summary
from .refresh import Refresher
from .screens.dashboard import DashboardScreen
from .safe_text import clean
from .widgets.conflict import ConflictScreen
from .widgets.help_screen import HelpScreen
from .widgets.status_line import StatusLine, StatusState

#: ``jetpack_tui/styles`` links to the top-level ``styles/`` in the source tree
#: and is a real folder in a built wheel.
STYLES = Path(__file__).parents[1] / "styles"


def _location(dl: Any) -> str:
    location = str(getattr(dl, "location", "") or "")
    return location or "?"


class JetpackApp(App):
    """``JetpackApp(dl, settings=..., clock=...)``; ``clock`` freezes "now" in tests."""

    TITLE = "jetpack-tui"
    CSS_PATH = sorted(STYLES.glob("*.tcss"))
    COMMANDS = App.COMMANDS | {JetpackCommands}
    # The footer shows the focused pane's main keys plus Help and Quit only, so
    # it fits 120 columns on the busiest pane; ``?`` lists every key.
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        # Declared here (not left to Textual) so both keys carry remappable ids.
        Binding("ctrl+p", "command_palette", "Palette", show=False, priority=True, id="app.palette"),
        Binding("colon", "command_palette", "Palette", show=False, id="app.palette_colon"),
        Binding("p", "toggle_pause", "Pause", show=False, id="app.pause"),
        Binding("ctrl+r", "force_refresh", "Refresh", show=False, id="app.refresh"),
        Binding("f8", "screenshot", "Screenshot", show=False, id="app.screenshot"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, dl: Any, *, settings: Settings | None = None, clock: Callable[[], float] | None = None,
                 watch: bool = True, screenshot_dir: str | Path = ".", start_pane: str = "tasks") -> None:
        super().__init__()
        self.dl = dl
        self.settings = against_database(settings or Settings(), dl)  # one liveness rule per database
        self.clock: Callable[[], float] = clock or (lambda: data_clock.now())
        self.read_only = bool(getattr(dl, "read_only", False))
        self.operator = self.settings.operator
        self.screenshot_dir = Path(screenshot_dir)
        self._start_pane = start_pane
        self._watch = watch
        self.summary: Summary | None = None
        self.heartbeats: tuple[tuple[float | None, str], ...] | None = None
        self.source: FeedSource | None = None
        self._source_started = False
        self.actions = ActionRunner(self)
        self.refresher = Refresher(self, dl, clock=self.clock, panes=lambda: self.dashboard.panes,
                                   active=lambda: self.dashboard.active_pane_id,
                                   page_size=self.settings.page_size)

    def get_default_screen(self) -> DashboardScreen:
        return DashboardScreen(self._start_pane)

    @property
    def dashboard(self) -> DashboardScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    # -- lifecycle ---------------------------------------------------------------
    def on_mount(self) -> None:
        if self.settings.theme:
            if self.settings.theme in self.available_themes:
                self.theme = self.settings.theme
            else:
                self.notify(f"unknown theme {self.settings.theme!r}; try: {', '.join(sorted(self.available_themes))}",
                            severity="warning", markup=False)
        keys = self.settings.keys
        self.unknown_keys = unknown_ids(keys, binding_ids())
        if self.unknown_keys:
            self.notify(f"[keys] names unknown bindings: {', '.join(self.unknown_keys)}", severity="warning",
                        markup=False)
        if keys:
            self.set_keymap(keys)

    def start_live(self) -> None:
        """Called by the dashboard screen once its panes are mounted."""
        self.source = choose_source(self.refresher, self.dl, poll_interval=self.settings.poll_interval,
                                    watch=self._watch)
        self._source_started = not self.source.needs_cursor
        if self._source_started:
            self.source.start(None)
        self.set_interval(1.0, self._tick, name="tick")
        self.refresher.poke()
        self.update_status()

    def on_unmount(self) -> None:
        if self.source is not None:
            self.source.stop()

    def live(self) -> bool:
        """Is the dashboard up?  False before it mounted and while tearing down.

        Timers (this tick, the feed poll, the refresh gather) and answers
        from worker threads can land while Textual is removing widgets (after
        ``q``); querying the panes then raised ``NoMatches``.  Everything a
        timer or a worker drives checks this first and does nothing.
        """
        if not self.is_running or not self.screen_stack:
            return False
        dashboard = self.screen_stack[0]
        return (isinstance(dashboard, DashboardScreen) and dashboard.is_attached
                and dashboard.live_pane() is not None)

    def _tick(self) -> None:
        if not self.live():
            return
        self.refresher.tick()
        self.dashboard.active_pane.tick(self.clock())
        self.update_status()

    # -- the refresh path -------------------------------------------------------------
    def on_feed_delivered(self, message: FeedDelivered) -> None:
        if not self.live():
            return
        self.refresher.source_ok()
        self.refresher.deliver(message.changes, message.cursor)
        self.update_status()

    def on_feed_poke(self, message: FeedPoke) -> None:
        if not self.live():
            return
        self.refresher.source_ok()
        self.refresher.poke()
        self.update_status()

    def on_feed_failed(self, message: FeedFailed) -> None:
        # The watcher keeps watching (and polling) after reporting; the warning
        # stays until the source delivers again.
        if not self.live():
            return
        self.refresher.source_failed(message.reason)
        self.update_status()

    def on_refresh_done(self, message: RefreshDone) -> None:
        if not self.live():  # shutting down
            return
        self.refresher.finished(message)
        if not self._source_started and message.error is None and self.source is not None:
            self._source_started = True
            self.source.start(self.refresher.cursor)
        self.update_status()

    def on_agent_heartbeats(self, message: AgentHeartbeats) -> None:
        if not self.live():
            return
        self.heartbeats = message.beats
        self.update_status()

    def on_status_counts(self, message: StatusCounts) -> None:
        if not self.live():
            return
        self.summary = message.summary
        self.update_status()

    def status_state(self) -> StatusState:
        r = self.refresher
        now = self.clock()
        problem = r.problem
        good_at = problem[1] if problem else r.last_ok_at
        return StatusState(
            mode=str(getattr(self.dl, "mode", "local")), location=_location(self.dl), read_only=self.read_only,
            paused=r.paused, source=self.source.kind if self.source else "poll",
            loading=r.last_ok_at is None and problem is None,
            since_change=None if r.last_change_at is None else now - r.last_change_at,
            data_age=None if good_at is None else now - good_at,
            error=problem[0] if problem else None, summary=self.summary,
            agents=self._liveness_counts(now))

    def _liveness_counts(self, now: float) -> dict[str, int] | None:
        if self.heartbeats is None:
            return None
        counts = dict.fromkeys(LIVENESS_STATES, 0)
        thresholds = self.settings.liveness
        for beat, status in self.heartbeats:
            counts[thresholds.of(beat, status, now)] += 1
        return counts

    def update_status(self) -> None:
        try:
            line = self.dashboard.query_one("#status-line", StatusLine)
        except Exception:  # noqa: BLE001 - not mounted yet / shutting down
            return
        line.show(self.status_state())

    # -- outcomes of operator actions -----------------------------------------------
    def on_action_succeeded(self, message: ActionSucceeded) -> None:
        self.notify(f"{message.action}: {clean(message.target)} done", markup=False)
        self.refresher.poke()

    def on_action_conflicted(self, message: ActionConflicted) -> None:
        if not self.live():
            return
        self.push_screen(ConflictScreen(message.action, message.target, message.seen, message.current,
                                        message.reason))
        self.refresher.poke()

    def on_action_waiting(self, message: ActionWaiting) -> None:
        self.notify(f"the database is locked by another process: still trying ({message.waited:.0f} s)…",
                    severity="warning", timeout=3, markup=False)

    def on_action_failed(self, message: ActionFailed) -> None:
        self.notify(f"{message.action} {clean(message.target)} failed: {clean(message.error)}",
                    severity="error", markup=False)

    # -- app-wide actions ---------------------------------------------------------
    def action_toggle_pause(self) -> None:
        if not self.live():
            return
        self.refresher.set_paused(not self.refresher.paused)
        self.update_status()

    def action_force_refresh(self) -> None:
        if not self.live():
            return
        self.refresher.reload_all()

    def action_screenshot(self) -> None:
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        path = self.save_screenshot(path=str(self.screenshot_dir))
        self.notify(f"saved {path}", markup=False)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen.active_bindings, self.get_key_display))
