"""Operator actions from the keyboard: they carry the version the operator saw,
refuse to overwrite a row another process changed, and vanish in read-only mode."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jetpack_tui.data import ReadOnlyError
from jetpack_tui.ui.actions import ActionConflicted, ActionSucceeded
from jetpack_tui.ui.panes.tasks.table import TaskTable
from jetpack_tui.ui.modals.agent_picker import AgentPicker
from jetpack_tui.ui.modals.confirm import ConfirmScreen
from jetpack_tui.ui.modals.conflict import ConflictScreen
from jetpack_tui.ui.modals.help_screen import HelpScreen

from .conftest import assert_write_keys_refused, settled, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("frozen_data_clock")]


async def open_board(pilot, app, task_id):
    await settled(pilot, app)
    table = app.dashboard.query_one(TaskTable)
    assert table.select(task_id)
    return table


def outcomes(seen, kind):
    return [m for m in seen if isinstance(m, kind)]


async def test_assign_a_pending_task_via_the_picker(make_app, open_dl):
    seen: list = []
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        table = await open_board(pilot, app, "T-001")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentPicker), what="picker")
        picker = app.screen
        assert [a.id for a, _ in picker.choices][0] == "agent-ada"  # alive and has "sql"
        assert dict((a.id, n) for a, n in picker.choices)["agent-bob"] == "missing sql"
        await pilot.press("enter")
        await wait_for(pilot, lambda: outcomes(seen, ActionSucceeded), what="claim")
        await wait_for(pilot, lambda: table.tasks["T-001"].claimed_by == "agent-ada", what="row updated")
    task = open_dl().tasks.get("T-001")
    assert task.status == "claimed" and task.last_actor == "tester" and task.last_action == "claim_for"


async def test_row_changed_while_the_picker_is_open_is_not_overwritten(make_app, open_dl):
    seen: list = []
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await open_board(pilot, app, "T-001")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentPicker), what="picker")
        open_dl().tasks.set_priority("T-001", "low", by="someone-else")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen), what="conflict report")
        report = app.screen
        changed = {name: (before, after) for name, before, after in report.changes}
        assert changed["priority"] == ("critical", "low")
        assert changed["version"] == (1, 2)
        assert outcomes(seen, ActionConflicted)[0].action == "assign"
        await pilot.press("escape")
        assert not isinstance(app.screen, ConflictScreen)
    task = open_dl().tasks.get("T-001")
    assert task.status == "pending" and task.claimed_by is None and task.priority == "low"


async def test_release_asks_first_with_focus_on_no(make_app, open_dl):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await open_board(pilot, app, "T-003")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert app.screen.focused.id == "no"
        await pilot.press("enter")  # No
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="closed")
        assert open_dl().tasks.get("T-003").status == "claimed"
        await pilot.press("r", "y")
        await wait_for(pilot, lambda: table.tasks["T-003"].status == "pending", what="released")
    task = open_dl().tasks.get("T-003")
    assert task.claimed_by is None and task.last_actor == "tester" and task.last_action == "release"


async def test_release_conflict_from_another_process(make_app, fixture_path, open_dl):
    seen: list = []
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await open_board(pilot, app, "T-003")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        script = ("import sys; from jetpack_tui.data import create_local_data_layer as c\n"
                  "dl = c(sys.argv[1]); t = dl.tasks.get('T-003')\n"
                  "dl.tasks.reassign('T-003', 'agent-ada', by='other-operator', expected_version=t.version)\n"
                  "dl.close()")
        subprocess.run([sys.executable, "-c", script, fixture_path], check=True, timeout=60)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen), what="conflict report")
        changed = {name for name, _, _ in app.screen.changes}
        assert {"claimed_by", "version", "claim_token", "last_actor"} <= changed
    task = open_dl().tasks.get("T-003")
    assert task.claimed_by == "agent-ada" and task.status == "claimed"


async def test_assign_a_claimed_task_reassigns_it_retry_cancel_and_priority(make_app, open_dl):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        table = await open_board(pilot, app, "T-004")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AgentPicker), what="picker")
        notes = dict((a.id, n) for a, n in app.screen.choices)
        assert notes["agent-bob"] == "current owner" and "missing rust" in notes["agent-ada"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: table.tasks["T-004"].claimed_by == "agent-ada", what="reassigned")
        table.select("T-007")
        await pilot.press("u")
        await wait_for(pilot, lambda: table.tasks["T-007"].status == "pending", what="retried")
        table.select("T-003")
        await pilot.press("plus")
        await wait_for(pilot, lambda: table.tasks["T-003"].priority == "high", what="raised")
        await pilot.press("minus")
        await wait_for(pilot, lambda: table.tasks["T-003"].priority == "medium", what="lowered")
        table.select("T-005")
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm cancel")
        await pilot.press("y")
        await wait_for(pilot, lambda: "T-005" not in table.tasks, what="cancelled: no longer open")
    tasks = open_dl().tasks
    assert [e.action for e in tasks.history("T-003")][-2:] == ["set_priority", "set_priority"]
    assert tasks.get("T-005").last_actor == "tester" and tasks.get("T-005").status == "cancelled"


async def test_read_only_disables_actions_and_their_keys_say_so(make_app, open_dl):
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_board(pilot, app, "T-003")
        bindings = {b.binding.id: b for b in app.screen.active_bindings.values()}
        assert bindings["pane.filter"].enabled
        for binding_id in ("tasks.assign", "tasks.release", "tasks.retry", "tasks.cancel", "tasks.priority_up"):
            assert not bindings[binding_id].enabled  # shown disabled, not hidden
        await assert_write_keys_refused(pilot, app, "read-only")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = {row[3]: row for row in app.screen.rows()}
        assert "read-only" in rows["tasks.release"][2]
        assert "[read-only]" in str(app.dashboard.query_one("#status-line").render())
        with pytest.raises(ReadOnlyError):
            app.dl.tasks.release("T-003", by="tester")
    assert open_dl().tasks.get("T-003").status == "claimed"
