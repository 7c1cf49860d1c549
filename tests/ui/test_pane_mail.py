"""Mail pane: threads by newest activity, the open thread with pretty,
folded and flagged payloads, filters, and reply / write / broadcast / ack."""

from __future__ import annotations

import pytest

from jetpack_tui.ui.actions import ActionFailed
from jetpack_tui.ui.modals.compose import ComposeScreen
from jetpack_tui.ui.panes.mail.thread_view import ThreadView
from jetpack_tui.ui.panes.mail.threads import ThreadTable

from .panes_fixtures import OPERATOR, SIZE, raw_sql, screen_text, settle, swarm, wait_for  # noqa: F401

pytestmark = pytest.mark.anyio


def thread_ids(table: ThreadTable) -> list[str]:
    return [table.get_row_at(i)[0].plain for i in range(table.row_count)]


def items_text(view: ThreadView) -> list[str]:
    return [item.body.render().plain for item in view.list.children]


async def open_mail(pilot, thread: str | None = None) -> tuple[ThreadTable, ThreadView]:
    await settle(pilot, "mail")
    dashboard = pilot.app.dashboard
    table, view = dashboard.query_one(ThreadTable), dashboard.query_one(ThreadView)
    if thread is not None:
        assert table.select(thread)
        await wait_for(pilot, lambda: view.thread_id == thread and view.messages, what=f"thread {thread}")
        await pilot.pause()
    return table, view


async def test_threads_newest_first_and_the_thread_in_order(swarm):
    async with swarm.app("mail").run_test(size=SIZE) as pilot:
        table, view = await open_mail(pilot, "msg-0005")
        assert thread_ids(table) == ["msg-0007", "msg-0005"]
        row = [c.plain for c in table.get_row("msg-0005")]
        assert row[2:6] == ["ada, operator", "2", "2", "2"]
        first, second = items_text(view)
        assert first.splitlines()[0].startswith("10m ago  ada → operator  task.help_needed  read 0/1 · acked 0/1")
        assert '"question": "which grammar?",' in first and '    "peg",' in first
        assert second.splitlines()[0].startswith("5m ago  operator → ada  operator.message")
        text = screen_text(pilot.app)
        assert "swarm: 5 unread, 5 awaiting ack" in text
        assert f"your inbox ({OPERATOR}): 1 unread, 1 to ack" in text  # ada's question to the operator


async def test_broken_json_is_shown_raw_and_flagged_markup_literal(swarm):
    raw_sql(swarm.path, "INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id, timestamp)"
            " VALUES ('msg-bad', 'task.help_needed', 'cyd', 'operator', '{\"broken\": [1, 2', NULL,"
            " '2026-01-18 09:59:30')")
    async with swarm.app("mail").run_test(size=SIZE) as pilot:
        table, view = await open_mail(pilot, "msg-bad")
        assert thread_ids(table)[0] == "msg-bad"  # 30 s ago: the newest activity
        (text,) = items_text(view)
        assert "⚑ payload is not valid JSON — shown raw" in text and '{"broken": [1, 2' in text
        assert table.select("msg-0007")
        await wait_for(pilot, lambda: view.thread_id == "msg-0007", what="broadcast thread")
        # the list swaps its items when Textual processes the removal: wait for the new ones
        await wait_for(pilot, lambda: items_text(view) and not any("msg-bad" in t for t in items_text(view)),
                       what="broadcast shown")
        assert '"text": "[red]hello[/red] everyone"' in items_text(view)[0]
        assert "every agent" in items_text(view)[0]


async def test_long_payloads_fold_and_unfold(swarm):
    long = swarm.dl.messages.send("bob", OPERATOR, "task.handoff", {f"key{i:02d}": i for i in range(30)})
    async with swarm.app("mail").run_test(size=SIZE) as pilot:
        _, view = await open_mail(pilot, long.thread_id)
        assert "… 24 more lines (z unfolds)" in items_text(view)[0]
        await pilot.press("enter", "z")
        await wait_for(pilot, lambda: '"key29": 29' in items_text(view)[0], what="unfolded")
        await pilot.press("z")
        await wait_for(pilot, lambda: "more lines" in items_text(view)[0], what="folded again")


