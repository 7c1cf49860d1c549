"""The one-line status bar: where the data comes from, is it live, how fresh.

It only renders a :class:`StatusState` the app hands it; it never reads the
database.  When refreshing or syncing fails it turns into a warning with the
age of the data and the reason, and the panes keep showing the last data.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from ..messages import Summary
from ..safe_text import clean, shorten
from ..timefmt import span

TASK_ORDER = ("ready", "blocked", "claimed", "in_progress", "failed", "cancelled", "completed")


@dataclass(frozen=True)
class StatusState:
    mode: str  # "local" / "turso"
    location: str  # a path or a host (never a token)
    read_only: bool = False
    paused: bool = False
    source: str = "poll"  # watch / poll / sync
    loading: bool = True
    since_change: float | None = None  # seconds since the last change was applied
    data_age: float | None = None  # seconds since the last successful refresh
    error: str | None = None
    summary: Summary | None = None
    #: alive / stale / dead / stopped, classified at render time (see AgentHeartbeats).
    agents: dict[str, int] | None = None


def render_status(state: StatusState) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if state.error:
        age = "?" if state.data_age is None else span(state.data_age)
        text.append(" ⚠ STALE ", style="bold reverse")
        text.append(f" data {age} old: ")
        text.append(shorten(clean(state.error), 120))
        text.append("  │ ")
    elif state.paused:
        text.append(" ⏸ PAUSED ", style="bold reverse")
        text.append(" ")
    elif state.loading:
        text.append(" … LOADING ", style="bold")
        text.append(" ")
    else:
        text.append(" ● LIVE ", style="bold")
        text.append(f"({state.source}) ")
    text.append(f"{state.mode} ", style="bold")
    text.append(clean(state.location))
    if state.read_only:
        text.append(" [read-only]", style="bold")
    if state.since_change is not None:
        text.append(f"  │ changed {span(state.since_change)} ago")
    summary = state.summary
    if summary is not None:
        agents = state.agents or {}
        text.append(f"  │ agents {agents.get('alive', 0)} alive {agents.get('stale', 0)} stale"
                    f" {agents.get('dead', 0)} dead")
        if agents.get("stopped"):
            text.append(f" {agents['stopped']} stopped")
        counts = summary.tasks
        total = sum(n for status, n in counts.items() if status not in ("ready", "blocked"))
        text.append(f"  │ tasks {total:,}:")
        for status in TASK_ORDER:
            if counts.get(status):
                text.append(f" {status.replace('_', ' ')} {counts[status]:,}")
        unknown = sorted(s for s in counts if s not in TASK_ORDER and s != "pending")
        for status in unknown:
            text.append(f" {clean(status)}? {counts[status]:,}")
    return text


class StatusLine(Static):
    """Top bar; ``-warning`` / ``-paused`` classes switch its colours in CSS."""

    _shown: str | None = None

    def show(self, state: StatusState) -> None:
        """Render ``state``; a no-op when nothing visible changed (it is called
        after every refresh run, and a repaint costs a frame)."""
        self.set_class(bool(state.error), "-warning")
        self.set_class(state.paused and not state.error, "-paused")
        text = render_status(state)
        if text.plain != self._shown:
            self._shown = text.plain
            self.update(text, layout=False)  # one line, fixed height: no relayout
