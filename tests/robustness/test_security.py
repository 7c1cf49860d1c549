"""Security properties that must hold for every method, present and future:

* a read-only DataLayer refuses EVERY write path (methods found by
  introspection; only the reviewed read methods below may answer);
* all SQL in ``jetpack_tui/data`` is parameterized: nothing but constants is
  spliced into SQL, except the reviewed, whitelisted cases below.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from jetpack_tui.data import LIVENESS, Liveness, ReadOnlyError, create_local_data_layer
from jetpack_tui.data.embedders import HashEmbedder

from .attacks import logical_checksum
from .sql_scan import Finding, scan

ROOT = Path(__file__).resolve().parents[2] / "jetpack_tui"

# -- read-only mode --------------------------------------------------------------------------------

SUB_INTERFACES = ("tasks", "agents", "leases", "messages", "reservations", "memories", "settings")

#: Reviewed read methods per sub-interface.  A method NOT listed here must
#: raise ReadOnlyError on a read-only layer, so a new writing method cannot
#: slip by: add a new *read* method here after checking it never writes.
READ_METHODS = {
    "tasks": {"get", "find", "get_many", "list", "count", "counts_by_status", "children", "history", "blockers",
              "completions_per_hour", "count_expired_claims", "dependents", "order_of"},
    "agents": {"get", "find", "get_many", "list", "liveness_counts", "liveness_rule", "orphaned_tasks"},
    "leases": {"get", "inspect", "list"},
    "messages": {"get", "list", "count", "receive", "deliveries", "thread", "threads", "thread_count",
                 "for_task", "unread_count", "unacked_count"},
    "reservations": {"get", "list", "count", "check", "conflicts"},
    "memories": {"get", "find", "get_many", "list", "count", "counts_by_type", "search", "similar",
                 "get_task_context", "has_keyword_index", "vector_index"},
    "settings": {"get", "all"},
}
LAYER_READS = {"changes_since", "change_cursor", "data_version", "schema_version", "close", "closed", "engine",
               "location", "mode", "read_only", "context"}


def public_methods(obj) -> list[str]:
    return sorted(name for name, _ in inspect.getmembers(type(obj)) if not name.startswith("_"))


@pytest.fixture
def seeded(tmp_path):
    """A database with one row of everything; returns (path, ids)."""
    path = str(tmp_path / "ro.db")
    with create_local_data_layer(path, embedder=HashEmbedder()) as dl:
        dl.agents.register("agent-1", skills=["python"])
        dl.agents.register("agent-2")
        pending = dl.tasks.create("pending task", id="T-pending")
        held = dl.tasks.create("held task", id="T-held")
        claimed = dl.tasks.claim("agent-1", held.id)
        failed = dl.tasks.create("failed task", id="T-failed", max_attempts=1)
        token = dl.tasks.claim("agent-2", failed.id).claim_token
        dl.tasks.fail(failed.id, "agent-2", token, "boom", retry=False)
        message = dl.messages.send("agent-1", "agent-2", "agent.note", {"x": 1})
        reservation = dl.reservations.reserve("agent-1", "src/a.py", "edit", task_id=held.id).reservation
        memory = dl.memories.store("a memory", type="fact")
        dl.leases.acquire("deploy", "agent-1", ttl=600)
    values = {
        "task_id": pending.id, "agent_id": "agent-1", "id": "agent-1", "title": "new", "content": "new memory",
        "token": claimed.claim_token, "ttl": 30.0, "resource": "deploy", "to_agent": "agent-2",
        "from_agent": "agent-1", "type": "agent.note", "error": "e", "priority": "critical", "by": "op",
        "message_id": message.id, "reservation_id": reservation.id, "memory_id": memory.id,
        "file_path": "src/b.py", "reservation_type": "edit", "setting": LIVENESS, "value": Liveness(5, 9),
    }
    # holder verbs need the held task and its token
    holder = {"start", "renew", "heartbeat", "complete", "fail"}
    return path, values, holder, held.id, failed.id


def _call(method, name: str, values: dict, holder: set, held: str, failed: str):
    params = inspect.signature(method).parameters
    kwargs = {}
    for param in params.values():
        if param.default is not param.empty or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        if param.name not in values:
            raise AssertionError(f"test_read_only: no sample value for parameter {param.name!r} of {name}; "
                                 "add one to the seeded fixture")
        kwargs[param.name] = values[param.name]
    if name.endswith((".start", ".renew", ".heartbeat", ".complete", ".fail")) and "task_id" in kwargs:
        kwargs["task_id"] = held
    if name.endswith(".retry"):
        kwargs["task_id"] = failed
    if name.endswith(".update"):
        kwargs["title"] = "renamed"
    return method(**kwargs)


def test_read_only_has_no_raw_sql_path_that_writes(seeded):
    path, *_ = seeded
    before = logical_checksum(path)
    with create_local_data_layer(path, read_only=True) as dl:
        dl.engine.rows("PRAGMA query_only = 0")  # the connection itself is read-only
        for sql in ("DELETE FROM agents", "UPDATE tasks SET status = 'cancelled'", "DROP TABLE tasks"):
            with pytest.raises(ReadOnlyError):
                dl.engine.rows(sql)
    assert logical_checksum(path) == before


def test_read_only_refuses_every_write_path(seeded):
    path, values, holder, held, failed = seeded
    before = logical_checksum(path)
    refused, answered = [], []
    with create_local_data_layer(path, read_only=True, embedder=HashEmbedder()) as dl:
        layer_names = {name for name in dir(dl) if not name.startswith("_")}
        assert layer_names - LAYER_READS == set(SUB_INTERFACES), "new layer-level method: review it"
        for sub_name in SUB_INTERFACES:
            sub = getattr(dl, sub_name)
            for method_name in public_methods(sub):
                qualified = f"{sub_name}.{method_name}"
                if method_name in READ_METHODS[sub_name]:
                    answered.append(qualified)
                    continue
                with pytest.raises(ReadOnlyError):
                    _call(getattr(sub, method_name), qualified, values, holder, held, failed)
                refused.append(qualified)
        # and the reads all answer on the read-only layer
        assert dl.tasks.get(held).status == "claimed"
    assert logical_checksum(path) == before
    # every sub-interface has writes, and the ones the seed names are among the refused
    for expected in ("tasks.create", "tasks.claim", "tasks.update", "tasks.complete", "tasks.reclaim_expired",
                     "agents.register", "agents.deregister", "leases.acquire", "messages.send",
                     "messages.broadcast", "messages.ack", "reservations.reserve", "reservations.expire",
                     "memories.store", "memories.delete", "memories.rebuild_keyword_index"):
        assert expected in refused
    assert len(refused) >= 30 and len(answered) >= 40


# -- SQL is parameterized -----------------------------------------------------------------------------

#: Reviewed places that splice something into SQL, and why each is safe.
#: A new finding fails the test until it is made a parameter or reviewed here.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("data/changes.py", "_still_there", "key"): "key column from the constant _KEYS dict, after `table in _KEYS`",
    ("data/changes.py", "_still_there", "name"): "table name from the constant _KEYS dict",
    ("data/agents.py", "_read.read", "sql"): "AGENT_SELECT + a constant WHERE/ORDER from this module's callers",
    ("data/engine.py", "_rescue_rows", "columns"): "c0..cN aliases built from range(width)",
    ("data/engine.py", "_rescue_rows", "names"): "c0..cN aliases built from range(width)",
    ("data/engine.py", "_rescue_rows", "sql"): "the caller's own (checked) SQL, re-run with its params",
    ("data/insight/history/log.py", "events", "columns"): "FOLD_COLUMNS constants of history.log / trends.fold",
    ("data/insight/history/log.py", "events_by_time", "columns"): "FOLD_COLUMNS constants (+ ', at, id')",
    ("data/insight/source.py", "by_ids", "select"): "each caller's literal SELECT; the ids are a ? param",
    ("data/insight/source.py", "scan_by_rowid", "columns"): "literal column lists of the three callers",
    ("data/insight/source.py", "scan_by_rowid", "table"): "'tasks', a literal of the three callers",
    ("data/insight/source.py", "scan_by_rowid", "where"): "literal conditions of the three callers",
    ("data/insight/source.py", "scan_by_rowid", "within"): "a literal status condition (snapshot) or None",
    ("data/insight/trends/rollups.py", "slots", "sums"): "sum(<name>) for each name of the constant COUNTS",
    ("data/keyword_search.py", "_fts", "where"): "filter_sql(): constant clauses, values as ? params",
    ("data/keyword_search.py", "_scan", "match"): "one constant instr(...) ? clause per word; words are params",
    ("data/keyword_search.py", "_scan", "where"): "filter_sql(): constant clauses, values as ? params",
    ("data/memories.py", "count", "where"): "_filters(): constant clauses (column names from a literal tuple)",
    ("data/memories.py", "list", "column"): "ORDER BY column from the constant SORTABLE dict (KeyError -> refused)",
    ("data/memories.py", "list", "where"): "_filters(): constant clauses, values as ? params",
    ("data/messages.py", "_pending", "column"): "'read_at' or 'acked_at' literal from the two callers",
    ("data/messages.py", "_post.write", "recipients_sql"): "a literal SELECT from broadcast()",
    ("data/messages.py", "count", "_where(clauses)"): "_filters(): constant clauses, values as ? params",
    ("data/messages.py", "for_task", "_where(clauses)"): "_filters(): constant clauses, values as ? params",
    ("data/messages.py", "for_task", "message_page_sql(_where(clauses), True)"): "constant page SQL + _filters()",
    ("data/messages.py", "list", "message_page_sql(_where(clauses), newest_first)"): "constant page SQL + _filters()",
    ("data/messages.py", "receive", "delivery_page_sql(_where(clauses))"): "constant page SQL + _filters()",
    ("data/messages.py", "thread", "_where(clauses)"): "_filters(): constant clauses, values as ? params",
    ("data/messages.py", "thread_count", "having"): "_thread_filter(): constant clauses, values as ? params",
    ("data/messages.py", "threads", "having"): "_thread_filter(): constant clauses, values as ? params",
    ("data/reservations.py", "list", '" AND ".join(clauses)'): "constant clauses, values as ? params",
    ("data/store.py", "migrate", "sql"): "statements of the constant migrations in schema.py",
    ("data/task_lifecycle.py", "_holder_update.write", "sets"): "literal SET fragments from start/renew/complete/fail",
    ("data/task_reads.py", "order_of", "where"): "_filters(): constant clauses, values as ? params",
    ("data/task_reads.py", "order_of", "order"): "_order(): column from the constant SORTABLE dict, ASC/DESC constants",
    ("data/task_reads.py", "count", "where"): "_filters(): constant clauses, values as ? params",
    ("data/task_reads.py", "list", "where"): "_filters(): constant clauses, values as ? params",
    ("data/task_reads.py", "list", "sql"): "TASK_SELECT + INDEXED BY a constant index of task_routes + _filters() "
                                           "+ _order() (SORTABLE constants)",
    ("data/task_reads.py", "count", "route.index"): "an index name from task_routes' constants",
    **{("data/task_scan.py", function, expression): why
       for function, expressions, why in (
           ("sliced_count", ("bounds", "condition"), "_in_slice() constants; _filters() clauses, values as ? params"),
           ("sliced_page", ("bounds", "condition", "keys", "order"),
            "_in_slice() constants; _filters() clauses; order_terms() (SORTABLE constants, ASC/DESC)"),
           ("window_page", ("condition", "inner", "index", "keys", "order", "outer_order"),
            "_filters() clauses; an index name from task_routes' constants; order_terms() (SORTABLE constants)"),
           ("union_page", ("' UNION ALL '.join([part] * len(statuses))", "order"),
            "the same constant part per status (statuses are ? params); order_terms() (SORTABLE constants)"),
       ) for expression in expressions},
    ("data/tasks.py", "update.write", "', '.join(sets)"): "'<name> = ?' with name checked against UPDATABLE",
    ("data/turso/engine.py", "_write_statement", "sql"): "the caller's own statement, passed on with its params",
    ("data/turso/engine.py", "rehearse", "sql"): "this engine's own recorded statements, replayed with their params",
    ("data/turso/recording.py", "_run", "sql"): "the caller's own statement, run and recorded with its params",
}


def test_all_sql_is_parameterized():
    findings = scan(ROOT / "data")
    unreviewed = [f for f in findings if (f.path, f.function, f.expression) not in ALLOWED]
    assert unreviewed == [], "SQL built from non-constants; use ? parameters or review it into ALLOWED"


def test_the_sql_scan_catches_interpolation(tmp_path):
    package = tmp_path / "data"
    package.mkdir()
    (package / "bad.py").write_text(
        "TABLE = 'tasks'\n"
        "def a(tx, user):\n"
        "    tx.rows(f'SELECT * FROM {TABLE} WHERE id = {user}')\n"
        "def b(tx, user):\n"
        "    sql = 'SELECT * FROM tasks WHERE id = ' + user\n"
        "    sql += ' LIMIT 1'\n"
        "    return tx.value(sql)\n"
        "def c(tx, user):\n"
        "    tx.execute('DELETE FROM tasks WHERE id = %s' % user)\n"
        "    tx.execute('DELETE FROM tasks WHERE id = {}'.format(user))\n"
        "def d(tx, user):\n"
        "    tx.execute(f'SELECT {TABLE}', (user,))\n"
    )
    found = {(f.function, f.expression) for f in scan(package)}
    assert found == {("a", "user"), ("b", "user"), ("c", "'DELETE FROM tasks WHERE id = %s' % user"),
                     ("c", "'DELETE FROM tasks WHERE id = {}'.format(user)")}
    assert all(isinstance(f, Finding) for f in scan(package))


def test_the_logical_checksum_sees_every_row(seeded, foreign_sql):
    """The checksum decides several tests: it must change when any row does."""
    path, *_ = seeded
    before = logical_checksum(path)
    assert logical_checksum(path) == before  # stable when nothing changed
    foreign_sql([("DELETE FROM agents", ())], path)
    after_delete = logical_checksum(path)
    assert after_delete != before
    foreign_sql([("UPDATE tasks SET title = title || '!' WHERE id = 'T-held'", ())], path)
    assert logical_checksum(path) != after_delete
