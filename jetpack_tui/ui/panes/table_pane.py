"""The template of every table pane (Tasks, Agents, Mail, Reservations, Memory).

One layout and one set of keys, so a key means the same thing in every pane::

    ┌ title · summary ─────────────────────── [/ filter box] ┐
    │ keyed table (columns fitted to the width)              │
    ├ drawer: the selected row in full (d hides, enter goes in) ┤

What the template does, so a pane only says what is its own:

* header: title, a one-line summary (:meth:`set_summary`), the filter box;
* ``/`` focuses the filter box (typing applies it after a short pause,
  ``enter`` applies and goes back to the table); ``esc`` in the box goes
  back; ``esc`` on the table clears the marks, then the filters;
* ``f`` / ``F`` cycle the pane's quick filters (:attr:`QUICK_FILTERS`);
* ``d`` shows/hides the drawer, ``enter`` goes into it (the keys scroll it,
  ``esc`` comes back); a pane may open something else (:meth:`open_row`);
* ``space`` marks a row, ``V`` marks every row from the last mark to the
  cursor (panes with :attr:`MARKABLE`), for actions on many rows at once;
* jumps from the palette or another pane (:meth:`jump_to`, with a
  :class:`~.kit.jump.PendingJump` when the rows are not there yet);
* write gating in one ``check_action``: in read-only mode the actions in
  :attr:`WRITE_ACTIONS` are shown disabled, and their keys say "read-only".

A new pane: subclass, set ``PANE_ID``/``TITLE``/``KEY``/``TABLES`` (see
:mod:`.base`), ``TABLE`` (a :class:`~.kit.keyed_table.KeyedTable` subclass),
implement ``fetch`` and the data handlers, :meth:`filter_changed`,
:meth:`describe`; register it in :mod:`.registry`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Key
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from ..widgets.detail_drawer import DetailDrawer
from .base import Pane
from .kit.jump import PendingJump
from .kit.keyed_table import KeyedTable

FILTER_DELAY = 0.25


class TablePane(Pane):
    TABLE: ClassVar[type[KeyedTable]] = KeyedTable
    PARTS: ClassVar[tuple[type, ...]] = (KeyedTable, DetailDrawer)
    #: Actions that write; disabled (and refused with a word) in read-only mode.
    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    #: Names ``f``/``F`` cycle through; the first is the default view.
    QUICK_FILTERS: ClassVar[tuple[str, ...]] = ()
    FILTER_HINT: ClassVar[str] = "/ filter"
    #: ``space`` / ``V`` mark rows for actions on many at once.
    MARKABLE: ClassVar[bool] = False

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="pane.filter"),
        Binding("escape", "clear", "Clear marks / filters", show=False, id="pane.clear"),
        Binding("f", "quick(1)", "View", id="pane.quick_next"),
        Binding("F", "quick(-1)", "Previous view", show=False, id="pane.quick_previous"),
        Binding("d", "toggle_drawer", "Drawer", show=False, id="pane.drawer"),
        Binding("space", "mark", "Mark", show=False, id="pane.mark"),
        Binding("V", "mark_range", "Mark range", show=False, id="pane.mark_range"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jump = PendingJump()
        self.drawer_open = True
        self.now = 0.0
        self._anchor: str | None = None
        self._filter_timer: Timer | None = None
        self._summary_shown: Text | None = None

    # -- layout -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-header"):
            yield Static(Text(self.TITLE, style="bold"), classes="pane-title")
            yield Static(Text(""), id=f"{self.PANE_ID}-summary", classes="pane-summary")
            yield Input(placeholder=self.FILTER_HINT, id=f"{self.PANE_ID}-filter", classes="pane-search",
                        compact=True)
        yield from self.compose_extra()
        with Vertical(classes="pane-body"):
            yield self.make_table()
            yield self.make_drawer()

    def compose_extra(self) -> ComposeResult:
        """Widgets between the header and the table (the Memory pane's selects)."""
        yield from ()

    def make_table(self) -> KeyedTable:
        raise NotImplementedError

    def make_drawer(self) -> Widget:
        """What is under the table: the selected row in full (the Mail pane: the open thread)."""
        return DetailDrawer(id=f"{self.PANE_ID}-drawer", classes="pane-drawer")

    @property
    def table(self) -> KeyedTable:
        return self.query_one(self.TABLE)

    @property
    def drawer(self) -> DetailDrawer:
        return self.query_one(DetailDrawer)

    @property
    def lower(self) -> Widget:
        """The drawer, or what the pane shows in its place."""
        return self.query_one(".pane-drawer")

    @property
    def filter_box(self) -> Input:
        return self.query_one(f"#{self.PANE_ID}-filter", Input)

    def focus_main(self) -> None:
        self.table.focus()

    def set_summary(self, text: Text) -> None:
        """One line of fixed height: repainted, never a relayout of the screen."""
        if text == self._summary_shown:
            return
        self._summary_shown = text
        self.query_one(f"#{self.PANE_ID}-summary", Static).update(text, layout=False)

    def selected_key(self) -> str | None:
        return self.table.selected_id

    # -- filters --------------------------------------------------------------------
    def quick(self) -> str:
        """The quick filter in force (the pane's view)."""
        return self.QUICK_FILTERS[0] if self.QUICK_FILTERS else ""

    def filter_changed(self, text: str | None = None, quick: str | None = None) -> None:
        """The operator typed a filter or picked a quick filter (``None``: unchanged)."""

    def clear_filters(self) -> bool:
        """Back to the default view; False when it already was."""
        default = self.QUICK_FILTERS[0] if self.QUICK_FILTERS else None
        if not self.filter_box.value and self.quick() == (default or ""):
            return False
        self.filter_box.value = ""
        self.filter_changed(text="", quick=default)
        return True

    def action_filter(self) -> None:
        self.filter_box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is not self.filter_box:
            return
        event.stop()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self.filter_changed(text=event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is not self.filter_box:
            return
        event.stop()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self.filter_changed(text=event.value)
        self.table.focus()

    def action_quick(self, step: int) -> None:
        names = self.QUICK_FILTERS
        index = names.index(self.quick()) if self.quick() in names else 0
        self.filter_changed(quick=names[(index + step) % len(names)])

    def action_clear(self) -> None:
        if self.table.marked:
            self.table.set_marks(())
            self._anchor = None
        elif not self.clear_filters():
            self.app.bell()

    def on_key(self, event: Key) -> None:
        if event.key != "escape":
            return
        focused = self.screen.focused
        if focused is not None and (focused is self.filter_box or self.lower in focused.ancestors_with_self):
            event.stop()
            self.table.focus()

    # -- drawer ---------------------------------------------------------------------
    def action_toggle_drawer(self) -> None:
        self.drawer_open = not self.drawer_open
        self.lower.display = self.drawer_open
        self.drawer_toggled()

    def drawer_toggled(self) -> None:
        """The drawer was shown or hidden (the task board reads its detail then)."""

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_row()

    def open_row(self) -> None:
        """``enter`` on a row: into the drawer (its keys scroll it, ``esc`` comes back)."""
        if not self.drawer_open:
            self.action_toggle_drawer()
        self.drawer.focus()

    # -- marks ------------------------------------------------------------------------
    def action_mark(self) -> None:
        key = self.table.selected_id
        if key is None:
            return
        self.table.set_marks(self.table.marked ^ {key})
        self._anchor = key if key in self.table.marked else None
        self.table.action_cursor_down()

    def action_mark_range(self) -> None:
        keys, here = self.table.shown_keys(), self.table.selected_id
        if here is None:
            return
        start = keys.index(self._anchor) if self._anchor in keys else keys.index(here)
        end = keys.index(here)
        low, high = min(start, end), max(start, end)
        self.table.set_marks(self.table.marked | set(keys[low:high + 1]))
        self._anchor = here

    def marked_or_selected(self) -> list[Any]:
        """The marked rows (in table order), else the selected one."""
        table = self.table
        if table.marked:
            return [table.items[k] for k in table.shown_keys() if k in table.marked]
        item = table.selected
        return [] if item is None else [item]

    # -- jumps ------------------------------------------------------------------------
    def jump_to(self, key: str) -> bool:
        """Select row ``key``; when it is hidden by filters, clear them; when
        the rows have not arrived yet, select it once they do."""
        if self.table.select(key):
            return True
        self.jump.want(key)
        self.clear_filters()
        self.jump.settle(self.table.select)  # a pane that filters on screen shows it at once
        return True

    def settle_jump(self, what: str) -> None:
        """After rows arrived: finish a pending jump, or say it failed."""
        missing = self.jump.settle(self.table.select)
        if missing is not None:
            self.app.notify(f"{self.TITLE.lower()}: no {what} {missing}", severity="warning", markup=False)

    # -- write gating -----------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("quick",) and not self.QUICK_FILTERS:
            return False
        if action in ("mark", "mark_range") and not self.MARKABLE:
            return False
        if action in self.WRITE_ACTIONS and (self.jetpack.read_only or self.jetpack.time.past):
            return None  # shown disabled; the key says why (see DashboardScreen.on_key)
        return True
