"""``enter`` on a memory: the whole memory, read again by id in a worker."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding

from jetpack_tui.data.protocol import DataLayer

from ..panes.memory.detail import render_memory
from ..safe_text import clean, shorten
from .read_view import ReadView


class MemoryScreen(ReadView[str | None]):
    """Dismissed with ``None``, or with the memory id when "more like this" is asked."""

    BINDINGS = [Binding("L", "more_like_this", "More like this", id="memory_view.similar")]
    BOX = "memory-box"
    HINT = "L: more like this · esc: close"

    def __init__(self, memory_id: str) -> None:
        super().__init__(f"Memory {shorten(clean(memory_id), 60)}")
        self.memory_id = memory_id

    def read(self, dl: DataLayer) -> Any:
        return dl.memories.find(self.memory_id)

    def render_result(self, memory: Any, now: float) -> Text:
        if memory is None:
            return Text("This memory no longer exists.", style="italic")
        return render_memory(memory, now)

    @property
    def memory(self) -> Any:
        return self.result

    def action_more_like_this(self) -> None:
        self.dismiss(self.memory_id)
