"""The time bar: move through the audit log and see the swarm as it was.

``t`` on the board (or the agents, or the graph) opens it at the latest
audit event; then, with the bar focused:

* ``←`` / ``→`` (``h`` / ``l``): the previous / next audit event;
* ``[`` / ``]``: a minute back / forward; ``pgup`` / ``pgdn``: an hour;
* ``/``: type a time (``-2h``, ``01:30``, ``2026-01-18T01:30``, ``2h ago``);
* ``space``: mark this moment; ``d``: what changed from the mark (or from
  this moment to now), in the diff view;
* ``↓`` / ``enter``: browse the pane at that moment (``t`` comes back here);
* ``esc``: back to live.

The bar shows the moment, how long ago it was, the counts then, and what the
audit log cannot tell there (a pruned log, tasks without history, heartbeats
no longer kept) — said, never invented.  It reads nothing itself: steps by
event and the summary of a moment are asked of ``app.insight`` in workers,
and the dashboard (:meth:`~..screens.dashboard.DashboardScreen.set_moment`)
moves the panes.  While it is open every write key refuses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.widgets import Input, Static

from jetpack_tui.data.insight.moments import HELP, MomentError, parse_moment

from ..modals.diff_view import DiffScreen
from ..safe_text import clean, shorten
from ..timetravel import PastSummary, relative, stamp

if TYPE_CHECKING:
    from ..app import JetpackApp

COUNTS = ("ready", "blocked", "claimed", "in_progress", "failed", "completed", "cancelled", "unknown")
HINT = ("←/→ event · [/] minute · pgup/pgdn hour · / type a time · space mark · d diff · ↓ browse · "
        "esc back to live")


class TimeBar(Vertical, can_focus=True):
    """See the module docstring."""

    BINDINGS = [
        Binding("left,h", "event(-1)", "Earlier event", show=False, id="time.previous_event"),
        Binding("right,l", "event(1)", "Later event", show=False, id="time.next_event"),
        Binding("left_square_bracket", "shift(-60)", "Minute back", show=False, id="time.minute_back"),
        Binding("right_square_bracket", "shift(60)", "Minute forward", show=False, id="time.minute_forward"),
        Binding("pageup", "shift(-3600)", "Hour back", show=False, id="time.hour_back"),
        Binding("pagedown", "shift(3600)", "Hour forward", show=False, id="time.hour_forward"),
        Binding("slash", "type_time", "Go to a time", id="time.type"),
        Binding("space", "mark", "Mark", show=False, id="time.mark"),
        Binding("d", "diff", "Diff", id="time.diff"),
        Binding("down,enter", "browse", "Browse", show=False, id="time.browse"),
        Binding("escape", "live", "Back to live", id="time.live"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._stepping = False
        self._queued = 0

    def compose(self) -> ComposeResult:
        yield Static(Text(""), id="time-moment")
        yield Static(Text(""), id="time-counts")
        yield Static(Text(""), id="time-notes")
        yield Static(Text(HINT, style="dim"), id="time-hint")
        yield Input(placeholder=f"a time: {HELP}", id="time-input", compact=True)

    def on_mount(self) -> None:
        self.query_one("#time-input", Input).display = False

    @property
    def jetpack(self) -> "JetpackApp":
        return self.app  # type: ignore[return-value]

    # -- what it shows -------------------------------------------------------------------
    def show_moment(self) -> None:
        """The moment, the counts then (once known) and the notes; UI thread."""
        time = self.jetpack.time
        moment = time.moment
        if moment is None:
            return
        now = self.jetpack.clock()
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" ◀ PAST ", style="bold reverse")
        line.append(f" {stamp(moment)} ", style="bold")
        line.append(f"· {relative(moment, now)}")
        summary = time.summary if time.summary is not None and time.summary.moment == moment else None
        if summary is not None and summary.event:
            line.append(f" · {summary.event}")
        if time.mark is not None:
            line.append(f" · marked {stamp(time.mark)}", style="italic")
        self.query_one("#time-moment", Static).update(line)
        self.query_one("#time-counts", Static).update(_counts(summary))
        self.query_one("#time-notes", Static).update(_notes(summary))

    # -- moving ----------------------------------------------------------------------------
    def action_event(self, direction: int) -> None:
        """The previous / next audit event (a query: asked in a worker, one at a time)."""
        if self._stepping:
            self._queued += direction
            return
        moment = self.jetpack.time.moment
        if moment is None:
            return
        self._stepping = True
        insight = self.jetpack.insight
        self.jetpack.actions.read(lambda: insight.step(moment, direction),
                                  lambda found: self._stepped(found, direction), what="time step",
                                  on_error=self._step_failed)

    def _stepped(self, found: float | None, direction: int) -> None:
        self._stepping = False
        if found is None:
            self._queued = 0
            edge = "earlier event: the audit log begins here" if direction < 0 else "later event: this is the latest"
            self.app.notify(f"no {edge}", markup=False)
            return
        if self.jetpack.time.moment is None:
            return
        self.jetpack.dashboard.set_moment(found)
        queued, self._queued = self._queued, 0
        if queued:
            self.action_event(1 if queued > 0 else -1)

    def _step_failed(self, error: str) -> None:
        self._stepping, self._queued = False, 0
        self.app.notify(f"time step failed: {clean(error)}", severity="error", markup=False)

    def action_shift(self, seconds: int) -> None:
        moment = self.jetpack.time.moment
        if moment is not None:
            self.go(moment + seconds)

    def go(self, moment: float) -> None:
        """To ``moment``; at or after now that is the present: back to live."""
        if moment >= self.jetpack.clock():
            self.app.notify("that is now: back to live", markup=False)
            self.action_live()
            return
        self.jetpack.dashboard.set_moment(moment)

    def action_type_time(self) -> None:
        box = self.query_one("#time-input", Input)
        self.query_one("#time-hint", Static).display = False
        box.display = True
        box.value = ""
        box.focus()

    def _close_input(self) -> None:
        self.query_one("#time-input", Input).display = False
        self.query_one("#time-hint", Static).display = True
        self.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            moment = parse_moment(event.value, self.jetpack.clock())
        except MomentError as error:
            self.app.notify(str(error), severity="warning", markup=False)
            return
        if moment > self.jetpack.clock():
            self.app.notify(f"{shorten(clean(event.value), 40)} is in the future: the past only", severity="warning",
                            markup=False)
            return
        self._close_input()
        self.go(moment)

    def on_key(self, event: Key) -> None:
        """``esc`` in the time box closes the box, not the past."""
        if event.key == "escape" and self.query_one("#time-input", Input).has_focus:
            event.stop()
            self._close_input()

    def action_mark(self) -> None:
        time = self.jetpack.time
        time.mark = None if time.mark == time.moment else time.moment
        self.show_moment()

    def action_diff(self) -> None:
        time = self.jetpack.time
        if time.moment is None:
            return
        start, end = (time.mark, time.moment) if time.mark is not None else (time.moment, self.jetpack.clock())
        self.app.push_screen(DiffScreen(min(start, end), max(start, end)))

    def action_browse(self) -> None:
        self.jetpack.dashboard.active_pane.focus_main()

    def action_live(self) -> None:
        self.jetpack.dashboard.go_live()


def _counts(summary: PastSummary | None) -> Text:
    if summary is None:
        return Text("rebuilding the swarm at this moment from the audit log…", style="italic")
    counts = summary.counts
    total = sum(n for status, n in counts.items() if status not in ("ready", "blocked"))
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"then: {total:,} tasks", style="bold")
    for name in COUNTS:
        if counts.get(name):
            text.append(f" · {name.replace('_', ' ')} {counts[name]:,}")
    agents = summary.agents
    if agents:
        live = agents.get("alive", 0) + agents.get("stale", 0)
        text.append(f" │ agents {live} alive, {agents.get('busy', 0)} busy")
        if agents.get("unknown"):
            text.append(f", {agents['unknown']} unknown")
    return text


def _notes(summary: PastSummary | None) -> Text:
    if summary is None:
        return Text("")
    if not summary.notes:
        return Text("the audit log covers this moment: every task's status and owner is known", style="dim")
    more = f" (+{len(summary.notes) - 1} more: see the diff view)" if len(summary.notes) > 1 else ""
    return Text(f"⚠ {clean(summary.notes[0])}{more}", style="italic", no_wrap=True, overflow="ellipsis")
