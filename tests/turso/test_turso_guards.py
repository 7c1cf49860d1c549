"""The guards decide whether a write rehearsed on a replica may be applied on
the primary: each must pass when nothing changed and FAIL when anything it
covers did -- shown here against a real tursodb, plus the SQL lexing they
are built from."""

from __future__ import annotations

import pytest

from modes import TOKEN, Primary
from jetpack_tui.data.turso import sqltext
from jetpack_tui.data.turso.guards import count_guard, is_stale, read_guard, returning_guard
from jetpack_tui.data.turso.hrana import HranaClient, HranaError
from jetpack_tui.data.turso.hrana_wire import ok
from jetpack_tui.data.turso.watermark import SCHEMA_SQL, Feeds, watermark_guard
from jetpack_tui.data.schema import CORE_SQL, SEED_SQL, statements

ROWS = [("a", 1, 0.1, b"\x00\x01", None), ("b", 2, 1796302743.8236601, b"", "x"), ("c", 3, float("inf"), None, "")]
READ = "SELECT id, n, f, b, t FROM t ORDER BY id"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    primary = Primary(tmp_path_factory.mktemp("guards"), proxy=False)
    primary.start()
    hrana = HranaClient(primary.url, TOKEN)
    hrana.batch([("CREATE TABLE t(id TEXT PRIMARY KEY, n INTEGER, f REAL, b BLOB, t TEXT)", ())])
    hrana.batch([("INSERT INTO t VALUES (?, ?, ?, ?, ?)", row if row[2] != float("inf") else
                  (row[0], row[1], None, row[3], row[4])) for row in ROWS])
    hrana.batch([("UPDATE t SET f = 9e999 WHERE id = 'c'", ())])
    yield hrana
    primary.stop()


def passes(client: HranaClient, statement) -> bool:
    try:
        client.execute(*statement)
        return True
    except HranaError as error:
        assert is_stale(str(error)), error  # failed as a guard, not as broken SQL
        return False


def test_read_guard_passes_on_the_same_rows_and_fails_on_any_difference(client):
    stored = client.execute(READ)
    assert stored[0] == ROWS[0] and stored[1][2] == pytest.approx(ROWS[1][2], rel=1e-15)  # parsed an ulp off
    assert passes(client, read_guard(READ, [], ROWS))
    assert passes(client, read_guard(READ, [], list(reversed(ROWS))))  # order is not compared
    assert passes(client, read_guard("SELECT id FROM t WHERE id = ?", ["zz"], []))
    changed = [("a", 1, 0.1, b"\x00\x01", None), ("b", 2, 1796302743.8236601, b"", "x"), ("c", 4, float("inf"), None, "")]
    for rows in (ROWS[:2], ROWS + [("d", 4, 0.0, None, None)], changed, [ROWS[0], ROWS[0], ROWS[1]],
                 [("a", 1, 0.1, b"\x00\x02", None), *ROWS[1:]], [("a", 1, 0.1, b"\x00\x01", ""), *ROWS[1:]],
                 [("a", 1, 0.1, "\x00\x01", None), *ROWS[1:]], [*ROWS[:2], ("c", 3, float("-inf"), None, "")]):
        assert not passes(client, read_guard(READ, [], rows)), rows
    assert not passes(client, read_guard("SELECT id FROM t WHERE id = ?", ["a"], []))


def test_floats_match_within_a_few_ulps_only(client):
    exact = 1796302743.8236601
    near = [("b", 2, exact + 2.4e-7, b"", "x")]  # one ulp at this size
    far = [("b", 2, exact + 1e-5, b"", "x")]
    query = "SELECT id, n, f, b, t FROM t WHERE id = 'b'"
    assert passes(client, read_guard(query, [], near))
    assert not passes(client, read_guard(query, [], far))


