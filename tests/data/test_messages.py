"""Contract tests for ``dl.messages`` (agent mail) on real database files."""

from __future__ import annotations

import pytest

from jetpack_tui.data import InvalidInputError, NotFoundError, create_local_data_layer
from jetpack_tui.data.mail_models import Delivery, Message, Thread


def register(dl, *names):
    for name in names:
        dl.agents.register(name)


def rows(dl, sql, params=()):
    return dl.engine.rows(sql, params)


# -- send / threads -----------------------------------------------------------------
def test_send_starts_a_thread_and_keeps_the_payload(dl):
    register(dl, "a", "b")
    msg = dl.messages.send("a", "b", "task.claimed", {"task": "t1", "files": ["x.py"]}, task_id="t1")
    assert isinstance(msg, Message)
    assert msg.thread_id == msg.id and msg.starts_thread
    assert (msg.from_agent, msg.to_agent, msg.type, msg.task_id) == ("a", "b", "task.claimed", "t1")
    assert msg.payload == {"task": "t1", "files": ["x.py"]} and msg.payload_ok and msg.problems == ()
    assert msg.recipients == 1 and msg.sent_at is not None
    assert dl.messages.get(msg.id) == msg
    # the seed's own columns are filled too, for clients that only know them
    stored = rows(dl, "SELECT type, from_agent, to_agent, payload, thread_id, timestamp FROM messages")[0]
    assert stored[:3] == ("task.claimed", "a", "b") and stored[4] == msg.id and stored[5]


def test_reply_carries_the_thread_and_thread_lists_in_order(dl):
    register(dl, "a", "b")
    first = dl.messages.send("a", "b", "task.help_needed", {"q": 1})
    second = dl.messages.send("b", "a", "task.handoff", {"a": 2}, thread_id=first.id)
    third = dl.messages.send("a", "b", "task.handoff", None, thread_id=first.id)
    other = dl.messages.send("a", "b", "agent.started", {})
    assert second.thread_id == third.thread_id == first.id
    assert [m.id for m in dl.messages.thread(first.id)] == [first.id, second.id, third.id]
    assert [m.id for m in dl.messages.thread(other.id)] == [other.id]
    assert dl.messages.thread("msg-nope") == []


def test_reply_to_an_unknown_thread_is_refused(dl):
    with pytest.raises(NotFoundError):
        dl.messages.send("a", "b", "x", {}, thread_id="msg-missing")
    assert dl.messages.count() == 0


@pytest.mark.parametrize("bad", [
    dict(type=""), dict(type="   "), dict(type=None), dict(type=3),
    dict(payload={1, 2}), dict(payload=float("nan")), dict(payload=object()),
    dict(from_agent=""), dict(to_agent=""), dict(to_agent="*"), dict(task_id=""),
])
def test_invalid_mail_is_refused_and_nothing_is_written(dl, bad):
    args = dict(from_agent="a", to_agent="b", type="task.claimed", payload={"ok": True}) | bad
    with pytest.raises(InvalidInputError):
        dl.messages.send(args.pop("from_agent"), args.pop("to_agent"), args.pop("type"), args.pop("payload"),
                         **args)
    assert dl.messages.count() == 0
    assert rows(dl, "SELECT count(*) FROM message_recipients") == [(0,)]


def test_free_form_types_and_unregistered_parties_are_allowed(dl):
    with pytest.raises(NotFoundError, match="nobody-xyz"):  # a typo is not silently swallowed
        dl.messages.send("operator", "nobody-xyz", "note", "hi")
    msg = dl.messages.send("operator", "agent-not-started-yet", "custom.thing", [1, "two", None], unknown_ok=True)
    assert msg.payload == [1, "two", None]
    [delivery] = dl.messages.receive("agent-not-started-yet")
    assert delivery.message.id == msg.id and not delivery.read
    dl.messages.send("agent-not-started-yet", "operator", "reply", "known: it wrote to me")
    dl.messages.send("system", "agent-not-started-yet", "operator.note", "known: mail waits for it")


# -- broadcast and per-recipient state ----------------------------------------------
def test_broadcast_reaches_every_registered_agent_but_the_sender(dl):
    register(dl, "a", "b", "c", "d")
    msg = dl.messages.broadcast("a", "operator.pause", {"why": "deploy"})
    assert msg.to_agent == "*" and msg.is_broadcast and msg.recipients == 3
    assert sorted(d.agent_id for d in dl.messages.deliveries(msg.id)) == ["b", "c", "d"]
    assert dl.messages.receive("a") == []
    # recipients are the agents registered at send time
    register(dl, "late")
    assert dl.messages.receive("late") == []
    assert dl.messages.get(msg.id).recipients == 3


def test_broadcast_from_an_unregistered_sender_reaches_everyone(dl):
    register(dl, "a", "b")
    msg = dl.messages.broadcast("operator", "operator.resume", {})
    assert msg.recipients == 2


