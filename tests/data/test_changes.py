"""Contract tests of the change feed (``dl.changes_since`` / ``dl.change_cursor``).

Every writer counts: this process, another OS process using the DataLayer,
and a foreign client (stdlib ``sqlite3``) that knows nothing of Jetpack.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from jetpack_tui.data import ChangeSet, create_local_data_layer
from jetpack_tui.data.changes import BOUNDS_SQL, CURSOR_SQL, FEED_SQL, MAX_CHANGES_PER_CALL
from jetpack_tui.data.schema import CHANGE_LOG_KEEP, CHANGE_LOG_PRUNE_EVERY


#: A foreign client: stdlib sqlite3 in its own OS process.  Never in this
#: process: two SQLite copies in one process (libsql's and the stdlib's)
#: break each other's POSIX locks — closing the stdlib connection deletes the
#: WAL under libsql, which then reads stale data.
FOREIGN = textwrap.dedent("""
    import json, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], timeout=10)
    for sql, params, repeat in json.loads(sys.argv[2]):
        if repeat:
            conn.executemany(sql, ((n,) for n in range(repeat)))
        else:
            conn.execute(sql, params)
    conn.commit()
    conn.close()
""")


def foreign(db_path: str, *statements: str | tuple) -> None:
    """Run ``statements`` in one transaction of a stdlib-sqlite3 process.

    Each is SQL, ``(sql, params)``, or ``(sql, "each", count)`` to run it
    once per ``n`` in ``range(count)`` with ``(n,)`` as parameters.
    """
    plan = []
    for item in statements:
        if isinstance(item, str):
            plan.append((item, [], 0))
        elif len(item) == 3:
            plan.append((item[0], [], item[2]))
        else:
            plan.append((item[0], list(item[1]), 0))
    subprocess.run([sys.executable, "-c", FOREIGN, db_path, json.dumps(plan)], check=True, timeout=60)


def test_first_call_reloads_and_an_idle_feed_is_empty(dl):
    changes, cursor = dl.changes_since(None)
    assert changes.reload and bool(changes) and cursor == dl.change_cursor()
    again, same = dl.changes_since(cursor)
    assert not again and len(again) == 0 and not again.reload and same == cursor


def test_own_writes_insert_update_and_collapse(dl):
    start = dl.change_cursor()
    task = dl.tasks.create("first", id="A")
    changes, cursor = dl.changes_since(start)
    assert changes.rows == {"tasks": {"A": "insert"}}
    assert cursor == dl.change_cursor() > start

    dl.tasks.update(task.id, title="renamed")
    changes, after = dl.changes_since(cursor)
    assert changes.rows == {"tasks": {"A": "update"}} and after > cursor

    # Seen from before the insert, insert + update is still an insert.
    changes, _ = dl.changes_since(start)
    assert changes.rows == {"tasks": {"A": "insert"}}
    assert changes.ids("tasks") == {"A"} and changes.deleted("tasks") == set()
    assert changes.tables == {"tasks"} and len(changes) == 1


def test_deletes_win_and_reinserts_read_as_current_state(dl, db_path):
    dl.tasks.create("doomed", id="D")
    dl.tasks.create("phoenix", id="P")
    cursor = dl.change_cursor()
    foreign(
        db_path,
        "UPDATE tasks SET title = 'x' WHERE id = 'D'",
        "DELETE FROM tasks WHERE id = 'D'",
        "DELETE FROM tasks WHERE id = 'P'",
        "INSERT INTO tasks(id, title) VALUES ('P', 'again')",
        "INSERT INTO tasks(id, title) VALUES ('N', 'new')",
        "DELETE FROM tasks WHERE id = 'N'",
    )
    changes, _ = dl.changes_since(cursor)
    # D is gone; P existed before and exists now (an update for the reader);
    # N came and went (reported gone so a reader that raced it drops it).
    assert changes.rows["tasks"] == {"D": "delete", "P": "update", "N": "delete"}
    assert changes.deleted("tasks") == {"D", "N"}
    assert changes.upserted("tasks") == {"P"}


def test_foreign_writer_is_seen_in_every_table(dl, db_path):
    cursor = dl.change_cursor()
    foreign(
        db_path,
        "INSERT INTO tasks(id, title) VALUES ('t1', 'from sqlite3')",
        "INSERT INTO agents(id, name) VALUES ('a1', 'bot')",
        "INSERT INTO messages(id, type, from_agent, to_agent, payload) VALUES ('m1', 'note', 'a1', '*', '{}')",
        "INSERT INTO file_reservations(id, agent_id, file_path) VALUES ('r1', 'a1', 'src/*.py')",
        "INSERT INTO memories(id, type, content) VALUES ('mem1', 'fact', 'hello')",
        "INSERT INTO leases(resource, agent_id, token) VALUES ('build', 'a1', 1)",
    )
    changes, cursor = dl.changes_since(cursor)
    assert changes.rows == {
        "tasks": {"t1": "insert"}, "agents": {"a1": "insert"}, "messages": {"m1": "insert"},
        "file_reservations": {"r1": "insert"}, "memories": {"mem1": "insert"}, "leases": {"build": "insert"},
    }
    # A recipient row changing is a change of its message, never a delete of it.
    foreign(db_path, "INSERT INTO message_recipients(message_id, agent_id) VALUES ('m1', 'a2')")
    changes, cursor = dl.changes_since(cursor)
    assert changes.rows == {"messages": {"m1": "insert"}}
    foreign(db_path, "UPDATE message_recipients SET read_at = 1.0 WHERE message_id = 'm1'",
            "DELETE FROM message_recipients WHERE message_id = 'm1'")
    changes, cursor = dl.changes_since(cursor)
    assert changes.rows == {"messages": {"m1": "update"}}
    foreign(db_path, "DELETE FROM messages WHERE id = 'm1'")
    changes, _ = dl.changes_since(cursor)
    assert changes.rows == {"messages": {"m1": "delete"}}


WRITER = textwrap.dedent("""
    import sys
    from jetpack_tui.data import create_local_data_layer
    with create_local_data_layer(sys.argv[1]) as dl:
        for n in range(int(sys.argv[2])):
            dl.tasks.create("from another process", id=f"proc-{n}")
        dl.tasks.update("proc-0", title="edited")
