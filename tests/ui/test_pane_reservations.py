"""Reservations pane: conflicts grouped on top, filters, expired on request,
keyed live updates, release and force-release with stale-view protection."""

from __future__ import annotations

import pytest

from jetpack_tui.ui.actions import ActionConflicted, ActionSucceeded
from jetpack_tui.ui.panes.reservations.columns import ReservationTable
from jetpack_tui.ui.modals.confirm import ConfirmScreen
from jetpack_tui.ui.modals.conflict import ConflictScreen

from .panes_fixtures import OPERATOR, SIZE, screen_text, settle, swarm, wait_for  # noqa: F401

pytestmark = pytest.mark.anyio


def paths(table: ReservationTable) -> list[str]:
    return [table.get_row_at(i)[0].plain for i in range(table.row_count)]


def row_of(table: ReservationTable, path: str) -> str:
    return next(key for key, row in table.items.items() if row.reservation.file_path == path)


async def open_pane(pilot) -> ReservationTable:
    await settle(pilot, "reservations")
    return pilot.app.dashboard.query_one(ReservationTable)


async def test_conflicts_are_grouped_first_and_marked(swarm):
    async with swarm.app("reservations").run_test(size=SIZE) as pilot:
        table = await open_pane(pilot)
        assert paths(table) == ["src/parser/**", "src/parser/lexer.py", "docs/*.md"]
        assert [table.get_row_at(i)[1].plain for i in range(3)] == ["⚠ C1", "⚠ C1", ""]
        text = screen_text(pilot.app)
        assert "3 active · 2 reservations in 1 conflict group: C1 (2)" in text
        assert "Conflict group C1" in text  # the drawer of the selected (first) row


async def test_conflicts_only_path_and_agent_filters_and_expired(swarm):
    async with swarm.app("reservations").run_test(size=SIZE) as pilot:
        table = await open_pane(pilot)
        pane = pilot.app.dashboard.active_pane
        await pilot.press("f")  # conflicts only
        assert paths(table) == ["src/parser/**", "src/parser/lexer.py"]
        await pilot.press("F", "slash", *"docs", "enter")
        await wait_for(pilot, lambda: paths(table) == ["docs/*.md"], what="path filter")
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(paths(table)) == 3, what="filters cleared")
        await pilot.press("slash", *"@cyd", "enter")
        await wait_for(pilot, lambda: paths(table) == ["src/parser/**"], what="agent filter")
        pane.apply_filter(expired=True)
        await wait_for(pilot, lambda: "ops/deploy.sh" in paths(table), what="expired shown")
        row = table.items[row_of(table, "ops/deploy.sh")]
        assert row.reservation.state == "expired"


async def test_new_reservation_from_elsewhere_joins_the_conflict_group(swarm):
    async with swarm.app("reservations").run_test(size=SIZE) as pilot:
        table = await open_pane(pilot)
        selected = table.selected_id
        swarm.dl.reservations.reserve("bob", "src/parser/ast.py", "edit")
        await wait_for(pilot, lambda: "src/parser/ast.py" in paths(table), what="new row")
        assert paths(table)[:3] == ["src/parser/**", "src/parser/ast.py", "src/parser/lexer.py"]
        assert table.get_row_at(1)[1].plain == "⚠ C1"
        assert table.selected_id == selected


async def test_force_release_tells_the_holder(swarm):
    seen: list = []
    async with swarm.app("reservations").run_test(size=SIZE, message_hook=seen.append) as pilot:
        table = await open_pane(pilot)
        rid = row_of(table, "src/parser/**")
        assert table.select(rid)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: any(isinstance(m, ActionSucceeded) for m in seen), what="released")
        await wait_for(pilot, lambda: "src/parser/**" not in paths(table), what="row gone")
        assert "no conflicts" in screen_text(pilot.app)
    assert swarm.dl.reservations.get(rid).state == "released"
    mail = [d.message for d in swarm.dl.messages.receive("cyd")]
    told = [m for m in mail if m.type == "operator.force_release"]
    assert told and told[0].payload["by"] == OPERATOR
    reason = told[0].payload["reason"]
    assert reason == f"force-released by {OPERATOR}; holder cyd was dead (last heartbeat 16m ago)", reason


async def test_force_release_refused_when_renewed_meanwhile(swarm):
    seen: list = []
    async with swarm.app("reservations").run_test(size=SIZE, message_hook=seen.append) as pilot:
        table = await open_pane(pilot)
        rid = row_of(table, "docs/*.md")
        assert table.select(rid)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what="confirm")
        swarm.clock.advance(5)
        swarm.dl.reservations.reserve("bob", "docs/*.md", "read", ttl=7200)  # bob renews it
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConflictScreen), what="conflict")
        conflict = next(m for m in seen if isinstance(m, ActionConflicted))
        assert "renewed" in conflict.reason
    assert swarm.dl.reservations.get(rid).state == "active"


async def test_release(swarm):
    async with swarm.app("reservations").run_test(size=SIZE) as pilot:
        table = await open_pane(pilot)
        assert table.select(row_of(table, "src/parser/lexer.py"))
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: "src/parser/lexer.py" not in paths(table), what="row gone")
    assert swarm.dl.reservations.list(agent_id="ada") == []


async def test_read_only_disables_release(swarm):
    async with swarm.app("reservations", read_only=True).run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        enabled = {b.binding.action for b in pilot.app.screen.active_bindings.values() if b.enabled}
        assert not {"release", "force_release"} & enabled
        await pilot.press("R", "r")
        await pilot.pause()
        assert pilot.app.screen is pilot.app.dashboard
    assert len(swarm.dl.reservations.list()) == 3




async def footer_width_of_pane_keys(pilot, pane_id: str) -> int:
    """Columns the pane's own keys take in the footer (the rest of 140 is left
    for the app's keys and the palette hint)."""
    from textual.widgets._footer import FooterKey

    await settle(pilot, pane_id)
    actions = {b.action for b in pilot.app.dashboard.active_pane.BINDINGS}
    return sum(k.region.width for k in pilot.app.screen.query(FooterKey) if k.action in actions)


async def test_footer_leaves_room_and_help_lists_hidden_keys(swarm):
    async with swarm.app("reservations").run_test(size=(140, 40)) as pilot:
        assert await footer_width_of_pane_keys(pilot, "reservations") <= 70
        await pilot.press("question_mark")
        await pilot.pause()
        listed = " ".join(row[2] for row in pilot.app.screen.rows())
        assert "Filter" in listed and "Previous view" in listed


async def test_force_release_of_an_alive_holder_says_so_without_contradiction(swarm):
    swarm.dl.agents.heartbeat("bob")  # bob is alive now
    async with swarm.app("reservations").run_test(size=SIZE) as pilot:
        table = await open_pane(pilot)
        row = table.items[row_of(table, "docs/*.md")]
        reason = pilot.app.dashboard.active_pane.force_reason(row)
        assert reason == f"force-released by {OPERATOR}; holder bob was alive (last heartbeat 0s ago)"
        assert "stale" not in reason
