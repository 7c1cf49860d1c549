"""The board marks work that can never run (``ready ⚠ no agent``), says
why in the drawer and counts it in the header; the mark goes when the
cause does, and the past is never marked."""

from __future__ import annotations

import sqlite3

import pytest

from jetpack_tui.ui.panes.tasks import stuck_marks

from .conftest import settled, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("frozen_data_clock")]


def state_text(pane, task_id: str) -> str:
    return str(pane.table.get_cell(task_id, "status"))


def header(pane) -> str:
    return str(pane.query_one(".pane-summary").render())


async def test_work_no_agent_can_do_is_marked_and_the_mark_goes_with_the_cause(make_app, open_dl, fixture_path):
    dl = open_dl()
    dl.tasks.create("Port the COBOL ledger", id="S-1", required_skills=["cobol"], priority="critical")
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await settled(pilot, app)
        pane = app.dashboard.active_pane
        await wait_for(pilot, lambda: "S-1" in pane.table.tasks and pane.stuck.settled
                       and pane.stuck.short("S-1") == "no agent", what="S-1 marked")
        assert state_text(pane, "S-1") == "ready ⚠ no agent"
        assert "stuck" in header(pane)
        pane.table.select("S-1")
        if not pane.drawer_open:
            await pilot.press("d")

        def drawer() -> str:
            return str(pane.drawer.query_one(".drawer-body").render())

        # (the fixture's T-001 is stuck too: wait for S-1's own drawer)
        await wait_for(pilot, lambda: drawer().startswith("Port the COBOL ledger") and "⚠ Stuck" in drawer(),
                       what="the reason in the drawer")
        assert "cobol" in drawer()
        # A foreign writer (the sqlite3 shell) drops the skill: the next check clears the mark.
        with sqlite3.connect(fixture_path) as db:
            db.execute("UPDATE tasks SET required_skills = '[]' WHERE id = 'S-1'")
        await wait_for(pilot, lambda: pane.stuck.settled and pane.stuck.short("S-1") is None
                       and state_text(pane, "S-1") == "ready", what="the mark gone", tries=1200)


async def test_a_missing_dependency_is_marked_on_a_blocked_task(make_app, fixture_path):
    with sqlite3.connect(fixture_path) as db:  # a foreign writer: no check that the dependency exists
        db.execute("INSERT INTO tasks(id, title, status, dependencies) VALUES ('S-2', 'Orphan', 'pending', '[\"ghost\"]')")
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await settled(pilot, app)
        pane = app.dashboard.active_pane
        await wait_for(pilot, lambda: "S-2" in pane.table.tasks and pane.stuck.short("S-2") == "dep gone",
                       what="S-2 marked")
        assert state_text(pane, "S-2") == "blocked ⚠ dep gone"


async def test_above_the_limit_the_board_does_not_check_and_says_so(make_app, open_dl, monkeypatch):
    open_dl().tasks.create("Port the COBOL ledger", id="S-1", required_skills=["cobol"])
    monkeypatch.setattr(stuck_marks, "LIMIT", 3)  # the fixture holds more unfinished tasks than that
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await settled(pilot, app)
        pane = app.dashboard.active_pane
        await wait_for(pilot, lambda: "S-1" in pane.table.tasks and "not checked above 3" in header(pane),
                       what="the header saying so")
        assert pane.stuck.recompute.runs == 0 and state_text(pane, "S-1") == "ready"
