"""The trends view (``w`` on the Overview, or the palette): is it getting
better or worse, over the last hour, 12 hours or 7 days?

Six plots with axes (:class:`~..widgets.time_plot.TimePlot`), one point per
interval of the window: completions and failures, claims and operator
actions, retries per interval; the queue depth by status, the agents alive /
holding work (alive or not) / idle, at each interval's end; the median wait from ready to claimed.
Read from the audit log's minute rollups (``Insight.trends``) in a worker
(:class:`~..panes.kit.recompute.Recompute`), again every :data:`EVERY`
seconds while open.  Intervals nothing can be known about (before the log, or
agents before the heartbeat records) are gaps, not zeros, and the notes
under the plots say why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Static

from jetpack_tui.data.insight import Trends

from ..panes.kit.recompute import Recompute
from ..panes.overview.trends import known
from ..safe_text import clean
from ..timefmt import span
from ..widgets.time_plot import Series, TimePlot

if TYPE_CHECKING:
    from ..app import JetpackApp

#: Window names in chooser order, and how they read.
CHOICES = ("1h", "12h", "7d")
LABELS = {"1h": "last hour", "12h": "last 12 h", "7d": "last 7 days"}
EVERY = 30.0
#: (plot id, title, [(series label, Trends field)])
PLOTS = (
    ("throughput", "completed / failed per interval", [("completed", "completed"), ("failed", "failed")]),
    ("queue", "queue depth", [("ready", "ready"), ("blocked", "blocked"), ("claimed", "claimed"),
                              ("in progress", "in_progress")]),
    ("agents", "agents", [("alive", "agents_alive"), ("holding work", "agents_busy"), ("idle", "agents_idle")]),
    ("wait", "median wait ready → claimed (s)", [("median wait", "median_wait")]),
    ("retries", "retries per interval", [("retries", "retries")]),
    ("claims", "claims / operator actions per interval", [("claims", "claims"), ("operator", "operator")]),
)
#: Wide enough for two plots side by side (and tall enough for three rows).
WIDE = (120, 36)


def series_of(trends: Trends, fields: list[tuple[str, str]]) -> list[Series]:
    return [Series(label, known(trends, name)) for label, name in fields]


class TrendsScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="trends.close"),
        Binding("1", "window('1h')", "Last hour", id="trends.hour"),
        Binding("2", "window('12h')", "Last 12 h", id="trends.half_day"),
        Binding("3", "window('7d')", "Last 7 days", id="trends.week"),
        Binding("w", "next_window", "Next window", show=False, id="trends.next_window"),
        Binding("j", "scroll(1)", "Down", show=False, id="trends.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="trends.up"),
    ]

    def __init__(self, window: str = "12h") -> None:
        super().__init__()
        self.window = window if window in CHOICES else "12h"
        self.trends: Trends | None = None
        self.error: str | None = None
        self.recompute: Recompute[str] | None = None

    @property
    def jetpack(self) -> "JetpackApp":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="trends-box"):
            yield Static(Text(""), id="trends-title")
            with VerticalScroll(id="trends-scroll"):
                with Grid(id="trends-grid"):
                    for plot_id, title, _fields in PLOTS:
                        yield TimePlot(title, id=f"plot-{plot_id}")
                yield Static(Text(""), id="trends-notes")

    def on_mount(self) -> None:
        app = self.jetpack
        self.recompute = Recompute(self, lambda window: app.insight.trends(window), self._done, name="trends",
                                   min_interval=EVERY / 2)
        self._ask()
        self.set_interval(EVERY, self._ask, name="trends-every")
        self._title()

    def on_resize(self, event: Resize) -> None:
        wide = event.size.width >= WIDE[0] and event.size.height >= WIDE[1]
        self.query_one("#trends-box").set_class(wide, "-wide")

    def _ask(self) -> None:
        if self.recompute is not None:
            self.recompute.request(self.window, urgent=True)

    def _done(self, window: str, result: Any) -> None:
        if window != self.window:
            return  # the operator picked another window meanwhile: its answer follows
        if isinstance(result, Exception):
            self.error, self.trends = f"{result.__class__.__name__}: {result}", None
        else:
            self.error, self.trends = None, result
        self._draw()

    def _title(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("Trends  ", style="bold")
        for n, choice in enumerate(CHOICES, start=1):
            style = "bold reverse" if choice == self.window else "dim"
            text.append(f" {n} {LABELS[choice]} ", style=style)
            text.append(" ")
        if self.trends is not None:
            text.append(f" · one point per {span(self.trends.step)} · esc: close")
        elif self.error is None:
            text.append(" · reading the audit log (the first look at a long log takes a few seconds)…",
                        style="italic")
        self.query_one("#trends-title", Static).update(text)

    def _draw(self) -> None:
        self._title()
        notes = self.query_one("#trends-notes", Static)
        if self.error is not None:
            notes.update(Text(f"trends unavailable: {clean(self.error)}", style="bold"))
            return
        trends = self.trends
        if trends is None:
            return
        for plot_id, title, fields in PLOTS:
            self.query_one(f"#plot-{plot_id}", TimePlot).plot(series_of(trends, fields),
                                                             x_range=(trends.start, trends.end), title=title)
        lines = [f"⚠ {clean(note)}" for note in trends.notes]
        if any(p.agents_alive is None for p in trends.points):
            lines.append("agents alive / idle are known only while the change feed still holds the heartbeats"
                         " (its last 50,000 changes): earlier intervals are gaps")
        notes.update(Text("\n".join(lines), style="dim italic"))

    def action_window(self, window: str) -> None:
        if window == self.window:
            return
        self.window, self.trends, self.error = window, None, None
        self._title()
        self._ask()

    def action_next_window(self) -> None:
        self.action_window(CHOICES[(CHOICES.index(self.window) + 1) % len(CHOICES)])

    def action_scroll(self, step: int) -> None:
        self.query_one("#trends-scroll", VerticalScroll).scroll_relative(y=step * 3, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["CHOICES", "PLOTS", "TrendsScreen"]
