"""The task board: first paint, filters, sort, paging, keys, live updates by id."""

from __future__ import annotations

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.ui.modals.task_context import TaskContextScreen
from jetpack_tui.ui.panes.tasks.messages import TasksChanged, TasksPage
from jetpack_tui.ui.panes.tasks.table import TaskTable

from .conftest import pane_data, settled, wait_for
from .fixtures import OPEN_IDS

pytestmark = pytest.mark.anyio


def board(app):
    pane = app.dashboard.query_one("#pane-tasks")
    return pane, pane.query_one(TaskTable)


def header(pane) -> str:
    return str(pane.query_one("#tasks-summary").render())


def shown_ids(table):
    return [table.coordinate_to_cell_key((row, 0)).row_key.value for row in range(table.row_count)]


async def test_first_paint_shows_open_tasks_by_priority(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        assert set(shown_ids(table)) == set(OPEN_IDS)
        assert shown_ids(table)[:2] == ["T-001", "T-008"]  # critical first, then by age
        assert "rows 1–8 of 8" in header(pane)
        assert table.has_focus


async def test_quick_filters_and_text_filter(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        expected = {"ready": {"T-001", "T-005", "T-006"}, "blocked": {"T-002", "T-008"},
                    "claimed": {"T-003", "T-004"}, "failed": {"T-007"}, "cancelled": {"T-010"},
                    "completed": {"T-009"}, "all": set(OPEN_IDS) | {"T-009", "T-010"}}
        for name in ("ready", "blocked", "claimed", "failed", "cancelled", "completed", "all"):
            await pilot.press("f")
            await wait_for(pilot, lambda: pane.query_state.quick == name and not app.refresher.busy
                           and set(shown_ids(table)) == expected[name], what=name)
            assert f"of {len(expected[name])}" in header(pane)  # the total from the status counts
        await pilot.press("f")  # back to open: neither completed nor cancelled
        await wait_for(pilot, lambda: set(shown_ids(table)) == set(OPEN_IDS), what="open")
        await pilot.press("slash")
        assert pane.filter_box.has_focus
        await pilot.press(*"pars", "enter")
        await wait_for(pilot, lambda: shown_ids(table) == ["T-004"], what="text filter")
        assert table.has_focus
        await pilot.press("escape", "slash", *"@agent-cy", "enter")
        await wait_for(pilot, lambda: shown_ids(table) == ["T-003"], what="@agent filter")


async def test_sort_cycles_and_reverses(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        await pilot.press("s")  # priority -> id
        await wait_for(pilot, lambda: shown_ids(table) == sorted(OPEN_IDS), what="by id")
        await pilot.press("S")
        await wait_for(pilot, lambda: shown_ids(table) == sorted(OPEN_IDS, reverse=True), what="by id desc")
        assert "▼" in str(table.columns["id"].label)


async def test_cursor_keys(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        _, table = board(app)
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0


async def test_paging_in_sql(make_app, open_dl):
    writer = open_dl()
    for i in range(25):
        writer.tasks.create(f"bulk {i}", id=f"B-{i:03d}", priority="low")
    app = make_app(settings=Settings(operator="tester", page_size=10))
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        assert table.row_count == 10 and pane.total == 33
        for _ in range(9):
            await pilot.press("j")
        await pilot.press("pagedown")  # at the last row: next SQL page
        await wait_for(pilot, lambda: pane.first_row == 10 and not app.refresher.busy, what="page 2")
        assert "rows 11–20 of 33" in header(pane)
        assert table.cursor_row == 0
        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_for(pilot, lambda: pane.first_row == 30 and table.row_count == 3, what="last page")
        await pilot.press("pageup")  # at the first row: previous SQL page, cursor at its end
        await wait_for(pilot, lambda: pane.first_row == 20 and table.row_count == 10, what="back")
        assert table.cursor_row == 9


async def test_G_goes_to_the_real_end_of_the_board_and_g_to_its_start(make_app, open_dl):
    writer = open_dl()
    for i in range(25):
        writer.tasks.create(f"bulk {i}", id=f"B-{i:03d}", priority="low")
    last = [t.id for t in writer.tasks.list(exclude_status=("completed", "cancelled"), limit=None)][-1]
    app = make_app(settings=Settings(operator="tester", page_size=10))
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        await pilot.press("G")  # not the end of this 10-row page: the end of the 33 rows
        await wait_for(pilot, lambda: pane.first_row == 23 and not app.refresher.busy, what="the last page")
        assert table.selected_id == last and "rows 24–33 of 33" in header(pane)
        await pilot.press("left_square_bracket")  # the page before, still counted from the end
        await wait_for(pilot, lambda: pane.first_row == 13 and not app.refresher.busy, what="the page before")
        assert table.cursor_row == 9 and "rows 14–23 of 33" in header(pane)
        await pilot.press("ctrl+home")
        await wait_for(pilot, lambda: pane.first_row == 0 and not app.refresher.busy, what="the start")
        assert table.cursor_row == 0 and table.selected_id == "T-001"
        await pilot.press("ctrl+end")
        await wait_for(pilot, lambda: table.selected_id == last and not app.refresher.busy, what="the end again")


async def test_other_process_changes_apply_by_id_and_keep_the_cursor(make_app, open_dl):
    seen: list = []
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        await pilot.press("j", "j", "j")
        selected = table.selected_id
        pages = len(pane_data(seen, TasksPage))
        writer = open_dl()
        writer.tasks.set_priority("T-006", "critical", by="someone")
        writer.tasks.create("Brand new", id="T-100", priority="high")
        writer.tasks.cancel("T-005", by="someone")  # cancelled: leaves the open view
        writer.tasks.retry("T-007", by="someone")
        await wait_for(pilot, lambda: "T-100" in table.tasks and table.tasks["T-006"].priority == "critical"
                       and table.tasks["T-007"].status == "pending" and "T-005" not in table.tasks,
                       what="live changes")
        assert table.selected_id == selected
        assert len(pane_data(seen, TasksPage)) == pages  # no page reload for a delta
        deltas = [m for m in pane_data(seen, TasksChanged) if m.rows]
        assert set().union(*(m.rows for m in deltas)) <= {"T-006", "T-100", "T-005", "T-007"}
        # Placed where the SQL puts them, without re-reading the page.
        assert shown_ids(table) == [t.id for t in writer.tasks.list(**pane.query_state.list_kwargs(200))]
        assert "rows 1–8 of 8" in header(pane)  # counted in the same refresh as the rows
        await pilot.press("f")  # ready only
        await wait_for(pilot, lambda: pane.query_state.quick == "ready" and not app.refresher.busy, what="ready")
        writer.tasks.claim("agent-ada", "T-001")
        await wait_for(pilot, lambda: "T-001" not in table.tasks, what="claimed task leaves the ready view")


async def test_detail_drawer_shows_blockers_history_and_children(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        drawer_text = lambda: str(pane.query_one(".drawer-body").render())  # noqa: E731
        table.select("T-008")
        await wait_for(pilot, lambda: "Why blocked" in drawer_text(), what="T-008 detail")
        text = drawer_text()
        assert "waits for T-002 (pending)" in text and "T-999, which does not exist" in text
        assert "T-999 — missing" in text
        table.select("T-003")
        await wait_for(pilot, lambda: "Document the API" in drawer_text(), what="children")
        assert "claim_for" not in drawer_text() and "claim " in drawer_text()
        await pilot.press("d")
        assert not pane.query_one("#tasks-drawer").display


async def test_scroll_position_survives_live_updates(make_app, open_dl):
    writer = open_dl()
    for i in range(60):
        writer.tasks.create(f"filler {i}", id=f"F-{i:03d}", priority="medium")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        _, table = board(app)
        await pilot.press("d")  # drawer closed: more rows, still a scrolling table
        for _ in range(40):
            await pilot.press("j")
        await pilot.pause()
        selected, scroll = table.selected_id, table.scroll_y
        assert scroll > 0
        for i in range(0, 60, 7):
            writer.tasks.update(f"F-{i:03d}", title=f"filler {i} (edited)")
        writer.tasks.create("Another filler", id="F-999", priority="medium")
        await wait_for(pilot, lambda: "F-999" in table.tasks and table.tasks["F-056"].title.endswith("(edited)"),
                       what="updates applied")
        await pilot.pause()
        assert table.selected_id == selected and table.scroll_y == scroll


async def test_overview_figures_open_the_board_filtered(make_app):
    app = make_app(start_pane="overview")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        overview = app.dashboard.query_one("#pane-overview")
        await wait_for(pilot, lambda: {"tasks.failed", "tasks.ready"} <= set(overview.views), what="figures")
        pane, table = board(app)
        for key, quick, expected in (("tasks.failed", "failed", ["T-007"]),
                                     ("tasks.ready", "ready", ["T-001", "T-005", "T-006"])):
            await pilot.press("1")
            overview.views[key].focus()
            await pilot.press("enter")
            assert app.dashboard.active_pane_id == "tasks"
            await wait_for(pilot, lambda: pane.query_state.quick == quick and not app.refresher.busy
                           and sorted(shown_ids(table)) == expected, what=f"{quick} rows")
            assert quick in header(pane)
            assert table.has_focus
        # A text filter left on the board does not hide rows the figure counted.
        pane.apply_filter(text="parser")
        await wait_for(pilot, lambda: shown_ids(table) == ["T-004"], what="text filter")
        assert pane.apply_filter(quick="failed")
        await wait_for(pilot, lambda: shown_ids(table) == ["T-007"], what="failed again")


async def test_apply_filter_refuses_what_it_does_not_know(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        pane, _ = board(app)
        before = pane.query_state
        assert not pane.apply_filter(quick="sleeping")
        assert not pane.apply_filter(order_by="colour")
        assert not pane.apply_filter(liveness="dead")
        assert pane.query_state == before
        assert pane.apply_filter(quick="all", order_by="id", descending=True)
        assert pane.query_state.order_by == "id" and pane.query_state.descending and pane.query_state.quick == "all"


async def test_T_opens_the_selected_tasks_context(make_app):
    app = make_app(read_only=True)  # reading the context is not a write
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        _, table = board(app)
        table.select("T-002")
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskContextScreen), what="context screen")
        body = app.screen.query_one(".view-body")
        await wait_for(pilot, lambda: "Write migrations" in str(body.render()), what="context loaded")
        assert app.screen.task_id == "T-002"
        assert "T-001" in str(body.render())  # its dependency
        await pilot.press("escape")
        assert app.screen is app.dashboard
