"""The one-line status bar: where the data comes from, is it live, how fresh,
and the counts that need attention.

It only renders a :class:`StatusState` the screen hands it; it never reads
the database.  When refreshing or syncing fails it turns into a warning with
the age of the data and the reason, and the panes keep showing the last data.

The line is fitted to its width by priority (:func:`fit`): state and
freshness first, then what needs attention (failed tasks, dead and stale
agents), then the other counts, then where the data lives.  Less important
parts are shortened, then dropped; the warning is shortened, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.events import Resize
from textual.widgets import Static

from jetpack_tui.data.models import LIVENESS_STATES, Liveness

from ..messages import Summary
from ..safe_text import clean, shorten
from ..timefmt import span

TASK_ORDER = ("ready", "blocked", "claimed", "in_progress", "failed", "cancelled", "completed")
SEPARATOR = " │ "
#: Priorities: the highest number is shortened, then dropped, first.
STATE, FRESH, ATTENTION, WORK, TOTAL, PLACE, REST, SOURCE = range(8)
#: Why the data is stale: shortened once the place and the totals are gone,
#: before any count that needs attention; never dropped.
REASON = 3.5


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
    #: alive / stale / dead / stopped, classified at render time.
    agents: dict[str, int] | None = None
    #: The moment shown when the dashboard shows the past (time travel), in words.
    past: str | None = None


def liveness_counts(beats: Iterable[tuple[float | None, str]] | None, now: float,
                    thresholds: Liveness) -> dict[str, int] | None:
    """alive/stale/dead/stopped from ``(last heartbeat, status)``, with the Agents
    pane's clock and the database's liveness rule."""
    if beats is None:
        return None
    counts = dict.fromkeys(LIVENESS_STATES, 0)
    for beat, status in beats:
        counts[thresholds.of(beat, status, now)] += 1
    return counts


@dataclass
class Part:
    """One piece of the line: renderings from longest to shortest, and how
    important it is.  Parts of one ``group`` are separated by a space, groups
    by :data:`SEPARATOR`."""

    priority: float
    renderings: list[Text]
    group: str = ""
    #: Shortened but never dropped.
    keep: bool = False
    #: When it is shortened (default: with its priority); dropping follows ``priority``.
    shorten_at: float | None = None

    def next_step(self) -> float:
        """The rank of this part's next shortening or dropping (highest goes first)."""
        if self.choice + 1 < len(self.renderings) and self.shorten_at is not None:
            return self.shorten_at
        return self.priority

    def __post_init__(self) -> None:
        self.choice = 0

    @property
    def text(self) -> Text:
        return self.renderings[self.choice]


def _t(text: str, style: str = "") -> Text:
    return Text(text, style=style)


def _state_parts(state: StatusState) -> list[Part]:
    if state.past is not None:  # the counts that follow are those of then
        return [Part(STATE, [_t(f" ◀ PAST {state.past} ", "bold reverse"), _t(" ◀ PAST ", "bold reverse")],
                     "state", keep=True)]
    if state.error:
        age = "?" if state.data_age is None else span(state.data_age)
        reason = clean(state.error)
        return [Part(STATE, [Text.assemble((" ⚠ STALE ", "bold reverse"), f" data {age} old:"),
                             Text.assemble((" ⚠ STALE ", "bold reverse"), f" {age}:")], "state", keep=True),
                Part(REASON, [_t(shorten(reason, limit)) for limit in (120, 60, 30, 16)], "state", keep=True)]
    if state.paused:
        return [Part(STATE, [_t(" ⏸ PAUSED ", "bold reverse")], "state")]
    if state.loading:
        return [Part(STATE, [_t(" … LOADING ", "bold")], "state")]
    return [Part(STATE, [_t(" ● LIVE", "bold")], "state"), Part(SOURCE, [_t(f"({state.source})")], "state")]


def _place_parts(state: StatusState) -> list[Part]:
    location = clean(state.location)
    short = location.replace("\\", "/").rsplit("/", 1)[-1]
    # A long path is shortened to its file name before any count is dropped.
    parts = [Part(PLACE, [Text.assemble((f"{state.mode} ", "bold"), location),
                          Text.assemble((f"{state.mode} ", "bold"), shorten(short, 24))], "state",
                  shorten_at=SOURCE)]
    if state.read_only:
        parts.append(Part(STATE, [_t("[read-only]", "bold"), _t("[ro]", "bold")], "state"))
    if state.since_change is not None and not state.error and state.past is None:
        when = span(state.since_change)
        parts.append(Part(FRESH, [_t(f"changed {when} ago"), _t(f"{when} ago")], "fresh"))
    return parts