def test_reading_a_broadcast_is_per_recipient(dl):
    register(dl, "a", "b", "c")
    msg = dl.messages.broadcast("operator", "operator.pause", {})
    delivery = dl.messages.mark_read(msg.id, "b")
    assert isinstance(delivery, Delivery) and delivery.read and not delivery.acked
    assert [d.read for d in dl.messages.receive("b")] == [True]
    assert [d.read for d in dl.messages.receive("c")] == [False]
    assert [d.message.id for d in dl.messages.receive("c", unread_only=True)] == [msg.id]
    assert dl.messages.receive("b", unread_only=True) == []
    assert dl.messages.get(msg.id).read_count == 1
    assert dl.messages.unread_count() == 2 and dl.messages.unread_count("b") == 0


def test_ack_only_by_a_recipient_idempotent_and_implies_read(dl):
    register(dl, "a", "b", "c")
    msg = dl.messages.send("a", "b", "file.lock_request", {"path": "x.py"})
    first = dl.messages.ack(msg.id, "b")
    assert first.acked and first.read and first.read_at == first.acked_at
    again = dl.messages.ack(msg.id, "b")
    assert again.acked_at == first.acked_at  # the first ack time is kept
    assert dl.messages.mark_read(msg.id, "b").read_at == first.read_at
    with pytest.raises(NotFoundError, match="not a recipient"):
        dl.messages.ack(msg.id, "a")  # the sender did not receive it
    with pytest.raises(NotFoundError, match="not a recipient"):
        dl.messages.ack(msg.id, "c")
    with pytest.raises(NotFoundError, match="no message"):
        dl.messages.ack("msg-nope", "b")
    with pytest.raises(NotFoundError):
        dl.messages.mark_read(msg.id, "c")
    assert rows(dl, "SELECT agent_id FROM message_recipients") == [("b",)]
    assert dl.messages.unacked_count() == 0


def test_repeated_read_and_ack_do_not_touch_the_change_feed(dl):
    register(dl, "a", "b")
    msg = dl.messages.send("a", "b", "task.completed", {})
    dl.messages.ack(msg.id, "b")
    _changes, cursor = dl.changes_since(None)
    dl.messages.ack(msg.id, "b")
    dl.messages.mark_read(msg.id, "b")
    changes, _ = dl.changes_since(cursor)
    assert "messages" not in changes.tables
    other = dl.messages.send("a", "b", "task.completed", {})
    cursor = dl.change_cursor()
    dl.messages.mark_read(other.id, "b")
    assert dl.changes_since(cursor)[0].ids("messages") == {other.id}


def test_receive_is_oldest_first_with_since_and_limit(dl):
    register(dl, "a", "b")
    sent = [dl.messages.send("a", "b", "task.claimed", {"n": n}) for n in range(5)]
    inbox = dl.messages.receive("b")
    assert [d.message.id for d in inbox] == [m.id for m in sent]
    assert all(d.agent_id == "b" for d in inbox)
    assert [d.message.id for d in dl.messages.receive("b", limit=2)] == [m.id for m in sent[:2]]
    later = dl.messages.receive("b", since=sent[2].sent_at)
    assert [d.message.id for d in later] == [m.id for m in sent[3:]]
    with pytest.raises(InvalidInputError):
        dl.messages.receive("b", since="yesterday-ish")
    with pytest.raises(InvalidInputError):
        dl.messages.receive("b", limit=-1)


def test_deregistering_an_agent_keeps_its_mail(dl):
    register(dl, "a", "b")
    msg = dl.messages.send("a", "b", "task.handoff", {"t": 1})
    dl.agents.deregister("b")
    dl.agents.deregister("a")
    assert dl.messages.get(msg.id).recipients == 1
    assert [d.message.id for d in dl.messages.receive("b")] == [msg.id]
    assert dl.messages.ack(msg.id, "b").acked


# -- listings ------------------------------------------------------------------
def test_threads_by_newest_activity_with_counts(dl):
    register(dl, "a", "b", "c")
    t1 = dl.messages.send("a", "b", "task.help_needed", {}, task_id="task-1")
    t2 = dl.messages.broadcast("operator", "operator.pause", {})
    dl.messages.send("b", "a", "task.handoff", {}, thread_id=t1.id)  # t1 is now the newest
    dl.messages.mark_read(t2.id, "a")
    threads = dl.messages.threads()
    assert all(isinstance(t, Thread) for t in threads)
    assert [t.id for t in threads] == [t1.id, t2.id]
    first, second = threads
    assert first.message_count == 2 and first.participants == ("a", "b")
    assert (first.first_type, first.last_type, first.task_id) == ("task.help_needed", "task.handoff", "task-1")
    assert first.unread == 2 and first.ack_pending == 2
    assert first.started_at <= first.last_activity
    assert second.participants == ("a", "b", "c", "operator")
    assert second.unread == 2 and second.ack_pending == 3
    # for one agent: only its threads, with its own counts
    for_a = {t.id: t for t in dl.messages.threads(agent="a")}
    assert set(for_a) == {t1.id, t2.id}
    assert (for_a[t1.id].unread, for_a[t2.id].unread, for_a[t2.id].ack_pending) == (1, 0, 1)
    assert [t.id for t in dl.messages.threads(agent="nobody")] == []
    # paging and counts
    assert [t.id for t in dl.messages.threads(limit=1, offset=1)] == [t2.id]
    assert dl.messages.thread_count() == 2 and dl.messages.thread_count(agent="c") == 1


