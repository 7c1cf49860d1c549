"""The proof that no Turso transaction spans two HTTP requests.

Every Turso test already runs through the recording proxy
(``hrana_proxy.py``) and its fixture fails the test when a recorded request
breaks the rules of ``transaction_check.py`` -- the whole contract suite and
the claim storm included.  Here: the checker and the proxy can fail (a
recorded two-request transaction is caught, statically and live), every
DataLayer write is exactly one request, a stale replica costs one more
request that changed nothing, and the client speaks Hrana 3 as written
(close, batons, base_url).
"""

from __future__ import annotations

import pytest

from modes import TOKEN, Primary, open_replica
from transaction_check import check, check_request
from jetpack_tui.data.turso.hrana import HranaClient
from jetpack_tui.data.turso.hrana_wire import and_, atomic_steps, is_autocommit, not_, ok, stmt
from jetpack_tui.data.turso.plan import build
from jetpack_tui.data.turso.recording import Read, Write


@pytest.fixture
def proxied(tmp_path):
    """A primary behind the recording proxy, whatever $JETPACK_TURSO_DIRECT says."""
    primary = Primary(tmp_path / "primary", proxy=True)
    primary.start()
    yield primary
    primary.finish()


def _batch(steps) -> dict:
    wire = []
    for sql, params, condition in steps:
        step = {"stmt": stmt(sql, params)}
        if condition is not None:
            step["condition"] = condition
        wire.append(step)
    return {"baton": None, "requests": [{"type": "batch", "batch": {"steps": wire}}, {"type": "close"}]}


def _record(body) -> dict:
    return {"agent": "jetpack-tui (hrana)", "body": body, "findings": []}


#: What the previous engine sent for one write: BEGIN and an owner marker in
#: one request, each statement in its own, COMMIT in a third.
GUARD = "SELECT json_extract(CASE WHEN (SELECT owner FROM temp.jetpack_tx) IS ? THEN '1' ELSE 'x' END, '$')"
TWO_REQUEST_TRANSACTION = [
    _batch([("CREATE TEMP TABLE IF NOT EXISTS jetpack_tx(owner TEXT)", (), is_autocommit()),
            ("BEGIN IMMEDIATE", (), None), ("DELETE FROM temp.jetpack_tx", (), ok(1)),
            ("INSERT INTO temp.jetpack_tx(owner) VALUES (?)", ("me",), ok(2)),
            ("ROLLBACK", (), and_(ok(1), not_(ok(3))))]),
    _batch([(GUARD, ("me",), None), ("UPDATE tasks SET status = 'completed' WHERE id = ?", ("t1",), ok(0))]),
    _batch([(GUARD, ("me",), None), ("COMMIT", (), ok(0)), ("DELETE FROM temp.jetpack_tx", (), ok(1))]),
]


def test_the_checker_finds_a_transaction_that_spans_requests():
    problems = check([_record(body) for body in TWO_REQUEST_TRANSACTION])
    assert any("request #0" in p and "not always ended" in p for p in problems), problems
    assert any("request #2" in p and "COMMIT without a BEGIN" in p for p in problems), problems
    # and what the engine sends now passes
    ops = [Read("SELECT status FROM tasks WHERE id = ?", ("t1",), [("claimed",)]),
           Write("UPDATE tasks SET status = 'completed' WHERE id = ?", ("t1",), 1)]
    for commit in (True, False):
        assert check_request(_batch(build(ops, commit=commit).steps)) == []
    assert check_request(_batch(atomic_steps([("UPDATE tasks SET status = 'x'", ())]))) == []


