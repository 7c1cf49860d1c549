"""What got in the way of a new operator: the drawer from the keyboard, columns
that use the width, many tasks at once, cancelling with its consequences,
screenshots that do not litter the project, a theme that is remembered."""

from __future__ import annotations

import json

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.ui.actions import ActionsDone
from jetpack_tui.ui.modals.confirm import ConfirmScreen
from jetpack_tui.ui.panes.tasks.table import TaskTable

from .conftest import settled, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("frozen_data_clock")]

LONG_ID = "task-8490a1b2-c3d4-e5f6-0718-293a4b5c6d7e"
LONG_TITLE = "Migrate the reservation glob matcher to a linear-time automaton and document the corner cases"


def board(app):
    return app.dashboard.active_pane, app.dashboard.query_one(TaskTable)


async def test_enter_goes_into_the_drawer_whose_keys_scroll_it_and_esc_comes_back(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        table.select("T-008")
        await wait_for(pilot, lambda: "Why blocked" in str(pane.drawer.query_one(".drawer-body").render()),
                       what="detail")
        await pilot.press("enter")
        assert pane.drawer.has_focus
        await pilot.press("j", "j", "j", "pagedown")
        await wait_for(pilot, lambda: pane.drawer.scroll_y > 3, what="scrolled by keys")
        assert table.selected_id == "T-008"  # the keys moved the drawer, not the cursor
        await pilot.press("G")
        await wait_for(pilot, lambda: pane.drawer.scroll_y == pane.drawer.max_scroll_y, what="the end")
        await pilot.press("escape")
        assert table.has_focus and table.selected_id == "T-008"


# (the fixture holds stuck tasks: "ready ⚠ all dead" widens the status column by 8)
@pytest.mark.parametrize("width, title", [(160, 32), (220, 72)])
async def test_wide_terminals_show_whole_ids_and_titles(make_app, open_dl, width, title):
    open_dl().tasks.create(LONG_TITLE, id=LONG_ID, priority="critical")
    app = make_app()
    async with app.run_test(size=(width, 40)) as pilot:
        await settled(pilot, app)
        _, table = board(app)
        await wait_for(pilot, lambda: LONG_ID in table.tasks, what="the long task")
        widths = dict(table.shown_columns)
        assert widths["id"] >= len(LONG_ID)  # an id is never cut
        assert widths["title"] >= title  # the title takes the width left over (it was cut at 22)
        used = sum(w + 2 for w in widths.values())
        assert width - 4 <= used + 2 <= width  # the columns fill the table, no horizontal scrolling


async def test_at_80_columns_the_board_chooses_columns_that_fit(make_app, open_dl):
    open_dl().tasks.create(LONG_TITLE, id=LONG_ID, priority="critical")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, app)
        _, table = board(app)
        await wait_for(pilot, lambda: LONG_ID in table.tasks, what="the long task")
        shown = [key for key, _ in table.shown_columns]
        assert shown[:4] == ["id", "title", "status", "priority"]
        assert "attempts" not in shown and "age" not in shown  # dropped, not 69 right-arrows away
        assert table.virtual_size.width <= table.size.width
        assert dict(table.shown_columns)["id"] >= len(LONG_ID)


async def test_release_many_marked_tasks_each_guarded_by_the_version_seen(make_app, open_dl):
    writer = open_dl()
    writer.tasks.claim("agent-ada", "T-001")
    writer.tasks.claim("agent-ada", "T-005")
    seen: list = []
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        for task_id in ("T-001", "T-003", "T-005"):
            table.select(task_id)
            await pilot.press("space")
        assert table.marked == {"T-001", "T-003", "T-005"}
        assert "3 marked" in str(pane.query_one("#tasks-summary").render())
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert "Release 3 tasks back to the queue?" in str(app.screen.query_one(".modal-title").render())
        writer.tasks.set_priority("T-005", "low", by="someone-else")  # changed while the dialog is open
        await pilot.press("y")
        await wait_for(pilot, lambda: any(isinstance(m, ActionsDone) for m in seen), what="done")
        done = next(m for m in seen if isinstance(m, ActionsDone))
        assert sorted(done.done) == ["T-001", "T-003"] and [t for t, _ in done.conflicts] == ["T-005"]
        assert any("1 refused, changed since you saw them: T-005" in n.message for n in app._notifications)
    tasks = open_dl().tasks
    assert tasks.get("T-001").status == tasks.get("T-003").status == "pending"
    assert tasks.get("T-005").status == "claimed"