async def test_reply_lands_in_the_thread_live(swarm):
    async with swarm.app("mail").run_test(size=SIZE) as pilot:
        _, view = await open_mail(pilot, "msg-0005")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ComposeScreen), what="compose")
        draft = pilot.app.screen.draft()
        assert draft == "the message is empty"
        assert pilot.app.screen.initial.to == "ada" and pilot.app.screen.initial.thread_id == "msg-0005"
        await pilot.press(*"LALR is fine too", "ctrl+s")
        await wait_for(pilot, lambda: len(view.messages) == 3, what="reply shown in the thread")
        assert '"text": "LALR is fine too"' in items_text(view)[2]
    reply = swarm.dl.messages.thread("msg-0005")[-1]
    assert (reply.from_agent, reply.to_agent, reply.task_id) == (OPERATOR, "ada", "task-parse")


async def test_broadcast_reaches_every_agent(swarm):
    async with swarm.app("mail").run_test(size=SIZE) as pilot:
        table, _ = await open_mail(pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ComposeScreen), what="compose")
        await pilot.press(*"pause all work", "ctrl+s")
        await wait_for(pilot, lambda: table.row_count == 3, what="new thread listed")
    (sent,) = [m for m in swarm.dl.messages.list(agent=OPERATOR) if m.to_agent == "*"]
    assert sent.recipients == 4 and sent.payload == {"text": "pause all work"}


async def test_ack_from_the_thread_list_picks_the_message_awaiting_the_operator(swarm):
    async with swarm.app("mail").run_test(size=SIZE) as pilot:
        _, view = await open_mail(pilot, "msg-0005")
        await pilot.press("A")  # focus is on the thread list
        await wait_for(pilot, lambda: "acked 1/1" in items_text(view)[0], what="acked shown")
    assert swarm.dl.messages.deliveries("msg-0005")[0].acked
    assert not swarm.dl.messages.deliveries("msg-0006")[0].acked


async def test_ack_as_operator_and_refusal_when_not_a_recipient(swarm):
    seen: list = []
    async with swarm.app("mail").run_test(size=SIZE, message_hook=seen.append) as pilot:
        _, view = await open_mail(pilot, "msg-0005")
        await pilot.press("enter", "up")
        await wait_for(pilot, lambda: view.list.index == 0, what="first message highlighted")
        await pilot.press("A")
        await wait_for(pilot, lambda: "acked 1/1" in items_text(view)[0], what="acked shown")
        await pilot.press("down", "A")  # operator -> ada: the operator is not its recipient
        await wait_for(pilot, lambda: any("only ada can ack it" in n.message for n in pilot.app._notifications),
                       what="what ack means, said")
        assert not any(isinstance(m, ActionFailed) for m in seen)  # nothing was tried
    (delivery,) = swarm.dl.messages.deliveries("msg-0005")
    assert delivery.agent_id == OPERATOR and delivery.acked
    assert not swarm.dl.messages.deliveries("msg-0006")[0].acked


async def test_filters_by_agent_type_and_awaiting_ack(swarm):
    swarm.dl.messages.ack("msg-0006", "ada")
    async with swarm.app("mail").run_test(size=SIZE) as pilot:
        table, _ = await open_mail(pilot)
        await pilot.press("slash", *"@bob", "enter")
        await wait_for(pilot, lambda: thread_ids(table) == ["msg-0007"], what="agent filter")
        pilot.app.dashboard.active_pane.apply_filter(type="task.*")
        await wait_for(pilot, lambda: thread_ids(table) == ["msg-0005"], what="type family filter")
        pilot.app.dashboard.active_pane.apply_filter(type="no such type")
        await wait_for(pilot, lambda: table.row_count == 0, what="nothing of that type")
        pilot.app.dashboard.active_pane.apply_filter(pending=True)
        await wait_for(pilot, lambda: table.row_count == 2, what="both still await an ack")
        swarm.dl.messages.ack("msg-0005", OPERATOR)
        await wait_for(pilot, lambda: thread_ids(table) == ["msg-0007"], what="acked thread drops out")
        await pilot.press("f")  # awaiting ack -> mine: the threads the operator is in
        await wait_for(pilot, lambda: thread_ids(table) == ["msg-0005"], what="the operator's threads")


