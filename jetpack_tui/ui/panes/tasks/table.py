"""The task board's table: rows keyed by task id, updated cell by cell.

It holds one SQL page (a few hundred rows at most).  A reload reconciles
the page with what is shown (changed cells via ``update_cell``, rows added
or removed by key) instead of clearing, so cursor and scroll stay put and
nothing flickers; ``retick`` re-renders only the time-based cells whose text
changed.  The cursor follows the selected *task*, not the row index.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from jetpack_tui.data.models import Task

from ..kit.palette import Palette
from .columns import COLUMN_KEYS, COLUMNS, TIME_COLUMNS, row_cells


class TaskTable(DataTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="tasks.down"),
        Binding("k", "cursor_up", "Up", show=False, id="tasks.up"),
        Binding("g", "scroll_top", "First row", show=False, id="tasks.first"),
        Binding("G", "scroll_bottom", "Last row", show=False, id="tasks.last"),
        Binding("pagedown", "page_down", "Page down (next SQL page at the end)", show=False, id="tasks.page_down"),
        Binding("pageup", "page_up", "Page up (previous SQL page at the top)", show=False, id="tasks.page_up"),
    ]

    class EdgeReached(Message):
        """Paging past the last (``step`` 1) or first (-1) row of the page."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._cells: dict[str, tuple[str, ...]] = {}
        self.tasks: dict[str, Task] = {}

    @property
    def _palette(self) -> Palette:
        """Theme colours for status and priority cells (looked up at render time)."""
        return Palette(self.app)

    def on_mount(self) -> None:
        for column in COLUMNS:
            self.add_column(column.label, key=column.key, width=column.width)

    # -- selection -------------------------------------------------------------
    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - cursor outside rows
            return None
        return key.value

    def select(self, task_id: str, *, scroll: bool = True) -> bool:
        try:
            index = self.get_row_index(task_id)
        except RowDoesNotExist:
            return False
        self.move_cursor(row=index, scroll=scroll)
        return True

    # -- keyed updates ------------------------------------------------------------
    def upsert(self, task: Task, now: float) -> bool:
        """Add or update one row; True when a row was added."""
        cells = row_cells(task, now, self._palette)
        plain = tuple(c.plain for c in cells)
        self.tasks[task.id] = task
        previous = self._cells.get(task.id)
        if previous is None:
            self.add_row(*cells, key=task.id)
            self._cells[task.id] = plain
            return True
        for key, old, new, value in zip(COLUMN_KEYS, previous, plain, cells):
            if old != new:
                self.update_cell(task.id, key, value)
        self._cells[task.id] = plain
        return False

    def drop(self, task_id: str) -> None:
        if task_id in self._cells:
            self.remove_row(task_id)
            del self._cells[task_id]
            self.tasks.pop(task_id, None)

    def order_by(self, ids: list[str]) -> None:
        """Put the rows in this order (ids not shown are ignored).  A no-op when
        the order is already right: any sort repaints every visible cell."""
        if [row.key.value for row in self.ordered_rows] == [i for i in ids if i in self._cells]:
            return
        position = {task_id: index for index, task_id in enumerate(ids)}
        self.sort(COLUMN_KEYS[0], key=lambda cell: position.get(getattr(cell, "task_id", ""), len(position)))

    def show_tasks(self, tasks: list[Task], now: float, *, keep_cursor: bool = True) -> None:
        """Make the table show exactly ``tasks`` in this order (reconciling by id)."""
        selected = self.selected_id if keep_cursor else None
        index = self.cursor_row
        wanted = {t.id for t in tasks}
        for task_id in [k for k in self._cells if k not in wanted]:
            self.drop(task_id)
        for task in tasks:
            self.upsert(task, now)
        self.order_by([t.id for t in tasks])
        self.restore_cursor(selected, index if keep_cursor else 0)

    def restore_cursor(self, selected: str | None, index: int) -> None:
        if selected is not None and self.select(selected, scroll=False):
            return
        if self.row_count:
            self.move_cursor(row=max(0, min(index, self.row_count - 1)), scroll=False)

    def retick(self, now: float) -> None:
        """Re-render the cells that change with time (age, lease left)."""
        columns = [COLUMN_KEYS.index(k) for k in TIME_COLUMNS]
        for task_id, task in self.tasks.items():
            cells = row_cells(task, now, self._palette)
            old = self._cells[task_id]
            if all(old[i] == cells[i].plain for i in columns):
                continue
            for i in columns:
                if old[i] != cells[i].plain:
                    self.update_cell(task_id, COLUMN_KEYS[i], cells[i])
            self._cells[task_id] = tuple(c.plain for c in cells)

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
