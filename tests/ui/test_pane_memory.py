"""Memory pane: hybrid search with debounce (latest query wins), any text is
a query, filters, the whole memory, more like this, the task context screen."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from jetpack_tui.ui.modals.task_context import TaskContextScreen
from jetpack_tui.ui.panes.memory.data import MemoryResults, MemoryView, Result
from jetpack_tui.ui.modals.memory_view import MemoryScreen
from jetpack_tui.ui.panes.memory.results import ResultTable

from .panes_fixtures import SIZE, raw_sql, screen_text, settle, swarm, wait_for  # noqa: F401

pytestmark = pytest.mark.anyio


def ids(table: ResultTable) -> list[str]:
    return [table.get_row_at(i)[0].plain for i in range(table.row_count)]


async def open_memory(pilot):
    await settle(pilot, "memory")
    pane = pilot.app.dashboard.active_pane
    return pane, pane.query_one(ResultTable)


async def search(pilot, pane, text: str) -> None:
    before = pane.searches
    box = pane.query_one("#memory-filter", Input)
    box.value = text
    box.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: pane.searches > before and not pilot.app.refresher.busy, what=f"search {text!r}")


async def test_newest_first_without_a_query(swarm):
    async with swarm.app("memory").run_test(size=SIZE) as pilot:
        _, table = await open_memory(pilot)
        assert ids(table) == ["mem-0011", "mem-0010", "mem-0009", "mem-0008"]
        assert "newest 4 of 4 memories" in screen_text(pilot.app)


async def test_typing_is_debounced_and_the_latest_query_wins(swarm):
    async with swarm.app("memory").run_test(size=SIZE) as pilot:
        pane, table = await open_memory(pilot)
        before = pane.searches
        await pilot.press("slash", *"migrations")
        await wait_for(pilot, lambda: pane.view.query == "migrations" and pane.loaded and not pilot.app.refresher.busy
                       and ids(table) and ids(table)[0] == "mem-0009", what="results for the last text")
        assert pane.searches - before < len("migrations")  # not one search per key
        assert "result(s) for “migrations”" in screen_text(pilot.app)
        # an answer computed for an older view is dropped, whatever order it arrives in
        stale = MemoryResults(pane.generation - 1, MemoryView(query="deploy"), [Result(table.selected.memory)])
        pane.post_message(stale)
        await pilot.pause()
        assert ids(table)[0] == "mem-0009" and pane.view.query == "migrations"


@pytest.mark.parametrize("text", ['"AND OR * ( NEAR', "NUL\x00byte", "🚀🚀", "[red]x[/red]", "-- ; DROP TABLE memories",
                                  "x" * 5000, "   "])
async def test_any_text_is_a_valid_query(swarm, text):
    async with swarm.app("memory").run_test(size=SIZE) as pilot:
        pane, table = await open_memory(pilot)
        await search(pilot, pane, text)
        shown = screen_text(pilot.app)
        assert "⚠" not in shown
        assert ("newest 4 of 4" in shown) if not text.strip() else ("result(s) for" in shown)
    assert swarm.dl.memories.count() == 4


async def test_filters_by_type_and_minimum_importance(swarm):
    async with swarm.app("memory").run_test(size=SIZE) as pilot:
        pane, table = await open_memory(pilot)
        await search(pilot, pane, "parser grammar migrations deploy")
        assert len(ids(table)) >= 3
        before = pane.searches
        pane.query_one("#memory-type", Select).value = "pattern"
        await wait_for(pilot, lambda: pane.searches > before and ids(table) == ["mem-0011"], what="type filter")
        pane.query_one("#memory-type", Select).clear()
        pane.query_one("#memory-importance", Select).value = 0.75
        await wait_for(pilot, lambda: (pane.view.type, pane.view.min_importance) == (None, 0.75)
                       and not pilot.app.refresher.busy and ids(table) == ["mem-0008"], what="importance")


async def test_open_the_whole_memory_then_more_like_this(swarm):
    long = "PEG grammar notes.\n" + "\n".join(f"line {i}" for i in range(300))
    swarm.dl.memories.store(long, type="summary", importance=0.3, agent_id="ada", metadata={"source": "[b]x[/b]"})
    async with swarm.app("memory").run_test(size=SIZE) as pilot:
        pane, table = await open_memory(pilot)
        await search(pilot, pane, "grammar notes")
        assert table.select("mem-0012")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, MemoryScreen) and pilot.app.screen.memory,
                       what="memory view")
        shown = screen_text(pilot.app)
        assert "line 299" in shown and '"source": "[b]x[/b]"' in shown
        before = pane.searches
        await pilot.press("L")
        await wait_for(pilot, lambda: pane.searches > before and pane.view.similar_to == "mem-0012", what="similar")
        assert "mem-0012" not in ids(table) and ids(table)
        assert "like “PEG grammar notes." in screen_text(pilot.app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: pane.view.similar_to is None and "mem-0012" in ids(table), what="back")
        assert pilot.app.focused is table


async def test_digits_still_switch_panes_and_escape_leaves_the_query_box(swarm):
    async with swarm.app("memory").run_test(size=SIZE) as pilot:
        pane, table = await open_memory(pilot)
        assert pilot.app.focused is table
        await pilot.press("slash", "4")
        assert pane.query_one("#memory-filter", Input).value == "4"  # typed while in the box
        await pilot.press("escape", "4")
        assert pilot.app.dashboard.active_pane_id == "mail"


async def test_more_like_this_from_the_table(swarm):
    async with swarm.app("memory").run_test(size=SIZE) as pilot:
        pane, table = await open_memory(pilot)
        assert table.select("mem-0011")
        table.focus()
        before = pane.searches
        await pilot.press("L")
        await wait_for(pilot, lambda: pane.searches > before and pane.view.similar_to == "mem-0011", what="similar")
        assert ids(table)[0] == "mem-0008"  # the other PEG memory is the nearest


async def test_task_context_screen(swarm):
    async with swarm.app("memory").run_test(size=SIZE) as pilot:
        pane, table = await open_memory(pilot)
        table.focus()
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, TaskContextScreen) and pilot.app.screen.context,
                       what="context loaded")
        shown = screen_text(pilot.app)
        assert "task-parse [claimed] Write the parser" in shown
        assert "Memories of this task (4)" in shown and "task.help_needed" in shown
        await pilot.press("escape")
        await pilot.pause()
        pilot.app.push_screen(TaskContextScreen("no-such-task"))
        await wait_for(pilot, lambda: "Cannot read it" in screen_text(pilot.app), what="error shown")


async def test_new_memory_matching_the_query_appears_live(swarm):
    async with swarm.app("memory").run_test(size=SIZE) as pilot:
        pane, table = await open_memory(pilot)
        await search(pilot, pane, "PEG")
        assert set(ids(table)) == {"mem-0008", "mem-0011"}
        swarm.dl.memories.store("PEG packrat parsing is linear time.", type="fact", importance=0.8)
        await wait_for(pilot, lambda: "mem-0012" in ids(table), what="new memory in results")


async def test_broken_rows_are_flagged_not_fatal(swarm):
    raw_sql(swarm.path, "INSERT INTO memories(id, type, content, importance, metadata, created_at)"
            " VALUES ('mem-bad', 'gossip', 'odd [red]row[/red]', 'high', '{not json', 'yesterday')")
    async with swarm.app("memory").run_test(size=SIZE) as pilot:
        pane, table = await open_memory(pilot)
        assert "⚑ mem-bad" in ids(table)
        assert table.select("mem-bad")
        await pilot.pause()
        shown = screen_text(pilot.app)
        assert "odd [red]row[/red]" in shown and "not valid JSON" in shown