""")


def test_another_os_process_using_the_datalayer_is_seen(dl, db_path):
    cursor = dl.change_cursor()
    subprocess.run([sys.executable, "-c", WRITER, db_path, "5"], check=True, timeout=60)
    changes, new_cursor = dl.changes_since(cursor)
    assert changes.rows == {"tasks": {f"proc-{n}": "insert" for n in range(5)}}
    assert new_cursor == dl.change_cursor()
    fetched = dl.tasks.get_many(changes.upserted("tasks"))
    assert fetched["proc-0"].title == "edited"


def test_cursor_from_the_future_or_another_file_reloads(dl, tmp_path):
    dl.tasks.create("one")
    _, cursor = dl.changes_since(0)
    with create_local_data_layer(str(tmp_path / "other.db")) as other:
        changes, other_cursor = other.changes_since(cursor)
        assert changes.reload and other_cursor == other.change_cursor() == 0
    changes, again = dl.changes_since(-3)
    assert changes.reload and again == cursor


def test_a_bad_cursor_is_refused(dl):
    from jetpack_tui.data import InvalidInputError
    with pytest.raises(InvalidInputError):
        dl.changes_since("12")  # type: ignore[arg-type]


def bulk_updates(db_path: str, count: int) -> None:
    """``count`` change-log rows in one transaction (fast: well under a second)."""
    foreign(db_path, "INSERT INTO leases(resource, token) VALUES ('hot', 0)",
            ("UPDATE leases SET token = ? WHERE resource = 'hot'", "each", count))


def test_pruned_cursor_reloads_and_a_recent_one_does_not(dl, db_path):
    dl.tasks.create("before", id="old")
    old_cursor = dl.change_cursor()
    bulk_updates(db_path, CHANGE_LOG_KEEP + 3 * CHANGE_LOG_PRUNE_EVERY)
    recent_cursor = dl.change_cursor()
    dl.tasks.create("after", id="new")

    kept = dl.engine.value("SELECT count(*) FROM change_log")
    assert CHANGE_LOG_KEEP <= kept <= CHANGE_LOG_KEEP + CHANGE_LOG_PRUNE_EVERY  # bounded
    low = dl.engine.value("SELECT min(seq) FROM change_log")
    assert old_cursor < low - 1  # its changes were pruned away

    changes, cursor = dl.changes_since(old_cursor)
    assert changes.reload and cursor == dl.change_cursor()
    changes, cursor = dl.changes_since(recent_cursor)
    assert not changes.reload and changes.rows == {"tasks": {"new": "insert"}}
    # Still kept but more than one call may return: reload is cheaper.
    changes, _ = dl.changes_since(cursor - MAX_CHANGES_PER_CALL - 1)
    assert changes.reload
    changes, _ = dl.changes_since(cursor - MAX_CHANGES_PER_CALL)
    assert not changes.reload and changes.rows["leases"] == {"hot": "update"}


@pytest.mark.parametrize("sql", [FEED_SQL, BOUNDS_SQL, CURSOR_SQL])
def test_a_refresh_never_scans_the_log(dl, sql):
    """O(changes): every feed query is a primary-key search, never a SCAN."""
    params = (0, 10) if "?" in sql else ()
    detail = " | ".join(str(row[-1]) for row in dl.engine.rows("EXPLAIN QUERY PLAN " + sql, params))
    assert "SEARCH change_log" in detail and "SCAN change_log" not in detail, detail


def test_changeset_truthiness_and_helpers():
    empty = ChangeSet()
    assert not empty and len(empty) == 0 and empty.ids("tasks") == set()
    assert ChangeSet(reload=True)
    mixed = ChangeSet(rows={"tasks": {"a": "insert", "b": "delete", "c": "update"}})
    assert len(mixed) == 3 and mixed.deleted("tasks") == {"b"} and mixed.upserted("tasks") == {"a", "c"}
