"""The task board: one SQL page of tasks, live, with a detail drawer.

A :class:`~..table_pane.TablePane`: filters, quick filters (``f``: open,
ready, blocked, claimed, failed, cancelled, completed, all), marks and the
drawer work as on every pane.  Only one SQL page is loaded (``page_size``
rows; ``pgdn`` at the last row or ``]`` for the next page, ``G`` for the
real end).  A change from the feed is placed by SQL (``dl.tasks.order_of``
over the page's ids and the changed ids) and applied row by row; the total
comes from the status counts of the same refresh.

Time travel (``t``): while the time bar shows a moment in the past, the
board shows the tasks as they were then (:mod:`.past`); write keys refuse.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import DataTable

from jetpack_tui.data.models import Task
from jetpack_tui.data.protocol import DataLayer

from ...messages import PaneData
from ...modals.task_context import TaskContextScreen
from ...widgets.detail_drawer import DetailDrawer
from ..base import FetchRequest
from ..table_pane import TablePane
from .detail import render_detail
from .fetch import fetch_tasks
from .messages import TaskDetailLoaded, TasksChanged, TasksPage, TaskView
from .operator import WRITE_ACTIONS, TaskOperator
from .past import fetch_past
from .query import QUICK_FILTERS, SORT_COLUMNS, TaskQuery
from .stuck_marks import StuckMarks
from .table import TaskTable

COUNT_EVERY = 1.0  # seconds between re-counts of a text filter while rows change


class TasksPane(TablePane):
    PANE_ID = "tasks"
    TITLE = "Tasks"
    KEY = "2"
    TABLES = frozenset({"tasks", "messages", "file_reservations"})
    TABLE = TaskTable
    PARTS = (TaskTable, DetailDrawer)
    WRITE_ACTIONS = WRITE_ACTIONS
    QUICK_FILTERS = QUICK_FILTERS
    FILTER_HINT = "/ id, title, @agent"
    MARKABLE = True
    TIME_TRAVEL = True

    BINDINGS = [
        Binding("s", "sort", "Sort", show=False, id="tasks.sort"),
        Binding("S", "reverse", "Reverse sort", show=False, id="tasks.reverse"),
        Binding("right_square_bracket", "page(1)", "Next page", show=False, id="tasks.next_page"),
        Binding("left_square_bracket", "page(-1)", "Previous page", show=False, id="tasks.previous_page"),
        Binding("T", "task_context", "Task context", show=False, id="tasks.context"),
        Binding("a", "assign", "Assign", id="tasks.assign"),
        Binding("r", "release", "Release", id="tasks.release"),
        Binding("u", "retry", "Retry", id="tasks.retry"),
        Binding("t", "time_travel", "Time travel", id="tasks.time_travel"),
        Binding("X", "cancel_task", "Cancel task", show=False, id="tasks.cancel"),
        Binding("plus", "priority(-1)", "Raise priority", show=False, id="tasks.priority_up"),
        Binding("minus", "priority(1)", "Lower priority", show=False, id="tasks.priority_down"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query_state = TaskQuery()
        self.total: int | None = None
        #: The total is older than the rows shown (approximate until re-counted).
        self.total_stale = False
        self.first_row = 0
        self.ops = TaskOperator(self)
        self._count_at = 0.0
        self._detail_for: str | None = None
        self._detail_timer: Timer | None = None
        self._cursor_after_load: int | None = None
        self._header = ""
        #: The sort of the rows shown, when it is not the query's (the past board sorts many by id).
        self._sorted_by: str | None = None
        self._past = None
        self.stuck = StuckMarks(self, lambda: self.jetpack.insight.stuck(), self._stuck_changed,
                                lambda: self.jetpack.summary.tasks if self.jetpack.summary else None)

    def make_table(self) -> TaskTable:
        return TaskTable(id="tasks-table")

    @property
    def table(self) -> TaskTable:
        return self.query_one(TaskTable)

    def on_mount(self) -> None:
        self._past = self.jetpack.time.states  # the worker reads the past through it
        self.table.stuck_of = lambda task_id: self.stuck.short(task_id) if self.moment is None else None
        self.stuck.start()
        self._update_header()
        self.table.set_sort_marker(self.query_state.order_by, self.query_state.descending)

    # -- the pane contract ----------------------------------------------------------
    def view_state(self) -> TaskView:
        due = self.total_stale and bool(self.query_state.text) and time.monotonic() - self._count_at >= COUNT_EVERY
        return TaskView(self.query_state, self.table.selected_id, self.drawer_open, tuple(self.table.shown_keys()),
                        self.table.more_after, due, self.moment)

    def fetch(self, dl: DataLayer, request: FetchRequest) -> Iterable[PaneData]:
        if request.view.moment is not None:
            return fetch_past(dl, self._past, request)
        return fetch_tasks(dl, request)

    def selected_task(self) -> Task | None:
        return self.table.selected

    def quick(self) -> str:
        return self.query_state.quick

    def filter_changed(self, text: str | None = None, quick: str | None = None) -> None:
        changes: dict[str, Any] = {}
        if text is not None and text.strip() != self.query_state.text:
            changes["text"] = text.strip()
        if quick is not None and quick != self.query_state.quick:
            changes["quick"] = quick
        if changes:
            self._set_query(self.query_state.with_(**changes))

    def jump_to(self, key: str) -> bool:
        """Select task ``key``; if it is not on this page, filter the board to it."""
        if self.table.select(key):
            return True
        self.jump.want(key)
        self.filter_box.value = key
        self._set_query(TaskQuery(quick="all", text=key, order_by=self.query_state.order_by))
        return True

    def apply_filter(self, quick: str | None = None, order_by: str | None = None, descending: bool | None = None,
                     text: str | None = None, **unknown: Any) -> bool:
        """Show the rows another pane points at (the Overview's "failed" figure).

        Which rows: ``quick``/``text`` not given fall back to the defaults, so
        the board shows exactly what the figure counted; ``order_by`` /
        ``descending`` not given keep the operator's sort.  False (view
        untouched) for an unknown name or value.
        """
        if unknown or (quick is not None and quick not in QUICK_FILTERS) or (
                order_by is not None and order_by not in SORT_COLUMNS):
            return False
        base = TaskQuery()
        self.filter_box.value = "" if text is None else str(text).strip()
        self._set_query(TaskQuery(
            quick=base.quick if quick is None else quick, text=self.filter_box.value,
            order_by=self.query_state.order_by if order_by is None else order_by,
            descending=self.query_state.descending if descending is None else bool(descending)))
        return True

    def tick(self, now: float) -> None:
        self.now = self.display_now()
        self.table.retick(self.now)
        if self.moment is None:
            self.stuck.tick(time.monotonic())

    @property
    def quiet(self) -> bool:
        return self.moment is not None or self.stuck.settled

    def _stuck_changed(self) -> None:
        self.table.retick(self.display_now())
        self.table.relayout()  # "ready ⚠ all dead" is wider than "ready"
        self._update_header()
        if self.drawer_open and self.table.selected_id is not None:
            self.request_detail()

    # -- applying data (UI thread) ----------------------------------------------------
    def on_tasks_page(self, message: TasksPage) -> None:
        if not self.current(message):
            return
        self._set_total(message.total)
        if self.moment is None:
            self.stuck.rows_changed(time.monotonic())
        if not message.tasks and self.query_state.offset > 0:  # the page emptied: go to the last one
            self._set_query(self.query_state.with_(offset=0, from_end=True))
            return
        self.first_row = message.offset
        self._sorted_by = message.sorted_by if message.sorted_by != message.query.order_by else None
        at = self._cursor_after_load
        self.table.show(((t.id, t) for t in message.tasks), self.display_now(), keep_cursor=at is None)
        if at is not None:
            self.table.move_cursor(row=at if at >= 0 else max(self.table.row_count - 1, 0))
        self._cursor_after_load = None
        self.settle_jump("task")
        self.mark_loaded()
        self._update_header()
        self._selection_moved()

    def on_tasks_changed(self, message: TasksChanged) -> None:
        if not self.current(message):
            return
        table = self.table
        selected, index = table.selected_id, table.cursor_row
        now = self.jetpack.clock()
        if self.moment is None:
            self.stuck.rows_changed(time.monotonic())
        order = self._window(message.order)
        for task_id in [k for k in table.tasks if k not in order]:
            table.drop(task_id)
        for task_id in order:
            task = message.rows.get(task_id)
            if task is not None:
                table.upsert(task_id, task, now)
        table.order_by(order)
        table.restore_cursor(selected, index)
        table.relayout()
        if message.total is not None:
            self._set_total(message.total)
        elif message.rows or len(order) != len(message.order):
            self.total_stale = True
        self._update_header()
        if table.selected_id != selected:
            self._selection_moved()

    def _window(self, order: list[str]) -> list[str]:
        """Of SQL's order (page ∪ matching changes), the ids that belong on this page."""
        shown = set(self.table.tasks)
        positions = [i for i, task_id in enumerate(order) if task_id in shown]
        first = positions[0] if positions else 0
        last = positions[-1] if positions else len(order) - 1
        keep = [task_id for i, task_id in enumerate(order) if task_id in shown
                or not ((i < first and self.first_row > 0) or (i > last and self.table.more_after))]
        return keep[: self.page_size]

    def _set_total(self, total: int) -> None:
        self.total, self.total_stale, self._count_at = total, False, time.monotonic()

    def on_task_detail_loaded(self, message: TaskDetailLoaded) -> None:
        if message.task_id != self.table.selected_id:
            return
        if message.detail is None:
            note = message.error or "this task no longer exists"
            self.drawer.show(Text(f"{message.task_id}: {note}", style="italic"))
        else:
            stuck = self.stuck.lines(message.task_id) if self.moment is None else []
            self.drawer.show(render_detail(message.detail, self.display_now(), stuck),
                             keep_scroll=self._detail_for == message.task_id)
        self._detail_for = message.task_id

    # -- selection and view changes ------------------------------------------------------
    @property
    def page_size(self) -> int:
        return self.jetpack.refresher.page_size

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._selection_moved()

    def drawer_toggled(self) -> None:
        self._detail_for = None
        self._selection_moved()

    def _selection_moved(self) -> None:
        if not self.drawer_open or self.table.selected_id in (None, self._detail_for):
            return
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(0.08, self.request_detail)

    def _set_query(self, query: TaskQuery, *, cursor: int | None = 0) -> None:
        self.query_state = query
        self._cursor_after_load = cursor
        self.table.set_marks(())
        self.table.set_sort_marker(query.order_by, query.descending)
        self._update_header()
        self.view_changed()

    def _update_header(self) -> None:
        shown, total, table = self.table.row_count, self.total, self.table
        table.more_before = self.first_row > 0
        table.more_after = total is not None and self.first_row + shown < total
        if total is None:
            rows = "loading…"
        elif shown == 0:
            rows = f"no rows of {total:,}"
        else:
            last = self.first_row + shown
            of = f"of ~{max(total, last):,}" if self.total_stale else f"of {total:,}"
            rows = f"rows {self.first_row + 1:,}–{last:,} {of}"
        marks = f" · {len(table.marked)} marked" if table.marked else ""
        sorted_by = f" · sorted by id (too many tasks then to sort by {self._sorted_by_wanted()})" \
            if self._sorted_by else ""
        stuck = self.stuck.header() if self.moment is None else ""
        text = f"{self.query_state.describe()} · {rows}{marks}{stuck}{sorted_by}"
        if text != self._header:
            self._header = text
            self.set_summary(Text(text))

    def _sorted_by_wanted(self) -> str:
        return self.query_state.order_by.replace("_", " ")

    def on_task_table_edge_reached(self, message: TaskTable.EdgeReached) -> None:
        message.stop()
        if message.step == "end":
            self._set_query(self.query_state.with_(offset=0, from_end=True), cursor=-1)
        elif message.step == "start":
            self._set_query(self.query_state.with_(offset=0, from_end=False), cursor=0)
        else:
            self.action_page(int(message.step))

    # -- actions ---------------------------------------------------------------------------------
    def action_sort(self) -> None:
        index = (SORT_COLUMNS.index(self.query_state.order_by) + 1) % len(SORT_COLUMNS)
        self._set_query(self.query_state.with_(order_by=SORT_COLUMNS[index]))

    def action_reverse(self) -> None:
        self._set_query(self.query_state.with_(descending=not self.query_state.descending))

    def action_page(self, step: int) -> None:
        total, query = self.total or 0, self.query_state
        start = self.first_row + step * self.page_size
        if start < 0 or (step > 0 and start >= total):
            self.app.bell()
            return
        if query.from_end:  # keep counting from the end: those pages stay cheap to read
            offset, from_end = max(0, total - start - self.page_size), True
        else:
            offset, from_end = start, False
        self._set_query(query.with_(offset=offset, from_end=from_end), cursor=0 if step > 0 else -1)

    def action_task_context(self) -> None:
        """What an agent would read before starting the selected task (read-only)."""
        task_id = self.table.selected_id
        if task_id is None:
            self.app.bell()
            return
        self.app.push_screen(TaskContextScreen(task_id))

    def action_assign(self) -> None:
        self.ops.assign()

    def action_release(self) -> None:
        self.ops.release(self.marked_or_selected())

    def action_retry(self) -> None:
        self.ops.retry(self.marked_or_selected())

    def action_cancel_task(self) -> None:
        self.ops.cancel()

    def action_priority(self, step: int) -> None:
        self.ops.shift_priority(step)

    def action_mark(self) -> None:
        super().action_mark()
        self._update_header()

    def action_mark_range(self) -> None:
        super().action_mark_range()
        self._update_header()

    def action_clear(self) -> None:
        super().action_clear()
        self._update_header()

    def palette_commands(self) -> list[tuple[str, Any, str]]:
        commands = [(f"Tasks: show {name}", lambda n=name: self.filter_changed(quick=n), "quick filter")
                    for name in QUICK_FILTERS]
        commands += [(f"Tasks: sort by {name.replace('_', ' ')}",
                      lambda n=name: self._set_query(self.query_state.with_(order_by=n)), "sort") for name in SORT_COLUMNS]
        return commands