@pytest.mark.parametrize("body, problem", [
    ({"baton": "b1", "requests": [{"type": "execute", "stmt": stmt("SELECT 1")}]}, "continues a stream"),
    ({"baton": None, "requests": [{"type": "execute", "stmt": stmt("BEGIN")}]}, "execute runs transaction control"),
    (_batch([("BEGIN", (), None), ("SELECT 1", (), None), ("ROLLBACK", (), ok(0))]), "runs even if step 0 failed"),
    (_batch([("BEGIN", (), None), ("COMMIT", (), ok(0))]), "not always ended"),
    (_batch([("BEGIN", (), None), ("COMMIT", (), ok(0)), ("ROLLBACK", (), not_(ok(1)))]), "not always ended"),
    (_batch([("ROLLBACK", (), None)]), "ROLLBACK without a BEGIN"),
])
def test_each_rule_of_the_checker_can_fail(body, problem):
    assert any(problem in p for p in check_request(body)), check_request(body)


def test_the_proxy_catches_a_transaction_left_open_and_ends_it_as_sqld_would(proxied):
    client = HranaClient(proxied.url, TOKEN)
    client.batch([("CREATE TABLE t(x)", ())])
    client.steps([("BEGIN IMMEDIATE", (), None), ("INSERT INTO t VALUES (1)", (), ok(0))])
    assert client.execute("SELECT count(*) FROM t") == [(0,)]  # rolled back at the end of its request
    found = proxied.problems()
    assert len(found) == 2 and "not always ended" in found[0] and "left a transaction open" in found[1]
    proxied.proxy.clear()


#: Every kind of DataLayer write, each expected to be exactly one request.
WRITES = [
    ("register", lambda dl, s: dl.agents.register("a", skills=["python"])),
    ("register b", lambda dl, s: dl.agents.register("b")),
    ("heartbeat", lambda dl, s: dl.agents.heartbeat("a", status="working")),
    ("create", lambda dl, s: dl.tasks.create("x", id="x", required_skills=["python"])),
    ("create y", lambda dl, s: dl.tasks.create("y", id="y")),
    ("update", lambda dl, s: dl.tasks.update("y", title="why")),
    ("claim by id", lambda dl, s: s.update(x=dl.tasks.claim("a", "x"))),
    ("start", lambda dl, s: dl.tasks.start("x", "a", s["x"].claim_token)),
    ("renew", lambda dl, s: dl.tasks.renew("x", "a", s["x"].claim_token)),
    ("reserve strict", lambda dl, s: s.update(r=dl.reservations.reserve("a", "src/*.py", "edit", strict=True,
                                                                         task_id="x").reservation)),
    ("reserve", lambda dl, s: s.update(r2=dl.reservations.reserve("b", "docs/x.md", "edit").reservation)),
    ("release reservation", lambda dl, s: dl.reservations.release(s["r2"].id, agent_id="b")),
    ("send", lambda dl, s: s.update(m=dl.messages.send("a", "b", "note", {"n": 1}))),
    ("broadcast", lambda dl, s: dl.messages.broadcast("a", "hello")),
    ("mark read", lambda dl, s: dl.messages.mark_read(s["m"].id, "b")),
    ("ack", lambda dl, s: dl.messages.ack(s["m"].id, "b")),
    ("complete", lambda dl, s: dl.tasks.complete("x", "a", s["x"].claim_token, result={"ok": True})),
    ("claim (hot path)", lambda dl, s: s.update(y=dl.tasks.claim("a"))),
    ("fail", lambda dl, s: dl.tasks.fail("y", "a", s["y"].claim_token, "boom")),
    ("cancel", lambda dl, s: dl.tasks.cancel("y", by="op")),
    ("retry", lambda dl, s: dl.tasks.retry("y", by="op")),
    ("set priority", lambda dl, s: dl.tasks.set_priority("y", "high", by="op")),
    ("claim for", lambda dl, s: dl.tasks.claim_for("b", "y", by="op")),
    ("reassign", lambda dl, s: dl.tasks.reassign("y", "a", by="op")),
    ("release task", lambda dl, s: dl.tasks.release("y", by="op")),
    ("lease acquire", lambda dl, s: s.update(lease=dl.leases.acquire("deploy", "a", 60))),
    ("lease renew", lambda dl, s: dl.leases.renew("deploy", "a", s["lease"].token, 60)),
    ("lease release", lambda dl, s: dl.leases.release("deploy", "a", s["lease"].token)),
    ("memory store", lambda dl, s: s.update(mem=dl.memories.store("a fact", embed=False))),
    ("memory delete", lambda dl, s: dl.memories.delete(s["mem"].id)),
    ("expire reservations", lambda dl, s: dl.reservations.expire()),
    ("reclaim expired", lambda dl, s: dl.tasks.reclaim_expired()),
    ("deregister", lambda dl, s: dl.agents.deregister("b", by="op")),
]


