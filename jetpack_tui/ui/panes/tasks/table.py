"""The task board's table: a :class:`KeyedTable` of tasks plus SQL paging.

It holds one SQL page (a few hundred rows at most), reconciled by task id
like every keyed table (changed cells only, cursor follows the task).  What
it adds: the page keys that ask the pane for the next or previous SQL page
at the edges, and the sort marker in the column headers.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from jetpack_tui.data.models import Task

from ..kit.keyed_table import KeyedTable, nav_bindings
from ..kit.palette import Palette
from .columns import COLUMNS, row_cells


class TaskTable(KeyedTable[Task]):
    BINDINGS = [
        *nav_bindings("tasks"),
        Binding("pagedown", "page_down", "Page down (next SQL page at the end)", show=False, id="tasks.page_down"),
        Binding("pageup", "page_up", "Page up (previous SQL page at the top)", show=False, id="tasks.page_up"),
    ]

    COLUMNS = COLUMNS

    class EdgeReached(Message):
        """Paging past the last (``step`` 1) or first (-1) row of the page."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self, **kwargs) -> None:
        super().__init__(lambda task, now: row_cells(task, now, Palette(self.app)), **kwargs)

    @property
    def tasks(self) -> dict[str, Task]:
        """The tasks shown, by id."""
        return self.items

    def set_sort_marker(self, sort: str, descending: bool) -> None:
        for column in COLUMNS:
            label = column.label + ((" ▼" if descending else " ▲") if column.sort == sort else "")
            self.columns[column.key].label = Text(label)  # type: ignore[index]
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
