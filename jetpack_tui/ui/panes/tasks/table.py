"""The task board's table: a :class:`KeyedTable` of tasks plus SQL paging.

It holds one SQL page (a few hundred rows at most), reconciled by task id
like every keyed table (changed cells only, cursor follows the task).  What
it adds: the keys that ask the pane for another SQL page — ``pgdn``/``pgup``
past the edge of the page, ``G``/``ctrl+end`` for the real end of the board
and ``g``/``ctrl+home`` for its start — and the sort marker in the headers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from jetpack_tui.data.models import Task

from ..kit.keyed_table import KeyedTable
from ..kit.palette import Palette
from .columns import COLUMNS, SORT_OF, row_cells


class TaskTable(KeyedTable[Task]):
    BINDINGS = [
        Binding("pagedown", "page_down", "Page down (next SQL page at the end)", show=False, id="tasks.page_down"),
        Binding("pageup", "page_up", "Page up (previous SQL page at the top)", show=False, id="tasks.page_up"),
    ]

    COLUMNS = COLUMNS

    class EdgeReached(Message):
        """Paging past the page: ``step`` 1 / -1 (next / previous page), or
        ``"end"`` / ``"start"`` of the whole board."""

        def __init__(self, step: int | str) -> None:
            super().__init__()
            self.step = step

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(lambda task, now: row_cells(task, now, Palette(self.app), self.stuck_of(task.id)), **kwargs)
        #: Set by the pane: why a task can never run, in a word (``None``: it can).
        self.stuck_of: Callable[[str], str | None] = lambda _task_id: None
        self.sort_marker: tuple[str, bool] = ("priority", False)
        #: Set by the pane: are there rows before / after this page?
        self.more_before = False
        self.more_after = False

    @property
    def tasks(self) -> dict[str, Task]:
        """The tasks shown, by id."""
        return self.items

    def set_sort_marker(self, sort: str, descending: bool) -> None:
        self.sort_marker = (sort, descending)
        self._label_columns()

    def relayout(self) -> None:
        before = self.shown_columns
        super().relayout()
        if self.shown_columns != before:
            self._label_columns()

    def _label_columns(self) -> None:
        sort, descending = self.sort_marker
        for column in COLUMNS:
            if column.key in self.columns:
                marker = (" ▼" if descending else " ▲") if SORT_OF.get(column.key) == sort else ""
                self.columns[column.key].label = Text(column.label + marker)  # type: ignore[index]
        self.refresh()

    # -- paging at the edges -----------------------------------------------------------
    def action_page_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.EdgeReached(1))
            return
        super().action_page_down()

    def action_page_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.EdgeReached(-1))
            return
        super().action_page_up()

    def action_scroll_bottom(self) -> None:
        """``G`` / ``ctrl+end``: the last row of the board, not of this page."""
        if self.more_after:
            self.post_message(self.EdgeReached("end"))
            return
        super().action_scroll_bottom()

    def action_scroll_top(self) -> None:
        if self.more_before:
            self.post_message(self.EdgeReached("start"))
            return
        super().action_scroll_top()