def test_every_datalayer_write_is_one_request(proxied, tmp_path):
    proxy = proxied.proxy
    dl = open_replica(proxied, tmp_path)
    state: dict = {}
    try:
        for name, write in WRITES:
            before = len(proxy.pipelines)
            write(dl, state)
            sent = proxy.pipelines[before:]
            assert len(sent) == 1, (name, [r["body"] for r in sent])
            assert sent[0]["path"].endswith("/v3/pipeline"), name  # Hrana 3, as against Turso Cloud
            assert [r["type"] for r in sent[0]["body"]["requests"]][-1] == "close", name
    finally:
        dl.close()


def test_a_stale_replica_costs_one_request_that_changes_nothing(proxied, tmp_path):
    a = open_replica(proxied, tmp_path, "a")
    b = open_replica(proxied, tmp_path, "b")
    try:
        a.tasks.create("x", id="x")
        b.sync()
        seen = b.tasks.get("x")
        a.tasks.update("x", title="changed on a")  # b has not pulled this
        before = len(proxied.proxy.pipelines)
        done = b.tasks.update("x", description="from b")
        assert len(proxied.proxy.pipelines) - before == 2  # stale attempt, then the real one
        assert (done.title, done.description, done.version) == ("changed on a", "from b", seen.version + 2)
        assert a.tasks.get("x").title == "changed on a"  # b's first attempt overwrote nothing
    finally:
        a.close()
        b.close()


def test_the_client_closes_every_stream_a_server_hands_out(proxied):
    proxy = proxied.proxy
    proxy.baton_path = "/sticky"
    try:
        client = HranaClient(proxied.url, TOKEN)
        assert client.execute("SELECT 1") == [(1,)] and client.dialect == "hrana3"
        client.batch([("CREATE TABLE t(x)", ())])
    finally:
        proxy.baton_path = None
    assert proxy.closed_batons == [("/sticky/v3/pipeline", baton) for baton in proxy.batons]
    assert len(proxy.batons) == 2
    direct = HranaClient(proxied.direct_url, TOKEN)
    assert direct.execute("SELECT 1") == [(1,)] and direct.dialect == "tursodb"


def test_a_write_sees_the_one_before_it_without_a_pull(proxied, tmp_path):
    """The engine replays its own unpulled writes at the start of each
    rehearsal (up to MAX_UNPULLED statements), so a chain of dependent
    writes is one request each and no pull in between."""
    dl = open_replica(proxied, tmp_path)
    try:
        dl.agents.register("a")
        dl.sync()
        pulls, requests = len(proxied.proxy.other), len(proxied.proxy.pipelines)
        dl.tasks.create("x", id="x")
        task = dl.tasks.claim("a", "x")
        dl.tasks.start("x", "a", task.claim_token)
        dl.tasks.renew("x", "a", task.claim_token)
        done = dl.tasks.complete("x", "a", task.claim_token)
        assert done.status == "completed" and done.version == task.version + 2
        assert len(proxied.proxy.pipelines) - requests == 5
        assert len(proxied.proxy.other) == pulls  # not one pull
        assert dl.tasks.get("x").status == "completed"  # a read pulls first: it sees its own writes
        assert len(proxied.proxy.other) > pulls
    finally:
        dl.close()