async def test_read_only_disables_writes(swarm):
    async with swarm.app("mail", read_only=True).run_test(size=SIZE) as pilot:
        await open_mail(pilot, "msg-0005")
        enabled = {b.binding.action for b in pilot.app.screen.active_bindings.values() if b.enabled}
        assert not {"message", "compose", "broadcast", "ack"} & enabled
        await pilot.press("m", "b", "n", "A")
        await pilot.pause()
        assert pilot.app.screen is pilot.app.dashboard
    assert swarm.dl.messages.count() == 3



async def test_palette_jump_opens_a_thread_hidden_by_a_filter(swarm):
    async with swarm.app("mail").run_test(size=SIZE) as pilot:
        table, view = await open_mail(pilot)
        pane = pilot.app.dashboard.active_pane
        pane.apply_filter(type="agent.*")
        await wait_for(pilot, lambda: thread_ids(table) == ["msg-0007"], what="filtered")
        assert pane.jump_to("msg-0005")
        await wait_for(pilot, lambda: view.thread_id == "msg-0005" and view.messages, what="thread opened")
        assert pane.view.type == "" and table.selected_id == "msg-0005"


async def test_compose_refuses_incomplete_drafts_and_escape_cancels(swarm):
    async with swarm.app("mail").run_test(size=SIZE) as pilot:
        await open_mail(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ComposeScreen), what="compose")
        compose = pilot.app.screen
        await pilot.press("ctrl+s")
        assert pilot.app.screen is compose  # nobody to send to: stays open, says why
        assert "say who to send to" in screen_text(pilot.app)
        await pilot.press(*"ada", "tab", "tab")  # to: ada; past the type; into the body
        await pilot.press("ctrl+s")
        assert pilot.app.screen is compose and "the message is empty" in screen_text(pilot.app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: pilot.app.screen is pilot.app.dashboard, what="cancelled")
    assert swarm.dl.messages.count() == 3


def test_a_long_thread_reads_only_its_newest_messages(swarm, monkeypatch):
    from jetpack_tui.data.changes import ChangeSet
    from jetpack_tui.ui.panes.base import FetchRequest
    from jetpack_tui.ui.panes.mail import data as mail_data

    monkeypatch.setattr(mail_data, "THREAD_LIMIT", 3)
    for n in range(4):
        swarm.clock.advance(1)
        swarm.dl.messages.send("ada", OPERATOR, "note", {"n": n}, thread_id="msg-0005")
    view = mail_data.MailView(thread="msg-0005", quick="awaiting ack")
    threads, thread = mail_data.fetch_mail(swarm.dl, FetchRequest(ChangeSet(), view, 0, swarm.clock(), reload=True))
    assert [m.payload for m in thread.messages] == [{"n": 1}, {"n": 2}, {"n": 3}] and thread.hidden == 3
    assert {t.id for t in threads.threads} <= {"msg-0005", "msg-0007"} and all(t.ack_pending for t in threads.threads)


async def test_footer_leaves_room_and_help_lists_hidden_keys(swarm):
    from textual.widgets._footer import FooterKey

    async with swarm.app("mail").run_test(size=(140, 40)) as pilot:
        await settle(pilot, "mail")
        actions = {b.action for b in pilot.app.dashboard.active_pane.BINDINGS}
        width = sum(k.region.width for k in pilot.app.screen.query(FooterKey) if k.action in actions)
        assert width <= 70  # the rest of 140 columns is the app's keys and the palette hint
        await pilot.press("question_mark")
        await pilot.pause()
        listed = " ".join(row[2] for row in pilot.app.screen.rows())
        assert all(name in listed for name in ("Filter", "Fold/unfold", "Broadcast", "New message"))
