"""What each screenshot shows, and the keys an operator presses to see it.

A :class:`Shot` is a file stem, the text that proves the right view is on
screen (checked before the file is written, so a pane that failed to load
never slips into the README), and ``go``: the key presses from wherever
the previous shot left the app, followed by a wait for the condition that
says the view has loaded.  Shots run in order in one app session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from textual.widgets import Static

from jetpack_tui.ui.modals.help_screen import HelpScreen

Go = Callable[[Any, Any], Awaitable[None]]  # (pilot, waiter) -> None

#: The task whose detail drawer is shown: blocked, with a dependency tree.
DETAIL_TASK = "task-00055"
#: What the Memory shot types into the search box.
MEMORY_QUERY = "database writes"
#: The section of the task drawer the detail shot scrolls to.
WHY = "Why blocked"
#: How far back the time-travel shot goes (typed into the time bar).
TRAVEL_BACK = "-3h"


@dataclass(frozen=True)
class Shot:
    name: str
    marker: str
    go: Go


def _pane(app: Any, pane_id: str) -> Any:
    return app.dashboard.query_one(f"#pane-{pane_id}")


def _plain(widget: Static) -> str:
    return str(widget.render())


def _show(pane_id: str, key: str, *extra: str, until: Callable[[Any], bool] | None = None) -> Go:
    """Press the pane's number key (and ``extra`` keys); wait for its data."""

    async def go(pilot: Any, waiter: Any) -> None:
        await pilot.press(key, *extra)
        await waiter.loaded(pane_id, extra=until, what=f"the {pane_id} pane")

    return go


async def _task_detail(pilot: Any, waiter: Any) -> None:
    app = pilot.app
    pane = _pane(app, "tasks")
    await pilot.press("d")  # the drawer was closed for the board shot
    await waiter.loaded("tasks", extra=lambda a: pane.drawer_open, what="the drawer to open")
    table = pane.table
    steps = table.get_row_index(DETAIL_TASK) - table.cursor_row
    await pilot.press(*(["down"] * steps if steps >= 0 else ["up"] * -steps))
    body = pane.query_one("#tasks-drawer .drawer-body", Static)
    await waiter.loaded("tasks", extra=lambda a: f"id: {DETAIL_TASK}" in _plain(body),
                        what=f"the detail of {DETAIL_TASK}")
    # Scroll the drawer to why the task is blocked, as the mouse wheel would
    # (two dozen arrow presses show the same and take seconds).
    lines = _plain(body).splitlines()
    target = next((i for i, line in enumerate(lines) if line.startswith(WHY)), 0)
    drawer = pane.query_one("#tasks-drawer")
    drawer.scroll_to(y=target, animate=False)
    await waiter.until(lambda: drawer.scroll_y >= min(target, drawer.max_scroll_y), what="the drawer to scroll")


async def _memory_search(pilot: Any, waiter: Any) -> None:
    app = pilot.app
    pane = _pane(app, "memory")
    before = pane.searches
    await pilot.press("slash", *("space" if ch == " " else ch for ch in MEMORY_QUERY), "enter")
    summary = pane.query_one("#memory-summary", Static)
    await waiter.loaded("memory", extra=lambda a: pane.searches > before and pane.view.query == MEMORY_QUERY
                        and "result(s) for" in _plain(summary), what="the memory search results")


async def _help(pilot: Any, waiter: Any) -> None:
    await pilot.press("2")
    await waiter.loaded("tasks", what="the tasks pane")
    await pilot.press("question_mark")
    await waiter.until(lambda: isinstance(pilot.app.screen, HelpScreen), what="the help screen")


async def _graph(pilot: Any, waiter: Any) -> None:
    await pilot.press("escape", "7")  # out of the help screen, to the Graph
    pane = _pane(pilot.app, "graph")
    await waiter.until(lambda: pane.result is not None and pane.result.focus is not None and not pane.recompute.busy,
                       what="the graph drawn")


async def _trends(pilot: Any, waiter: Any) -> None:
    await pilot.press("1")
    await waiter.loaded("overview", what="the overview")
    await pilot.press("w")
    await waiter.until(lambda: getattr(pilot.app.screen, "trends", None) is not None, what="the trends")


async def _time_travel(pilot: Any, waiter: Any) -> None:
    app = pilot.app
    await pilot.press("escape", "2")
    await waiter.loaded("tasks", what="the tasks pane")
    await pilot.press("t")
    await waiter.until(lambda: app.time.past, what="the time bar")
    await pilot.press("slash", *TRAVEL_BACK, "enter")
    await waiter.until(lambda: app.time.summary is not None and app.time.summary.moment == app.time.moment
                       and app.time.moment < app.clock() - 3600, what="the swarm three hours ago")
    await waiter.loaded("tasks", what="the board in the past")


SHOTS: tuple[Shot, ...] = (
    Shot("01-overview", "Needs attention", _show("overview", "1")),
    Shot("02-tasks", "open · by priority", _show("tasks", "2", "d", until=lambda a: not _pane(a, "tasks").drawer_open)),
    Shot("03-task-detail", WHY, _task_detail),
    Shot("04-agents", "heartbeat", _show("agents", "3")),
    Shot("05-mail", "your inbox", _show("mail", "4")),
    Shot("06-reservations", "⚠ C1", _show("reservations", "5")),
    Shot("07-memory", "newest", _show("memory", "6")),
    Shot("08-memory-search", f"result(s) for “{MEMORY_QUERY}”", _memory_search),
    Shot("09-help", "Keys (esc to close)", _help),
    Shot("10-graph", "Critical path", _graph),
    Shot("11-trends", "Trends", _trends),
    Shot("12-time-travel", "PAST", _time_travel),
)
