"""Overview pane: the swarm at a glance.  Tasks per status and completions
per hour, agents alive/stale/dead, and what needs attention: orphaned
tasks, expired claims and leases awaiting reclaim, contended reservations,
unacked messages, time since the last sync.

Every figure is focusable (``j``/``k`` or arrows move between them) and
``enter`` jumps to the pane that explains it with the matching filter.
Figures are keyed widgets: only those whose text changed are redrawn.

Below them, trend lines of the last 12 hours (:mod:`.trends`), read in their
own worker every minute while the Overview is shown; ``w`` opens the full
trends view.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from jetpack_tui.data.insight import WINDOWS
from jetpack_tui.data.protocol import DataLayer

from ...safe_text import clean
from ..base import FetchRequest, Pane
from ..kit.lifecycle import while_running
from ..kit.palette import Palette
from .data import HOURS, THROTTLE, TIMED, TIMED_EVERY, OverviewData, OverviewView, Throttle, fetch_overview
from ..kit.recompute import Recompute
from .figures import Figure, figures, hourly, hourly_chart, sync_text
from .trends import EVERY, POINTS, WINDOW, render_trends

GROUPS = ("Tasks", "Agents", "Needs attention")
VALUE_WIDTH = 6


class FigureView(Static, can_focus=True):
    """One figure; ``enter`` asks the pane to jump to what explains it."""

    BINDINGS = [Binding("enter", "jump", "Explain", id="overview.jump")]

    class Jump(Message):
        def __init__(self, figure: Figure) -> None:
            super().__init__()
            self.figure = figure

    def __init__(self, figure: Figure, **kwargs: Any) -> None:
        super().__init__(classes="figure", **kwargs)
        self.figure = figure
        self._signature: tuple | None = None

    def show(self, figure: Figure, style: str) -> None:
        signature = (figure, style)
        if signature == self._signature:
            return
        self.figure, self._signature = figure, signature
        # The figure first, then its label: a narrow column cuts the label, never the figure.
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{clean(figure.value):>{VALUE_WIDTH}}", style=style or "bold")
        text.append(f" {clean(figure.label)}")
        if figure.hint:
            text.append(f"  {clean(figure.hint)}", style="dim")
        self.update(text)

    def action_jump(self) -> None:
        self.post_message(self.Jump(self.figure))


class OverviewPane(Pane):
    PANE_ID = "overview"
    TITLE = "Overview"
    KEY = "1"
    TABLES = frozenset({"tasks", "agents", "messages", "file_reservations", "leases"})
    PARTS = (FigureView,)

    BINDINGS = [
        Binding("j,down", "cursor_down", "Next figure", show=False, id="overview.next"),
        Binding("k,up", "cursor_up", "Previous figure", show=False, id="overview.previous"),
        Binding("w", "trends", "Trends", id="overview.trends"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sections: dict[str, Any] = {}
        self.views: dict[str, FigureView] = {}
        self._chart = ""
        self._throttle = Throttle()
        #: Changed sections the throttle skipped, and since when (monotonic).
        self.skipped: set[str] = set()
        self._skipped_at = 0.0
        #: When the time-moving sections (:data:`TIMED`) were last read (monotonic).
        self._timed_at = time.monotonic()
        self.now = 0.0
        self.trends_recompute: Recompute[str] | None = None
        self._trends_asked = -1e18
        #: The trend lines have been drawn once (tests and screenshots wait for it).
        self.trends_shown = False

    def on_mount(self) -> None:
        app = self.jetpack
        self.trends_recompute = Recompute(
            self, lambda window: app.insight.trends(window, step=WINDOWS[window][0] / POINTS),
            lambda _window, result: self._show_trends(result), name="overview-trends", min_interval=EVERY / 2)

    @property
    def quiet(self) -> bool:
        return self.trends_shown and self.trends_recompute is not None and not self.trends_recompute.busy

    def compose(self) -> ComposeResult:
        # Scrolls when the terminal is short (80x24): the focused figure is kept in view.
        with VerticalScroll(id="overview-scroll", can_focus=False):
            yield Static(Text("Overview", style="bold"), classes="pane-title")
            with Horizontal(id="overview-groups"):
                for group in GROUPS:
                    with Vertical(classes="overview-group", id=f"overview-{group.split()[0].lower()}"):
                        yield Static(Text(group, style="bold underline"), classes="overview-heading")
            yield Static(Text(f"Completed per hour (last {HOURS} h)", style="bold underline"),
                         classes="overview-heading")
            yield Static(Text(""), id="overview-hourly")
            yield Static(Text(f"Trends (last {WINDOW.replace('h', ' h')}) · w: the full view", style="bold underline"),
                         classes="overview-heading")
            yield Static(render_trends(None), id="overview-trends")
        yield Static(Text("enter: open the pane that explains a figure · j/k: move", style="dim"),
                     id="overview-help")

    # -- contract --------------------------------------------------------------
    def view_state(self) -> OverviewView:
        return OverviewView(due=frozenset(self.skipped))

    def fetch(self, dl: DataLayer, request: FetchRequest) -> Iterable[OverviewData]:
        return fetch_overview(dl, request, self._throttle)

    @while_running
    def tick(self, now: float) -> None:
        self.now = now
        self._render_figures()
        if self.sections and time.monotonic() - self._timed_at >= TIMED_EVERY:
            self._timed_at = time.monotonic()
            self.skipped |= TIMED  # re-read: their figures move with the clock
        if self.skipped and time.monotonic() - self._skipped_at >= THROTTLE:
            self.request_detail()  # read what the throttle skipped
        self._ask_trends()

    def _ask_trends(self) -> None:
        """Shown: the trend lines follow the clock (every :data:`EVERY` s), not each change."""
        if self.trends_recompute is not None and time.monotonic() - self._trends_asked >= EVERY:
            self._trends_asked = time.monotonic()
            self.trends_recompute.request(WINDOW, urgent=True)

    def _show_trends(self, result: Any) -> None:
        error = f"{result.__class__.__name__}: {result}" if isinstance(result, Exception) else None
        self.query_one("#overview-trends", Static).update(render_trends(None if error else result, error))
        self.trends_shown = True

    def action_trends(self) -> None:
        """``w``: the trends over a window, with axes."""
        self.jetpack.action_trends()

    def selected_key(self) -> str | None:
        focused = self.screen.focused
        return focused.figure.key if isinstance(focused, FigureView) else None

    def jump_to(self, key: str) -> bool:
        view = self.views.get(key)
        if view is None:
            return False
        view.focus()
        return True

    def focus_main(self) -> None:
        focused = self.screen.focused
        if isinstance(focused, FigureView) and focused in self.views.values():
            return
        first = next(iter(self.views.values()), None)
        (first or self).focus()

    # -- data in -----------------------------------------------------------------
    @while_running
    def on_overview_data(self, message: OverviewData) -> None:
        message.stop()
        if not self.current(message):
            return
        self.sections.update(message.sections)
        self.skipped -= message.sections.keys()
        if TIMED & message.sections.keys():
            self._timed_at = time.monotonic()
        if message.skipped and not self.skipped:
            self._skipped_at = time.monotonic()
        self.skipped |= message.skipped
        self.now = self.jetpack.clock()
        self._render_figures()
        focused = self.screen.focused
        if not self.loaded and (focused is None or self not in focused.ancestors_with_self):
            self.call_after_refresh(self.focus_main)
        self.mark_loaded()
        self._ask_trends()

    def _sync(self) -> tuple[str, str, str]:
        refresher = self.jetpack.refresher
        ago = None if refresher.last_ok_at is None else max(0.0, self.now - refresher.last_ok_at)
        status = self.sections.get("sync")
        return sync_text(status, self.now, source=refresher.kind, refreshed_ago=ago)

    def _render_figures(self) -> None:
        if not self.sections:
            return
        palette = Palette(self.app)
        for figure in figures(self.sections, self.now, self.jetpack.settings.liveness, self._sync()):
            view = self.views.get(figure.key)
            if view is None:
                view = self.views[figure.key] = FigureView(figure)
                group = self.query_one(f"#overview-{figure.group.split()[0].lower()}", Vertical)
                group.mount(view)
            view.show(figure, palette(figure.meaning) if figure.meaning else "")
        if "completions" in self.sections:
            chart = hourly_chart(hourly(self.sections["completions"], self.now))
            if chart != self._chart:
                self._chart = chart
                self.query_one("#overview-hourly", Static).update(Text(chart))

    # -- moving and jumping ---------------------------------------------------------
    def action_cursor_down(self) -> None:
        self.action_move(1)

    def action_cursor_up(self) -> None:
        self.action_move(-1)

    def action_move(self, step: int) -> None:
        order = list(self.query(FigureView))
        if not order:
            return
        focused = self.screen.focused
        index = order.index(focused) if focused in order else -step
        order[(index + step) % len(order)].focus()

    def on_figure_view_jump(self, message: FigureView.Jump) -> None:
        message.stop()
        figure = message.figure
        if figure.pane is None:
            self.jetpack.action_force_refresh()
            self.app.notify("refreshing every pane now")
            return
        dashboard = self.jetpack.dashboard
        dashboard.action_show_pane(figure.pane)
        pane = dashboard.active_pane
        if not figure.filters:
            return
        if not pane.apply_filter(**dict(figure.filters)):
            wanted = ", ".join(f"{k}={v}" for k, v in figure.filters)
            self.app.notify(f"{pane.TITLE}: cannot apply the filter ({wanted}) yet", severity="warning",
                            markup=False)