def _agent_parts(agents: dict[str, int]) -> list[Part]:
    alive = agents.get("alive", 0)
    parts = [Part(TOTAL, [_t(f"agents {alive} alive"), _t(f"{alive} alive")], "agents")]
    for name in ("stale", "dead"):
        n = agents.get(name, 0)
        if n:
            parts.append(Part(ATTENTION, [_t(f"{n} {name}", "bold")], "agents"))
    if agents.get("stopped"):  # they said goodbye: not something to act on
        parts.append(Part(REST, [_t(f"{agents['stopped']} stopped")], "agents"))
    return parts


def _task_parts(counts: dict[str, int]) -> list[Part]:
    total = sum(n for status, n in counts.items() if status not in ("ready", "blocked"))
    parts = [Part(TOTAL, [_t(f"tasks {total:,}:")], "tasks")]
    for status in TASK_ORDER:
        n = counts.get(status)
        if not n:
            continue
        label = status.replace("_", " ")
        if status == "failed":
            parts.append(Part(ATTENTION, [_t(f"{label} {n:,}", "bold")], "tasks"))
        else:
            priority = REST if status in ("cancelled", "completed") else WORK
            parts.append(Part(priority, [_t(f"{label} {n:,}"), _t(f"{label[:4]} {n:,}")], "tasks"))
    for status in sorted(s for s in counts if s not in TASK_ORDER and s != "pending"):
        parts.append(Part(ATTENTION, [_t(f"{shorten(clean(status), 16)}? {counts[status]:,}", "bold")], "tasks"))
    return parts


def parts_of(state: StatusState) -> list[Part]:
    parts = _state_parts(state) + _place_parts(state)
    if state.summary is not None:
        parts += _agent_parts(state.agents or {})
        parts += _task_parts(state.summary.tasks)
    return parts


def _joined(parts: list[Part]) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    group = None
    for part in parts:
        if out:
            out.append(" " if part.group == group else SEPARATOR)
        out.append_text(part.text)
        group = part.group
    return out


def fit(parts: list[Part], width: int) -> Text:
    """The parts joined within ``width``: the least important part is
    shortened first, then dropped (``keep`` parts and the state are only
    shortened); then what was dropped is put back, most important first,
    where it still fits.  What does not fit at all is cut with an ellipsis."""
    shown = list(parts)
    while len(_joined(shown)) > width:
        candidates = [p for p in shown if p.choice + 1 < len(p.renderings) or not (p.keep or p.priority == STATE)]
        if not candidates:
            break
        worst = max(candidates, key=lambda p: (p.next_step(), -shown.index(p)))
        if worst.choice + 1 < len(worst.renderings):
            worst.choice += 1
        else:
            shown.remove(worst)
    for part in sorted((p for p in parts if p not in shown), key=lambda p: (p.priority, parts.index(p))):
        trial = [p for p in parts if p in shown or p is part]
        fitting = None
        for choice in range(len(part.renderings) - 1, -1, -1):
            part.choice = choice
            if len(_joined(trial)) > width:
                break
            fitting = choice
        if fitting is not None:
            part.choice, shown = fitting, trial
    return _joined(shown)


def render_status(state: StatusState, width: int = 10_000) -> Text:
    return fit(parts_of(state), width)


class StatusLine(Static):
    """Top bar; ``-warning`` / ``-paused`` classes switch its colours in CSS."""

    _shown: str | None = None
    _state: StatusState | None = None

    def show(self, state: StatusState) -> None:
        """Render ``state`` to the width; a no-op when nothing visible changed
        (it is called after every refresh run, and a repaint costs a frame)."""
        self._state = state
        self.set_class(bool(state.error), "-warning")
        self.set_class(state.paused and not state.error, "-paused")
        self.set_class(state.past is not None, "-past")
        text = render_status(state, self.size.width or 10_000)
        if text.plain != self._shown:
            self._shown = text.plain
            self.update(text, layout=False)  # one line, fixed height: no relayout

    def on_resize(self, event: Resize) -> None:
        if self._state is not None:
            self._shown = None
            self.show(self._state)
