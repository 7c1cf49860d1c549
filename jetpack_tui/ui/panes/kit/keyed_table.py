"""A DataTable whose rows are keyed by entity id and updated cell by cell.

The panes hand it the rows they want shown, in order; it reconciles with
what is on screen (``update_cell`` for changed cells only, ``add_row`` /
``remove_row`` by key) instead of clearing, so cursor and scroll stay put
and nothing flickers.  ``retick`` re-renders only the time-based cells
whose text changed.  The cursor follows the selected *id*, not the index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from ...safe_text import clean, shorten

T = TypeVar("T")


def _signature(cell: Text) -> str:
    return cell.plain + "\0" + str(cell.style)


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    width: int | None = None


class KeyText(Text):
    """The first cell of a row; remembers the row key so rows can be ordered."""

    row_key: str = ""


def key_cell(row_key: str, label: Any, *, style: str = "", limit: int = 60) -> KeyText:
    text = KeyText(shorten(clean(label), limit), no_wrap=True, overflow="ellipsis", style=style)
    text.row_key = row_key
    return text


def nav_bindings(pane: str) -> list[Binding]:
    """vi-style row keys with remappable ids (``<pane>.down`` …)."""
    return [
        Binding("j", "cursor_down", "Down", show=False, id=f"{pane}.down"),
        Binding("k", "cursor_up", "Up", show=False, id=f"{pane}.up"),
        Binding("g", "scroll_top", "First row", show=False, id=f"{pane}.first"),
        Binding("G", "scroll_bottom", "Last row", show=False, id=f"{pane}.last"),
    ]


class KeyedTable(DataTable, Generic[T]):
    """``render(item, now) -> cells`` builds a row in :attr:`COLUMNS` order."""

    COLUMNS: Sequence[Col] = ()

    def __init__(self, render: Callable[[T, float], Sequence[Text]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._render = render
        self._cells: dict[str, tuple[str, ...]] = {}
        self.items: dict[str, T] = {}

    def on_mount(self) -> None:
        for column in self.COLUMNS:
            self.add_column(column.label, key=column.key, width=column.width)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.COLUMNS)

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

    # -- keyed updates ------------------------------------------------------------
    def upsert(self, row_key: str, item: T, now: float) -> bool:
        """Add or update one row; True when a row was added."""
        cells = tuple(self._render(item, now))
        plain = tuple(map(_signature, cells))
        self.items[row_key] = item
        previous = self._cells.get(row_key)
        if previous is None:
            self.add_row(*cells, key=row_key)
            self._cells[row_key] = plain
            return True
        for key, old, new, value in zip(self.column_keys, previous, plain, cells):
            if old != new:
                self.update_cell(row_key, key, value)
        self._cells[row_key] = plain
        return False

    def drop(self, row_key: str) -> None:
        if row_key in self._cells:
            self.remove_row(row_key)
            del self._cells[row_key]
            self.items.pop(row_key, None)

    def show(self, rows: Iterable[tuple[str, T]], now: float, *, keep_cursor: bool = True) -> None:
        """Show exactly ``rows`` (``(key, item)``) in this order, reconciling by
        key; the cursor stays on its row (or goes to the top)."""
        selected = self.selected_id if keep_cursor else None
        index = self.cursor_row if keep_cursor else 0
        ordered = list(rows)
        wanted = {key for key, _ in ordered}
        for key in [k for k in self._cells if k not in wanted]:
            self.drop(key)
        for key, item in ordered:
            self.upsert(key, item, now)
        self.order_by([key for key, _ in ordered])
        self.restore_cursor(selected, index)

    def order_by(self, keys: list[str]) -> None:
        """Put the rows in this order (keys not shown are ignored).  A no-op
        when the order is already right: any sort repaints every visible cell."""
        if [row.key.value for row in self.ordered_rows] == [k for k in keys if k in self._cells]:
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
