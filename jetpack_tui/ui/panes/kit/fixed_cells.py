"""A DataTable without the costs that only auto-sized columns need.

Textual's DataTable is written for any table: columns that grow to their
widest cell, rows of any height.  Ours (:class:`.keyed_table.KeyedTable`)
give every column a width of their own and every row one line, and change a
few cells at a time, five times a second under a busy swarm.  Profiled at 1M
tasks with 100 changes/s (``bench/tui.py``), the UI thread spent:

* ~45 ms per new 200-row page, and ~6 ms per narrower cell of a live
  update, *measuring* cells to size auto-width columns — there are none;
* 40–90 ms per refresh re-rendering every visible cell, because DataTable
  keys its cell cache by a counter that any ``update_cell`` bumps: one
  changed cell re-renders all ~220 cells on screen.

Here measuring is skipped (only the virtual size is recomputed), and a cell's
rendering is kept while the cell *object* and everything its look depends on
(row position, width, styles, cursor, hover) are the same.  Cells are never
mutated in place — a changed cell is a new object — so identity is the test
of "same content".  These are DataTable's private hooks: the tests of the
board's snapshots and cell updates pin what they must keep doing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable


class FixedCellTable(DataTable):
    """A DataTable of fixed-width columns and one-line rows (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        #: ``(row key, column key) -> (cell, look, lines)`` for the cells rendered last
        #: (set first: DataTable's constructor already clears the caches).
        self._cell_lines: dict[tuple[Any, Any], tuple[Any, tuple, Any]] = {}
        super().__init__(*args, **kwargs)

    def _update_dimensions(self, new_rows: Iterable[Any]) -> None:
        super()._update_dimensions(())

    def _update_column_widths(self, updated_cells: set[Any]) -> None:
        self._require_update_dimensions = True

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._cell_lines.clear()

    def notify_style_update(self) -> None:  # a new theme: DataTable drops its caches one by one here
        super().notify_style_update()
        self._cell_lines.clear()

    def _render_cell(self, row_index: int, column_index: int, base_style: Any, width: int,
                     cursor: bool = False, hover: bool = False) -> Any:
        if row_index < 0 or column_index < 0:  # the header and row labels: DataTable's own cache
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cell = self._data[row_key][column_key]
        look = (row_index, column_index, width, base_style, cursor, hover, self._show_hover_cursor,
                self._pseudo_class_state, self.show_cursor)
        kept = self._cell_lines.get((row_key, column_key))
        if kept is not None and kept[0] is cell and kept[1] == look:
            return kept[2]
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._cell_lines[(row_key, column_key)] = (cell, look, lines)
        return lines
