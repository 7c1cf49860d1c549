"""Typed messages of the one way in for data.

Wake-up sources (file watcher, poll, Turso sync) only say "something may
have changed" (:class:`Wake`) or that they failed; the refresher posts them
to itself.  The refresh worker (a thread) hands each finished run back as
:class:`RunDone`, which the refresher applies on the UI thread in one go.
Tests record these with ``run_test(message_hook=...)``.  Rows of one pane
are :class:`PaneData` subclasses living next to their pane.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from .refresh.run import RunResult


class Wake(Message):
    """Something may have changed (a file event, a poll tick, a Turso sync)."""

    def __init__(self, reason: str = "poll") -> None:
        super().__init__()
        self.reason = reason


class SourceFailed(Message):
    """The wake-up source failed (watcher error, sync failure): the data shown is getting old."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class SourceRecovered(Message):
    """The wake-up source works again."""


class RunDone(Message):
    """One run of the refresh worker finished (posted even when it failed)."""

    def __init__(self, result: "RunResult") -> None:
        super().__init__()
        self.result = result


@dataclass(frozen=True)
class Summary:
    """What the status line counts (and the task board derives its totals from).

    ``at`` is the app's clock when it was read, ``cost`` the seconds the read took.
    """

    tasks: dict[str, int] = field(default_factory=dict)
    at: float = 0.0
    cost: float = 0.0


class PaneData(Message):
    """Base of the rows a pane's ``fetch`` returns; ``generation`` is the pane's
    view generation the rows were read for (stale answers are dropped)."""

    def __init__(self, generation: int) -> None:
        super().__init__()
        self.generation = generation
