"""Typed messages between the refresh worker (a thread) and the UI.

One way in for data: feed sources and the refresh worker post these; panes
and the status line apply them on the UI thread.  Tests record them with
``run_test(message_hook=...)``.  Pane-specific messages (rows of one pane)
live next to their pane and subclass :class:`PaneData`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from jetpack_tui.data.changes import ChangeSet


class FeedDelivered(Message):
    """A feed source (the file watcher) read changes after another process committed."""

    def __init__(self, changes: ChangeSet, cursor: int) -> None:
        super().__init__()
        self.changes = changes
        self.cursor = cursor


class FeedPoke(Message):
    """Something may have changed (a Turso sync finished): read the change feed now."""

    def __init__(self, reason: str = "sync") -> None:
        super().__init__()
        self.reason = reason


class FeedFailed(Message):
    """The feed source (watcher, sync) failed; the data shown is getting old."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


@dataclass(frozen=True)
class Summary:
    """What the status line counts."""

    tasks: dict[str, int] = field(default_factory=dict)
    at: float = 0.0


class AgentHeartbeats(Message):
    """Each agent's ``(last heartbeat (epoch; None if never), status)``, read
    whenever the agents table changed.  Liveness changes with time alone, so
    the status line classifies these at every tick with the same clock and
    thresholds as the Agents pane (a count read once would go stale); the
    status tells a stopped agent from a dead one."""

    def __init__(self, beats: tuple[tuple[float | None, str], ...]) -> None:
        super().__init__()
        self.beats = beats


class StatusCounts(Message):
    def __init__(self, summary: Summary) -> None:
        super().__init__()
        self.summary = summary


class RefreshDone(Message):
    """One run of the refresh worker finished (posted even when it failed)."""

    def __init__(self, *, job: int, cursor: int | None, tables: frozenset[str], changed: int,
                 reload: bool, error: str | None, failed_panes: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.job = job
        self.cursor = cursor
        self.tables = tables
        self.changed = changed
        self.reload = reload
        self.error = error
        self.failed_panes = failed_panes


class PaneData(Message):
    """Base of the rows a pane's ``fetch`` returns; ``generation`` is the pane's
    view generation the rows were read for (stale answers are dropped)."""

    def __init__(self, generation: int) -> None:
        super().__init__()
        self.generation = generation
