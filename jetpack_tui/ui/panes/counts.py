"""A pane that shows a few counts: the starting point of the placeholder panes.

Overview, Agents, Mail, Reservations and Memory start as this (counts only)
and follow the full pattern of :mod:`.base`: ``fetch`` runs in the refresh
worker and returns :class:`CountsLoaded`; the handler renders it.  Replace
``read_counts`` and ``compose`` when building the real pane.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Static

from ..messages import PaneData
from ..safe_text import clean
from .base import FetchRequest, Pane


class CountsLoaded(PaneData):
    def __init__(self, generation: int, counts: dict[str, Any], note: str = "") -> None:
        super().__init__(generation)
        self.counts = counts
        self.note = note


class CountsPane(Pane):
    """Shows ``read_counts(dl)`` as ``label: number`` lines."""

    NOTE = ""

    def compose(self) -> ComposeResult:
        yield Static(Text(self.TITLE, style="bold"), classes="pane-title")
        yield Static("loading…", classes="counts-body")

    def read_counts(self, dl: Any) -> dict[str, Any]:
        """Worker thread: DataLayer calls only."""
        return {}

    def fetch(self, dl: Any, request: FetchRequest) -> Iterable[Message]:
        return [CountsLoaded(request.generation, self.read_counts(dl), self.NOTE)]

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        message.stop()
        if not self.current(message):
            return
        body = Text()
        for label, value in message.counts.items():
            body.append(f"{clean(label):>16}  ", style="bold")
            body.append(f"{value:,}\n" if isinstance(value, int) else f"{clean(value)}\n")
        if message.note:
            body.append("\n" + message.note, style="italic")
        self.query_one(".counts-body", Static).update(body)
        self.mark_loaded()


def optional_count(sub: Any, method: str = "count", **kwargs: Any) -> int | str:
    """``sub.method(**kwargs)`` if that sub-interface has it yet, else a note."""
    fn = getattr(sub, method, None)
    if not callable(fn):
        return "not available yet"
    return fn(**kwargs)
