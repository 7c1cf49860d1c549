"""Memory pane: search what the swarm learned.  A query box (keyword and
semantic results fused, with score, type, importance, agent, task), filters
by type and minimum importance, ``enter`` for the whole memory, ``L`` for
"more like this", ``T`` for the task context of the memory's task.

A :class:`~..table_pane.TablePane` whose filter box is the query: typing is
debounced (or ``enter`` at once); the search itself runs in the refresh
worker (never on the UI thread) and only the answer for the latest query is
shown.  ``esc`` leaves "more like this", then clears the query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import (DataTable, Select)  # no whitespace after Select: tests grep for SQL

from jetpack_tui.data.memory_models import MEMORY_TYPES
from jetpack_tui.data.protocol import DataLayer

from ...modals.memory_view import MemoryScreen
from ...modals.task_context import TaskContextScreen
from ...safe_text import clean, shorten
from ...widgets.detail_drawer import DetailDrawer
from ..base import FetchRequest
from ..kit.lifecycle import while_running
from ..kit.palette import Palette
from ..table_pane import TablePane
from .data import IMPORTANCE_STEPS, MemoryResults, MemoryView, fetch_memory
from .detail import render_memory
from .results import ResultTable, render_result

PREVIEW_CHARS = 2000


class MemoryPane(TablePane):
    PANE_ID = "memory"
    TITLE = "Memory"
    KEY = "6"
    TABLES = frozenset({"memories"})
    TABLE = ResultTable
    PARTS = (ResultTable, DetailDrawer)
    FILTER_HINT = "/ search: words, ids, anything"

    BINDINGS = [
        Binding("L", "more_like_this", "More like this", id="memory.similar"),
        Binding("T", "task_context", "Task context", id="memory.task_context"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view = MemoryView()
        self.searches = 0  # answers applied (tests wait on it)
        self._shown_generation = -1

    def compose_extra(self) -> ComposeResult:
        with Horizontal(classes="pane-filters"):
            yield Select([(t, t) for t in MEMORY_TYPES], prompt="any type", id="memory-type", compact=True)
            yield Select([(f"importance ≥ {v:.2f}", v) for v in IMPORTANCE_STEPS if v is not None],
                         prompt="any importance", id="memory-importance", compact=True)

    def make_table(self) -> ResultTable:
        return ResultTable(lambda result, now: render_result(result, now, Palette(self.app)), id="memory-results")

    # -- contract --------------------------------------------------------------
    def view_state(self) -> MemoryView:
        return replace(self.view, selected=self.table.selected_id)

    def fetch(self, dl: DataLayer, request: FetchRequest) -> Iterable[MemoryResults]:
        return fetch_memory(dl, request)

    def tick(self, now: float) -> None:
        self.now = now

    def filter_changed(self, text: str | None = None, quick: str | None = None) -> None:
        if text is None or (text == self.view.query and self.view.similar_to is None):
            return
        self.view = replace(self.view, query=text, similar_to=None)
        self.view_changed()

    def clear_filters(self) -> bool:
        if self.view.similar_to is not None:
            self.view = replace(self.view, similar_to=None)
            self.view_changed()
            return True
        return super().clear_filters()

    def apply_filter(self, **filters: Any) -> bool:
        """``query=``, ``type=``, ``min_importance=``, ``similar_to=``."""
        self.view = MemoryView(query=str(filters.get("query", "")), type=filters.get("type"),
                               min_importance=filters.get("min_importance"), similar_to=filters.get("similar_to"))
        self.filter_box.value = self.view.query
        self.view_changed()
        return True

    @property
    def table(self) -> ResultTable:
        return self.query_one(ResultTable)

    # -- data in -----------------------------------------------------------------
    @while_running
    def on_memory_results(self, message: MemoryResults) -> None:
        if not self.current(message):
            return
        self.searches += 1
        self.now = self.jetpack.clock()
        self.table.show(((r.id, r) for r in message.results), self.now)
        if message.generation != self._shown_generation:  # a new query: start at the best result
            self._shown_generation = message.generation
            if self.table.row_count:
                self.table.move_cursor(row=0, scroll=True)
        self.set_summary(self._summary(message))
        self._show_detail()
        self.settle_jump("memory")
        self.mark_loaded()

    def _summary(self, message: MemoryResults) -> Text:
        view, palette = message.view, Palette(self.app)
        if message.error:
            summary = Text("⚠ " + shorten(clean(message.error), 200), style=palette("bad"))
        elif view.similar_to:
            source = message.source
            what = shorten(clean(source.content if source else view.similar_to), 50)
            summary = Text(f"{len(message.results)} like “{what}” (esc: back to the query)")
        elif view.query.strip():
            summary = Text(f"{len(message.results)} result(s) for “{shorten(clean(view.query), 40)}”")
        else:
            summary = Text(f"newest {len(message.results)} of {message.total or 0} memories")
        if message.note:
            summary.append(" · " + shorten(clean(message.note), 120), style=palette("warn"))
        return summary

    def _show_detail(self) -> None:
        result = self.table.selected
        if result is None:
            self.drawer.show(Text("No memory selected.", style="italic"))
        else:
            self.drawer.show(render_memory(result.memory, self.now, content_limit=PREVIEW_CHARS))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value if isinstance(event.value, (str, int, float)) else None  # cleared: Select.NULL
        field = "type" if event.select.id == "memory-type" else "min_importance"
        if getattr(self.view, field) != value:
            self.view = replace(self.view, **{field: value})
            self.view_changed()

    # -- actions (reads only: nothing here writes) ---------------------------------
    def _selected(self, what: str) -> Any | None:
        result = self.table.selected
        if result is None:
            self.app.notify(f"{what}: select a memory first", severity="warning")
        return result

    def open_row(self) -> None:
        """``enter``: the whole memory (``L`` there: more like it)."""
        result = self._selected("open")
        if result is not None:
            self.app.push_screen(MemoryScreen(result.id), self._after_view)

    def _after_view(self, similar_to: str | None) -> None:
        if similar_to:
            self._similar(similar_to)

    def action_more_like_this(self) -> None:
        result = self._selected("more like this")
        if result is not None:
            self._similar(result.id)

    def _similar(self, memory_id: str) -> None:
        self.view = replace(self.view, similar_to=memory_id)
        self.view_changed()
        self.table.focus()

    def action_task_context(self) -> None:
        result = self._selected("task context")
        if result is None:
            return
        if not result.memory.task_id:
            self.app.notify("task context: this memory is not tied to a task", severity="warning")
            return
        self.app.push_screen(TaskContextScreen(result.memory.task_id))
