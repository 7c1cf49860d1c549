"""A DataTable whose rows are keyed by entity id and updated cell by cell.

The panes hand it the rows they want shown, in order; it reconciles with
what is on screen (``update_cell`` for changed cells only, ``add_row`` /
``remove_row`` by key) instead of clearing, so cursor and scroll stay put
and nothing flickers.  ``retick`` re-renders only the time-based cells
whose text changed.  The cursor follows the selected *id*, not the index.

It also lays its columns out for its width (:mod:`.columns`: ids whole, the
title takes the rest, less important columns hidden when narrow) and shows
the operator's marks (``space``/``V`` on a pane) with a marker in the first cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual.binding import Binding
from textual.events import Resize
from textual.widgets.data_table import RowDoesNotExist

from ...safe_text import clean, shorten
from .columns import Col, layout
from .fixed_cells import FixedCellTable

T = TypeVar("T")
MARK = "● "

__all__ = ["Col", "KeyText", "KeyedTable", "key_cell"]


def _signature(cell: Text) -> str:
    return cell.plain + "\0" + str(cell.style)


class KeyText(Text):
    """The first cell of a row; remembers the row key so rows can be ordered."""

    row_key: str = ""


def key_cell(row_key: str, label: Any, *, style: str = "", limit: int = 200) -> KeyText:
    text = KeyText(shorten(clean(label), limit), no_wrap=True, overflow="ellipsis", style=style)
    text.row_key = row_key
    return text


def _marked(cell: Text) -> KeyText:
    out = KeyText(MARK, style="bold", no_wrap=True, overflow="ellipsis")
    out.append_text(cell)
    out.row_key = getattr(cell, "row_key", "")
    return out


#: More rows than this leaving at once: the table is emptied instead.
BULK_DROP = 16


class KeyedTable(FixedCellTable, Generic[T]):
    """``render(item, now) -> cells`` builds a row in :attr:`COLUMNS` order."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "scroll_top", "First row", show=False, id="table.first"),
        Binding("G", "scroll_bottom", "Last row", show=False, id="table.last"),
    ]
    COLUMNS: Sequence[Col] = ()

    def __init__(self, render: Callable[[T, float], Sequence[Text]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._render = render
        self._rows: dict[str, tuple[Text, ...]] = {}
        self._cells: dict[str, tuple[str, ...]] = {}
        self.items: dict[str, T] = {}
        self.marked: set[str] = set()
        self.shown_columns: tuple[tuple[str, int], ...] = ()
        #: Widest cell of each ``auto`` column; grows as rows change, exact again on ``show``.
        self._content: dict[str, int] = {}
        self._auto = [(c.key, i) for i, c in enumerate(self.COLUMNS) if c.auto]
        self._index = {c.key: i for i, c in enumerate(self.COLUMNS)}

    def on_mount(self) -> None:
        self.relayout()

    def on_resize(self, event: Resize) -> None:
        self.relayout()

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.shown_columns)

    # -- columns ----------------------------------------------------------------
    def _measure(self, cells: tuple[Text, ...]) -> None:
        for key, index in self._auto:
            width = cells[index].cell_len
            if width > self._content.get(key, 0):
                self._content[key] = width

    def relayout(self) -> None:
        """Fit the columns to the width: new widths when only they changed,
        a rebuild of the table when other columns are shown."""
        content = dict(self._content)
        if self.marked and self.COLUMNS and self.COLUMNS[0].auto:
            content[self.COLUMNS[0].key] = content.get(self.COLUMNS[0].key, 0) + len(MARK)  # never cut an id
        wanted = layout(self.COLUMNS, self.size.width or 120, content)
        if wanted == self.shown_columns:
            return
        if [k for k, _ in wanted] == list(self.column_keys):
            self._set_widths(wanted)
            return
        selected, row = self.selected_id, self.cursor_row
        order = [r.key.value for r in self.ordered_rows] if self.row_count else []
        self.clear(columns=True)
        self._cells.clear()
        self.shown_columns = wanted
        labels = {c.key: c.label for c in self.COLUMNS}
        for key, width in wanted:
            self.add_column(labels[key], key=key, width=width)
        for key in order:
            self._add(key, self._rows[key])
        self.restore_cursor(selected, row)

    def _set_widths(self, wanted: tuple[tuple[str, int], ...]) -> None:
        """New widths for the columns shown (DataTable has no public setter:
        its column records are updated and its caches dropped, as
        ``add_column`` and ``remove_column`` do internally)."""
        for key, width in wanted:
            column = self.columns[key]  # type: ignore[index]
            column.width, column.auto_width = width, False
        self.shown_columns = wanted
        self._require_update_dimensions = True
        self._clear_caches()
        self.refresh()

    def _visible(self, row_key: str, cells: tuple[Text, ...]) -> list[Text]:
        index = self._index
        shown = [cells[index[key]] for key, _ in self.shown_columns]
        if shown and row_key in self.marked:
            shown[0] = _marked(shown[0])
        return shown

    def _add(self, row_key: str, cells: tuple[Text, ...]) -> None:
        visible = self._visible(row_key, cells)
        self.add_row(*visible, key=row_key)
        self._cells[row_key] = tuple(map(_signature, visible))

    # -- selection -------------------------------------------------------------
    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - cursor outside the rows
            return None

    @property
    def selected(self) -> T | None:
        key = self.selected_id
        return None if key is None else self.items.get(key)

    def select(self, row_key: str, *, scroll: bool = True) -> bool:
        try:
            index = self.get_row_index(row_key)
        except RowDoesNotExist:
            return False
        self.move_cursor(row=index, scroll=scroll)
        return True

    def shown_keys(self) -> list[str]:
        return [row.key.value for row in self.ordered_rows if row.key.value is not None]

    def set_marks(self, keys: Iterable[str]) -> None:
        """Mark exactly ``keys`` (those on the page); re-render the rows whose mark changed."""
        wanted = {k for k in keys if k in self.items}
        changed, self.marked = wanted ^ self.marked, wanted
        for key in changed:
            self._refresh_row(key)
        self.relayout()

    # -- keyed updates ------------------------------------------------------------
    def upsert(self, row_key: str, item: T, now: float) -> bool:
        """Add or update one row; True when a row was added."""
        return self._put(row_key, item, tuple(self._render(item, now)))

    def _put(self, row_key: str, item: T, cells: tuple[Text, ...]) -> bool:
        self.items[row_key] = item
        self._rows[row_key] = cells
        self._measure(cells)
        if row_key not in self._cells:
            self._add(row_key, cells)
            return True
        self._refresh_row(row_key)
        return False

    def _refresh_row(self, row_key: str) -> None:
        if row_key not in self._cells:
            return
        visible = self._visible(row_key, self._rows[row_key])
        plain = tuple(map(_signature, visible))
        for key, old, new, value in zip(self.column_keys, self._cells[row_key], plain, visible):
            if old != new:
                self.update_cell(row_key, key, value)
        self._cells[row_key] = plain

    def drop(self, row_key: str) -> None:
        if row_key in self._cells:
            self.remove_row(row_key)
            del self._cells[row_key]
        self._rows.pop(row_key, None)
        self.items.pop(row_key, None)
        self.marked.discard(row_key)

    def show(self, rows: Iterable[tuple[str, T]], now: float, *, keep_cursor: bool = True) -> None:
        """Show exactly ``rows`` (``(key, item)``) in this order, reconciling by
        key; the cursor stays on its row (or goes to the top)."""
        selected = self.selected_id if keep_cursor else None
        index = self.cursor_row if keep_cursor else 0
        ordered = list(rows)
        wanted = {key for key, _ in ordered}
        stale = [k for k in self.items if k not in wanted]
        if len(stale) > BULK_DROP:
            # DataTable.remove_row costs O(rows): a new page dropped row by row
            # was quadratic (0.4 s for 200 rows); start from an empty table.
            self.clear()
            self._cells.clear()
            self._rows.clear()
            self.items.clear()
            self.marked &= wanted
        else:
            for key in stale:
                self.drop(key)
        # The widths the new rows need first: a layout change then never re-adds the rows twice.
        rendered = [(key, item, tuple(self._render(item, now))) for key, item in ordered]
        self._content = {}
        for _key, _item, cells in rendered:
            self._measure(cells)
        self.relayout()
        for key, item, cells in rendered:
            self._put(key, item, cells)
        self.order_by([key for key, _ in ordered])
        self.restore_cursor(selected, index)

    def order_by(self, keys: list[str]) -> None:
        """Put the rows in this order (keys not shown are ignored).  A no-op
        when the order is already right: any sort repaints every visible cell."""
        if self.shown_keys() == [k for k in keys if k in self._cells] or not self.column_keys:
            return
        position = {key: i for i, key in enumerate(keys)}
        self.sort(self.column_keys[0], key=lambda cell: position.get(getattr(cell, "row_key", ""), len(position)))

    def restore_cursor(self, selected: str | None, index: int) -> None:
        if selected is not None and self.select(selected, scroll=False):
            return
        if self.row_count:
            self.move_cursor(row=max(0, min(index, self.row_count - 1)), scroll=False)

    def retick(self, now: float) -> None:
        """Re-render every row at ``now`` and update the cells whose text or
        style changed (ages, countdowns, liveness colours); others are kept."""
        for row_key, item in list(self.items.items()):
            self.upsert(row_key, item, now)
