"""The task board: one SQL page of tasks, live, with a detail drawer.

Only what the operator can see is loaded (``page_size`` rows per SQL page,
``pgdn`` at the last row or ``]`` for the next page).  Change-feed events
re-read only the changed ids and are applied row by row (see
:mod:`.table`); a changed row that sorts outside the page is left where it is
until the next page load — the counts are re-read at most once a second.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from jetpack_tui.data.models import Task

from ...widgets.detail_drawer import DetailDrawer
from ..base import FetchRequest, Pane
from ...modals.task_context import TaskContextScreen
from .detail import render_detail
from .fetch import fetch_tasks
from .messages import TaskDetailLoaded, TasksChanged, TasksPage, TaskView
from .operator import WRITE_ACTIONS, TaskOperator
from .query import QUICK_FILTERS, SORT_COLUMNS, TaskQuery
from .table import TaskTable

COUNT_EVERY = 1.0  # seconds between re-counts while rows change


class TasksPane(Pane):
    PANE_ID = "tasks"
    TITLE = "Tasks"
    KEY = "2"
    TABLES = frozenset({"tasks", "messages", "file_reservations"})

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="tasks.filter"),
        Binding("f", "quick(1)", "Quick filter", id="tasks.quick_next"),
        Binding("F", "quick(-1)", "Previous quick filter", show=False, id="tasks.quick_previous"),
        Binding("h", "toggle_completed", "Show/hide completed", show=False, id="tasks.toggle_completed"),
        Binding("s", "sort", "Sort", id="tasks.sort"),
        Binding("S", "reverse", "Reverse sort", show=False, id="tasks.reverse"),
        Binding("right_square_bracket", "page(1)", "Next page", show=False, id="tasks.next_page"),
        Binding("left_square_bracket", "page(-1)", "Previous page", show=False, id="tasks.previous_page"),
        Binding("d", "toggle_drawer", "Detail drawer", show=False, id="tasks.drawer"),
        Binding("T", "task_context", "Task context", show=False, id="tasks.context"),
        Binding("c", "claim", "Claim for…", id="tasks.claim"),
        Binding("a", "reassign", "Reassign to…", show=False, id="tasks.reassign"),
        Binding("x", "release", "Release", id="tasks.release"),
        Binding("R", "retry", "Retry", show=False, id="tasks.retry"),
        Binding("X", "cancel_task", "Cancel task", show=False, id="tasks.cancel"),
        Binding("plus", "priority(-1)", "Raise priority", show=False, id="tasks.priority_up"),
        Binding("minus", "priority(1)", "Lower priority", show=False, id="tasks.priority_down"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query_state = TaskQuery()
        self.total: int | None = None
        self.drawer_open = True
        self.ops = TaskOperator(self)
        self._count_stale = False
        self._count_at = 0.0
        self._detail_for: str | None = None
        self._detail_timer: Timer | None = None
        self._filter_timer: Timer | None = None
        self._select_after_load: str | None = None
        self._cursor_after_load: int | None = None
        self._header = ""

    def compose(self) -> ComposeResult:
        yield Static(id="tasks-header")
        yield Input(placeholder="filter: id, title or agent (enter: apply, esc: close)", id="tasks-filter")
        with Vertical(id="tasks-body"):
            yield TaskTable(id="tasks-table")
            yield DetailDrawer(id="tasks-drawer")

    def on_mount(self) -> None:
        self.query_one("#tasks-filter", Input).display = False
        self._update_header()
        self.table.set_sort_marker(self.query_state.order_by, self.query_state.descending)

    @property
    def table(self) -> TaskTable:
        return self.query_one("#tasks-table", TaskTable)

    def focus_main(self) -> None:
        self.table.focus()

    # -- the pane contract ----------------------------------------------------------
    def view_state(self) -> TaskView:
        due = self._count_stale and time.monotonic() - self._count_at >= COUNT_EVERY
        return TaskView(self.query_state, self.table.selected_id, self.drawer_open, due)

    def fetch(self, dl: Any, request: FetchRequest) -> Iterable[Message]:
        return fetch_tasks(dl, request)

    def selected_key(self) -> str | None:
        return self.table.selected_id

    def selected_task(self) -> Task | None:
        key = self.table.selected_id
        return None if key is None else self.table.tasks.get(key)

    def jump_to(self, key: str) -> bool:
        """Select task ``key``; if it is not on this page, filter the board to it."""
        if self.table.select(key):
            return True
        self._select_after_load = key
        if self.loaded and not self.stale:
            self._set_query(TaskQuery(quick="all", show_completed=True, text=key))
        return True

    def apply_filter(self, quick: str | None = None, order_by: str | None = None, descending: bool | None = None,
                     show_completed: bool | None = None, text: str | None = None, **unknown: Any) -> bool:
        """Show the rows another pane points at (the Overview's "failed" figure).

        Which rows: ``quick``/``show_completed``/``text`` not given fall back to
        the defaults, so the board shows exactly what the figure counted;
        ``order_by``/``descending`` not given keep the operator's sort.
        False (view untouched) for an unknown name or value.
        """
        if unknown or (quick is not None and quick not in QUICK_FILTERS) or (
                order_by is not None and order_by not in SORT_COLUMNS):
            return False
        base = TaskQuery()
        self._select_after_load = None
        self._set_query(TaskQuery(
            quick=base.quick if quick is None else quick,
            show_completed=base.show_completed if show_completed is None else bool(show_completed),
            text=base.text if text is None else str(text).strip(),
            order_by=self.query_state.order_by if order_by is None else order_by,
            descending=self.query_state.descending if descending is None else bool(descending)))
        return True

    def tick(self, now: float) -> None:
        self.table.retick(now)
        if self._count_stale and time.monotonic() - self._count_at >= COUNT_EVERY:
            self.request_detail()

    # -- applying data (UI thread) ----------------------------------------------------
    def on_tasks_page(self, message: TasksPage) -> None:
        message.stop()
        if not self.current(message):
            return
        self.total = message.total
        self._count_stale, self._count_at = False, time.monotonic()
        if not message.tasks and self.query_state.offset > 0:
            self._set_query(self.query_state.with_(offset=max(0, message.total - 1) // self.page_size * self.page_size))
            return
        at = self._cursor_after_load
        self.table.show(((t.id, t) for t in message.tasks), self.jetpack.clock(), keep_cursor=at is None)
        if at is not None:
            self.table.move_cursor(row=min(at, max(self.table.row_count - 1, 0)))
        self._cursor_after_load = None
        wanted = self._select_after_load
        if wanted and (self.table.select(wanted) or self.query_state.text == wanted):
            self._select_after_load = None
        elif wanted:
            self._set_query(TaskQuery(quick="all", show_completed=True, text=wanted))
        self.mark_loaded()
        self._update_header()
        self._selection_moved()

    def on_tasks_changed(self, message: TasksChanged) -> None:
        message.stop()
        if not self.current(message):
            return
        table = self.table
        selected, index = table.selected_id, table.cursor_row
        now = self.jetpack.clock()
        for task_id in message.removed:
            table.drop(task_id)
        new = []
        for task_id, task in message.rows.items():
            if task_id in table.tasks:
                table.upsert(task_id, task, now)
            else:
                new.append(task)
        order = self._place(new)
        for task in new:
            if task.id in order:
                table.upsert(task.id, task, now)
        for task_id in [k for k in table.tasks if k not in order]:
            table.drop(task_id)
        table.order_by(order)
        table.restore_cursor(selected, index)
        if message.total is not None:
            self.total = message.total
            self._count_stale, self._count_at = False, time.monotonic()
        elif message.rows or message.removed:
            self._count_stale = True
        self._update_header()
        if table.selected_id != selected:
            self._selection_moved()

    def _place(self, new: list[Task]) -> list[str]:
        """Ids of the page in order, with the new rows that belong on it."""
        shown = list(self.table.tasks.values())
        ordered = self.query_state.order(shown + new)
        shown_ids = {t.id for t in shown}
        positions = [i for i, t in enumerate(ordered) if t.id in shown_ids]
        first = positions[0] if positions else 0
        last = positions[-1] if positions else len(ordered) - 1
        offset = self.query_state.offset
        more_after = len(shown) >= self.page_size and (self.total is None or offset + len(shown) < self.total)
        keep = [t.id for i, t in enumerate(ordered)
                if t.id in shown_ids or not ((i < first and offset > 0) or (i > last and more_after))]
        return keep[: self.page_size]

    def on_task_detail_loaded(self, message: TaskDetailLoaded) -> None:
        message.stop()
        if message.task_id != self.table.selected_id:
            return
        drawer = self.query_one(DetailDrawer)
        if message.detail is None:
            note = message.error or "this task no longer exists"
            drawer.show(Text(f"{message.task_id}: {note}", style="italic"))
        else:
            drawer.show(render_detail(message.detail, self.jetpack.clock()),
                        keep_scroll=self._detail_for == message.task_id)
        self._detail_for = message.task_id

    # -- selection and view changes ------------------------------------------------------
    @property
    def page_size(self) -> int:
        return self.jetpack.refresher.page_size

    @on(DataTable.RowHighlighted, "#tasks-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
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
        self.table.set_sort_marker(query.order_by, query.descending)
        self._update_header()
        self.view_changed()

    def _update_header(self) -> None:
        q, shown = self.query_state, self.table.row_count
        if self.total is None:
            rows = "loading…"
        elif shown == 0:
            rows = f"no rows of {self.total:,}"
        else:
            rows = f"rows {q.offset + 1:,}–{q.offset + shown:,} of {self.total:,}"
        text = f"Tasks · {q.describe()} · {rows}"
        if text != self._header:
            self._header = text
            self.query_one("#tasks-header", Static).update(Text(text), layout=False)

    @on(TaskTable.EdgeReached)
    def _edge(self, message: TaskTable.EdgeReached) -> None:
        message.stop()
        self.action_page(message.step)

    # -- actions ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.jetpack.read_only:
            return False
        return True

    def action_filter(self) -> None:
        box = self.query_one("#tasks-filter", Input)
        box.display = True
        box.value = self.query_state.text
        box.focus()

    @on(Input.Changed, "#tasks-filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.25, lambda: self._apply_filter(event.value))

    @on(Input.Submitted, "#tasks-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._apply_filter(event.value)
        self._close_filter()

    def _apply_filter(self, text: str) -> None:
        if text.strip() != self.query_state.text:
            self._set_query(self.query_state.with_(text=text.strip()))

    def _close_filter(self) -> None:
        self.query_one("#tasks-filter", Input).display = False
        self.table.focus()

    def on_key(self, event) -> None:
        if event.key == "escape" and self.query_one("#tasks-filter", Input).has_focus:
            event.stop()
            self._close_filter()

    def action_quick(self, step: int) -> None:
        index = (QUICK_FILTERS.index(self.query_state.quick) + step) % len(QUICK_FILTERS)
        self._set_query(self.query_state.with_(quick=QUICK_FILTERS[index]))

    def action_toggle_completed(self) -> None:
        self._set_query(self.query_state.with_(show_completed=not self.query_state.show_completed))

    def action_sort(self) -> None:
        index = (SORT_COLUMNS.index(self.query_state.order_by) + 1) % len(SORT_COLUMNS)
        self._set_query(self.query_state.with_(order_by=SORT_COLUMNS[index]))

    def action_reverse(self) -> None:
        self._set_query(self.query_state.with_(descending=not self.query_state.descending))

    def action_page(self, step: int) -> None:
        offset = self.query_state.offset + step * self.page_size
        if offset < 0 or (step > 0 and self.total is not None and offset >= self.total):
            self.app.bell()
            return
        self._set_query(self.query_state.with_(offset=offset), cursor=0 if step > 0 else self.page_size - 1)

    def action_toggle_drawer(self) -> None:
        self.drawer_open = not self.drawer_open
        self.query_one(DetailDrawer).display = self.drawer_open
        self._detail_for = None
        self._selection_moved()

    def action_task_context(self) -> None:
        """What an agent would read before starting the selected task (read-only)."""
        task_id = self.table.selected_id
        if task_id is None:
            self.app.bell()
            return
        self.app.push_screen(TaskContextScreen(task_id))

    def action_claim(self) -> None:
        self.ops.claim()

    def action_reassign(self) -> None:
        self.ops.reassign()

    def action_release(self) -> None:
        self.ops.release()

    def action_retry(self) -> None:
        self.ops.retry()

    def action_cancel_task(self) -> None:
        self.ops.cancel()

    def action_priority(self, step: int) -> None:
        self.ops.shift_priority(step)

    def palette_commands(self) -> list[tuple[str, Any, str]]:
        commands = [(f"Tasks: show {name}", lambda n=name: self._set_query(self.query_state.with_(quick=n)),
                     "quick filter") for name in QUICK_FILTERS]
        commands += [(f"Tasks: sort by {name.replace('_', ' ')}",
                      lambda n=name: self._set_query(self.query_state.with_(order_by=n)), "sort") for name in SORT_COLUMNS]
        return commands