def test_returning_and_count_guards_fail_on_rows_the_replica_did_not_see(client):
    update = "UPDATE t SET n = n + 10 WHERE n < ? RETURNING id, n AS bumped, f"
    expressions = sqltext.returning(update)
    assert expressions == ["id", "n", "f"]

    def attempt(rows, changed):
        steps = [("BEGIN IMMEDIATE", [], None), (*returning_guard(update, [3], expressions, rows), ok(0)),
                 (*count_guard(changed), ok(1)), ("ROLLBACK", [], ok(0))]
        return [o.error for o in client.steps(steps)]

    right = [("a", 11, 0.1), ("b", 12, 1796302743.8236601)]
    assert attempt(right, 2) == [None, None, None, None]
    assert is_stale(attempt([right[0], ("b", 13, 1796302743.8236601)], 2)[1])
    assert is_stale(attempt(right[:1], 1)[1])  # a row the replica did not return
    assert is_stale(attempt(right, 3)[2])  # fewer rows changed than on the replica
    assert client.execute("SELECT sum(n) FROM t") == [(6,)]  # every attempt rolled back


def test_watermark_guard_fails_only_after_a_change_to_a_fed_table(tmp_path):
    primary = Primary(tmp_path, proxy=False)
    primary.start()
    try:
        hrana = HranaClient(primary.url, TOKEN)
        hrana.batch([(sql, ()) for sql in statements(SEED_SQL) + statements(CORE_SQL)
                     if "jetpack_meta" not in sql or "CREATE TABLE" in sql])
        feeds = Feeds(hrana.execute(SCHEMA_SQL))
        assert feeds.for_read("SELECT * FROM file_reservations r WHERE r.status = 'active'") == {"file_reservations"}
        assert feeds.for_read("SELECT * FROM message_recipients") == {"messages"}
        assert feeds.for_read("SELECT * FROM task_events") is None  # not fed: the exact guard
        assert feeds.for_read("SELECT 1") is None
        since = hrana.execute("SELECT coalesce(max(seq), 0) FROM change_log")[0][0]
        guard = watermark_guard({"file_reservations"}, since)
        assert passes(hrana, guard)
        hrana.batch([("INSERT INTO agents(id) VALUES ('a')", ())])
        assert passes(hrana, guard)  # another table
        hrana.batch([("INSERT INTO file_reservations(id, agent_id, file_path) VALUES ('r', 'a', 'x')", ())])
        assert not passes(hrana, guard)
    finally:
        primary.stop()


@pytest.mark.parametrize("sql, verb", [
    ("SELECT 1", "SELECT"), ("  with x AS (SELECT 1) SELECT * FROM x", "SELECT"),
    ("WITH x AS (SELECT 1) UPDATE t SET a = 1", "UPDATE"), ("VALUES (1)", "VALUES"),
    ("INSERT INTO t VALUES ('SELECT')", "INSERT"), ("/* SELECT */ DELETE FROM t", "DELETE"),
    ("CREATE TABLE t(x)", "CREATE"), ("PRAGMA table_info(t)", "PRAGMA"), ("", ""),
])
def test_verb(sql, verb):
    assert sqltext.verb(sql) == verb


def test_returning_expressions_survive_strings_comments_and_parentheses():
    sql = ("UPDATE t SET a = 'x, RETURNING y' WHERE b IN (SELECT c FROM d RETURNING) "
           "RETURNING id, coalesce(a, 'p,q') AS shown, (SELECT max(n) FROM u), \"weird, name\" -- tail, z\n;")
    assert sqltext.returning(sql) == ["id", "coalesce(a, 'p,q')", "(SELECT max(n) FROM u)", '"weird, name"']
    assert sqltext.returning("UPDATE t SET a = 1 WHERE b = 'RETURNING x'") is None
    assert sqltext.reads_tables("SELECT x FROM t") and not sqltext.reads_tables("SELECT julianday('now')")
    assert {"t", "weird name", "u"} <= sqltext.names('SELECT * FROM t JOIN "weird name" JOIN [u]')


def test_read_guard_takes_compound_reads(client):
    """tursodb runs no UNION inside a subquery: the read must stay at the top."""
    union = "SELECT id FROM t WHERE n = ? UNION ALL SELECT id FROM t WHERE n = ? LIMIT 5"
    assert passes(client, read_guard(union, [1, 2], [("a",), ("b",)]))
    assert not passes(client, read_guard(union, [1, 2], [("a",)]))
    assert passes(client, read_guard(union, [7, 8], []))
    assert not passes(client, read_guard(union, [1, 8], []))