async def test_V_marks_a_range_and_esc_clears_the_marks_first(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        keys = table.shown_keys()
        await pilot.press("space", "j", "j", "V")
        assert table.marked == set(keys[:4])
        await pilot.press("escape")
        assert table.marked == set() and pane.query_state.quick == "open"


async def test_cancel_lists_dependents_retry_uncancels_and_open_hides_cancelled(make_app, open_dl):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        pane, table = board(app)
        table.select("T-001")
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="cancel dialog")
        body = str(app.screen.query_one(".modal-body").render())
        assert "1 unfinished task(s) depend on it" in body and "T-002: Write migrations" in body
        await pilot.press("y")
        await wait_for(pilot, lambda: "T-001" not in table.tasks, what="cancelled leaves the open view")
        await pilot.press("F", "F", "F")  # open -> all -> completed -> cancelled
        await wait_for(pilot, lambda: pane.query_state.quick == "cancelled" and not app.refresher.busy
                       and set(table.tasks) == {"T-001", "T-010"}, what="the cancelled tasks")
        table.select("T-001")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="un-cancel dialog")
        assert "Un-cancel T-001?" in str(app.screen.query_one(".modal-title").render())
        assert "retrying un-cancels them" in str(app.screen.query_one(".modal-body").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: "T-001" not in table.tasks, what="back in the queue")
    assert open_dl().tasks.get("T-001").status == "pending"


async def test_f8_saves_into_the_users_data_folder_and_says_where(open_dl, tmp_path, monkeypatch):
    from jetpack_tui.ui.app import JetpackApp

    from .fixtures import frozen

    monkeypatch.chdir(tmp_path)
    app = JetpackApp(open_dl(), settings=Settings(operator="tester"), clock=frozen)  # no folder given: the default
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, app)
        await pilot.press("f8")
        folder = tmp_path / "xdg-data" / "jetpack-tui" / "screenshots"
        await wait_for(pilot, lambda: list(folder.glob("*.svg")), what="the screenshot")
        (shot,) = folder.glob("*.svg")
        assert any(f"screenshot saved to {shot}" in n.message for n in app._notifications)
    assert not list(tmp_path.glob("*.svg"))  # nothing in the current folder


async def test_the_chosen_theme_is_remembered(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot, app)
        app.theme = "nord"  # what the palette's theme picker does
        state = tmp_path / "xdg-data" / "jetpack-tui" / "ui-state.json"
        await wait_for(pilot, lambda: state.exists(), what="saved")
    assert json.loads(state.read_text())["theme"] == "nord"
    again = make_app()
    async with again.run_test(size=(100, 30)) as pilot:
        await settled(pilot, again)
        assert again.theme == "nord"
    named = make_app(settings=Settings(operator="tester", theme="gruvbox"))  # the config still wins
    async with named.run_test(size=(100, 30)) as pilot:
        await settled(pilot, named)
        assert named.theme == "gruvbox"


def test_the_keys_table_of_the_readme_lists_every_binding_of_the_panes():
    import re
    from pathlib import Path

    from jetpack_tui.ui.keymap import binding_ids

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    keys = readme[readme.index("### Keys"):readme.index("## The DataLayer for agents")]
    documented = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", keys))
    ours = {i for i in binding_ids() if i.split(".")[0] in {"pane", "tasks", "agents", "mail", "reservations",
                                                             "memory", "app", "table", "overview", "graph", "dag",
                                                             "time", "trends"}}
    missing = sorted(ours - documented)
    assert not missing, f"the README's key table does not mention {missing}"


def test_the_readme_points_at_screenshots_that_exist():
    import re
    from pathlib import Path

    root = Path(__file__).parents[2]
    links = re.findall(r"\((screenshots/[^)]+)\)", (root / "README.md").read_text())
    assert links and all((root / link).is_file() for link in links)


def test_the_package_keeps_the_ui_files_small():
    from pathlib import Path

    root = Path(__file__).parents[2]
    big = [str(p.relative_to(root)) for p in (root / "jetpack_tui" / "ui").rglob("*.py")
           if len(p.read_text().splitlines()) > 400]
    assert big == []