def test_thread_type_filter_takes_a_family(dl):
    register(dl, "a", "b")
    pause = dl.messages.broadcast("operator", "operator.pause", {})
    note = dl.messages.send("operator", "a", "operator.note", {})
    chat = dl.messages.send("a", "b", "task.handoff", {})
    dl.messages.send("b", "a", "operator.reply", {}, thread_id=chat.id)
    assert {t.id for t in dl.messages.threads(type="operator.*")} == {pause.id, note.id, chat.id}
    assert {t.id for t in dl.messages.threads(type="operator.pause")} == {pause.id}
    assert [m.id for m in dl.messages.list(type="operator.*", newest_first=False)] == [
        pause.id, note.id, *[m.id for m in dl.messages.thread(chat.id)[1:]]]
    assert dl.messages.count(type="task.*") == 1


def test_for_task_list_and_paging(dl):
    register(dl, "a", "b")
    msgs = [dl.messages.send("a", "b", "task.claimed", {"n": n}, task_id="t1" if n % 2 else "t2")
            for n in range(6)]
    assert [m.id for m in dl.messages.for_task("t1")] == [m.id for m in msgs if m.task_id == "t1"]
    assert [m.id for m in dl.messages.for_task("t1", limit=2)] == [msgs[3].id, msgs[5].id]  # the latest two
    assert [m.id for m in dl.messages.list(limit=2)] == [msgs[5].id, msgs[4].id]
    assert [m.id for m in dl.messages.list(limit=2, offset=2)] == [msgs[3].id, msgs[2].id]
    assert dl.messages.count(agent="b") == 6 and dl.messages.count(agent="zed") == 0
    assert dl.messages.count(task_id="t2") == 3
    assert dl.messages.unacked_count() == 6 and dl.messages.unacked_count("a") == 0
    with pytest.raises(NotFoundError):
        dl.messages.get("msg-nope")


# -- lenient reads ------------------------------------------------------------------
def test_foreign_rows_are_shown_never_raised(dl, db_path):
    register(dl, "a", "b")
    ours = dl.messages.send("a", "b", "task.claimed", {})

    def foreign(tx):
        # as another client would write them: seed columns only, odd values
        tx.execute("INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id, timestamp)"
                   " VALUES ('f1', 'task.failed', 'py', 'b', '{broken json', NULL, '2020-01-01T00:00:00.5Z')")
        tx.execute("INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id, timestamp)"
                   " VALUES ('f2', 'x', NULL, 'b', '[1, 2]', 'f1', 'not a time')")
        tx.execute("INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id, timestamp, sent_at)"
                   " VALUES ('f3', '[red]markup[/red]', 'a' || char(0) || 'b', 'b', ?, 'f1', 1577836900000, 'later')",
                   ('"' + "x" * 100_000 + '"',))
        tx.execute("INSERT INTO message_recipients(message_id, agent_id) VALUES ('f1', 'b')")

    dl.engine.write(foreign)
    f1 = dl.messages.get("f1")
    assert f1.payload is None and not f1.payload_ok and f1.raw["payload"] == "{broken json"
    assert "payload: not valid JSON" in f1.problems
    assert f1.thread_id == "f1" and f1.sent_at == pytest.approx(1577836800.5)
    f2 = dl.messages.get("f2")
    assert f2.sent_at is None and "timestamp: unreadable" in f2.problems and f2.payload == [1, 2]
    f3 = dl.messages.get("f3")
    assert f3.type == "[red]markup[/red]" and len(f3.payload) == 100_000
    assert f3.from_agent in ("a\x00b", "a")  # the binding may cut text at a NUL; never raises
    assert f3.sent_at == pytest.approx(1577836900.0) and "sent_at: not a number" in f3.problems
    # the foreign thread orders by its readable times (unreadable first), ours is newer
    assert [m.id for m in dl.messages.thread("f1")] == ["f2", "f1", "f3"]
    assert [t.id for t in dl.messages.threads()] == [ours.id, "f1"]
    assert dl.messages.threads()[1].message_count == 3
    assert [d.message.id for d in dl.messages.receive("b")] == ["f1", ours.id]
    assert len(dl.messages.list(limit=10)) == 4
    # and a fresh DataLayer on the same file reads them the same way
    with create_local_data_layer(db_path) as again:
        assert again.messages.get("f1") == f1
