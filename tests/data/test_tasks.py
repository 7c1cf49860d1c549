"""Contract tests of dl.tasks on real database files."""

from __future__ import annotations

import time

import pytest

from jetpack_tui.data import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StaleLeaseError,
    create_local_data_layer,
)


def test_create_defaults_and_validation(dl):
    task = dl.tasks.create("write the parser")
    assert task.status == "pending" and task.priority == "medium" and task.state == "ready"
    assert task.id.startswith("task-") and task.version == 1 and task.attempts == 0
    with pytest.raises(InvalidInputError):
        dl.tasks.create("   ")
    with pytest.raises(InvalidInputError):
        dl.tasks.create("x", priority="urgent")
    with pytest.raises(InvalidInputError):
        dl.tasks.create("x", required_skills="python")
    dl.tasks.create("named", id="T-1")
    with pytest.raises(ConflictError):
        dl.tasks.create("again", id="T-1")


def test_generated_ids_are_unique(dl):
    ids = {dl.tasks.create(f"t{i}").id for i in range(300)}
    assert len(ids) == 300


def test_dependency_cycles_are_refused(dl):
    with pytest.raises(InvalidInputError, match="itself"):
        dl.tasks.create("self", id="A", dependencies=["A"])
    dl.tasks.create("b", id="B", dependencies=["C"])  # C does not exist yet: allowed, blocked
    dl.tasks.create("c", id="C", dependencies=["D"])
    with pytest.raises(InvalidInputError, match="cycle"):
        dl.tasks.create("d", id="D", dependencies=["B"])
    with pytest.raises(InvalidInputError, match="cycle"):
        dl.tasks.update("C", dependencies=["B"])


def test_ready_blocked_and_blockers(dl):
    first = dl.tasks.create("first", id="first")
    second = dl.tasks.create("second", id="second", dependencies=["first", "ghost"])
    assert dl.tasks.get(second.id).state == "blocked"
    why = dl.tasks.blockers("second")
    assert why.unfinished == [("first", "pending")] and why.missing == ["ghost"] and why.blocked
    assert [t.id for t in dl.tasks.list(ready=True)] == ["first"]
    assert [t.id for t in dl.tasks.list(ready=False)] == ["second"]
    assert dl.tasks.counts_by_status() == {"pending": 2, "ready": 1, "blocked": 1}
    assert not dl.tasks.blockers(first.id).blocked


def test_claim_order_priority_then_oldest(dl):
    dl.agents.register("a1")
    dl.tasks.create("low", id="low", priority="low")
    dl.tasks.create("old-medium", id="m1")
    dl.tasks.create("new-medium", id="m2")
    dl.tasks.create("critical", id="crit", priority="critical")
    order = [dl.tasks.claim("a1").id for _ in range(4)]
    assert order == ["crit", "m1", "m2", "low"]
    assert dl.tasks.claim("a1") is None


def test_claim_respects_skills_case_insensitively(dl):
    dl.agents.register("py", skills=["Python", "sql"])
    dl.agents.register("js", skills=["javascript"])
    dl.tasks.create("needs python+sql", id="t", required_skills=["python", "SQL"])
    assert dl.tasks.claim("js") is None
    assert dl.tasks.claim("py").id == "t"


def test_claim_skips_blocked_and_backoff(dl):
    dl.agents.register("a")
    dl.tasks.create("dep", id="dep")
    dl.tasks.create("child", id="child", dependencies=["dep"])
    claimed = dl.tasks.claim("a")
    assert claimed.id == "dep"
    assert dl.tasks.claim("a") is None  # child blocked
    dl.tasks.complete("dep", "a", claimed.claim_token)
    assert dl.tasks.claim("a").id == "child"


def test_named_claim_conflicts(dl):
    dl.tasks.create("x", id="x")
    dl.tasks.create("y", id="y", dependencies=["x"])
    dl.tasks.claim("a", "x")
    with pytest.raises(ConflictError, match="claimed by a") as info:
        dl.tasks.claim("b", "x")
    assert info.value.current.claimed_by == "a"
    with pytest.raises(ConflictError, match="blocked"):
        dl.tasks.claim("b", "y")
    with pytest.raises(NotFoundError):
        dl.tasks.claim("b", "nope")


def test_lease_token_fences_stale_workers(dl):
    dl.tasks.create("x", id="x")
    first = dl.tasks.claim("a", "x", ttl=0.05)
    assert first.claim_token == 1 and first.lease_expires_at > first.claimed_at
    time.sleep(0.1)  # let the lease run out (time is the thing under test)
    reclaimed = dl.tasks.reclaim_expired()
    assert [t.id for t in reclaimed] == ["x"] and reclaimed[0].status == "pending"
    second = dl.tasks.claim("b", "x")
    assert second.claim_token == 2
    for call in (lambda: dl.tasks.complete("x", "a", 1),
                 lambda: dl.tasks.renew("x", "a", 1),
                 lambda: dl.tasks.fail("x", "a", 1, "boom")):
        with pytest.raises(StaleLeaseError):
            call()
    with pytest.raises(StaleLeaseError):
        dl.tasks.complete("x", "b", 1)  # right agent, old token
    assert dl.tasks.get("x").claimed_by == "b"
    renewed = dl.tasks.renew("x", "b", 2, ttl=300)
    assert renewed.lease_expires_at > second.lease_expires_at
    assert renewed.version == second.version  # a renewal is not an operator-visible change
    done = dl.tasks.complete("x", "b", 2, result={"lines": 10})
    assert done.status == "completed" and done.result == {"lines": 10}


def test_start_moves_to_in_progress(dl):
    dl.tasks.create("x", id="x")
    task = dl.tasks.claim("a", "x")
    started = dl.tasks.start("x", "a", task.claim_token)
    assert started.status == "in_progress"
    assert dl.tasks.complete("x", "a", task.claim_token).status == "completed"


def test_fail_retries_with_backoff_then_fails(tmp_path):
    dl = create_local_data_layer(tmp_path / "j.db", retry_base=0.05)
    dl.tasks.create("flaky", id="f", max_attempts=2)
    task = dl.tasks.claim("a", "f")
    after = dl.tasks.fail("f", "a", task.claim_token, "boom 1")
    assert after.status == "pending" and after.last_error == "boom 1" and after.claimed_by is None
    assert after.available_at > time.time()
    assert dl.tasks.claim("a") is None  # backing off
    deadline = time.time() + 5
    again = None
    while again is None and time.time() < deadline:
        again = dl.tasks.claim("a")
    assert again is not None and again.attempts == 2
    final = dl.tasks.fail("f", "a", again.claim_token, "boom 2")
    assert final.status == "failed" and final.last_error == "boom 2"
    dl.close()


def test_expired_claim_on_last_attempt_fails(dl):
    dl.tasks.create("x", id="x", max_attempts=1)
    dl.tasks.claim("a", "x", ttl=0.01)
    time.sleep(0.05)
    [task] = dl.tasks.reclaim_expired()
    assert task.status == "failed" and "lease expired" in task.last_error


def test_operator_actions_with_expected_version(dl):
    dl.agents.register("a")
    dl.agents.register("b")
    dl.tasks.create("x", id="x")
    claimed = dl.tasks.claim("a", "x")
    seen = dl.tasks.get("x")
    # the agent moves on: the operator's view is now stale
    dl.tasks.start("x", "a", claimed.claim_token)
    with pytest.raises(ConflictError) as info:
        dl.tasks.release("x", by="op", expected_version=seen.version)
    assert info.value.current.status == "in_progress"
    assert dl.tasks.get("x").claimed_by == "a"  # nothing overwritten
    current = dl.tasks.get("x")
    moved = dl.tasks.reassign("x", "b", by="op", expected_version=current.version)
    assert moved.claimed_by == "b" and moved.claim_token == claimed.claim_token + 1
    with pytest.raises(StaleLeaseError):
        dl.tasks.complete("x", "a", claimed.claim_token)
    released = dl.tasks.release("x", by="op", reason="stuck", expected_version=moved.version)
    assert released.status == "pending" and released.claimed_by is None
    history = dl.tasks.history("x")
    assert [e.action for e in history] == ["create", "claim", "start", "reassign", "release"]
    assert history[-1].actor == "op" and history[-1].from_owner == "b"
    types = [r[0] for r in dl.engine.rows(
        "SELECT m.type FROM messages m JOIN message_recipients r ON r.message_id = m.id ORDER BY m.sent_at")]
    assert types == ["operator.reassign", "operator.assign", "operator.release"]


def test_retry_cancel_priority_and_claim_for(dl):
    dl.tasks.create("x", id="x", max_attempts=1)
    task = dl.tasks.claim("a", "x")
    dl.tasks.fail("x", "a", task.claim_token, "nope")
    failed = dl.tasks.get("x")
    assert failed.status == "failed"
    retried = dl.tasks.retry("x", by="op", expected_version=failed.version)
    assert retried.status == "pending" and retried.attempts == 0
    bumped = dl.tasks.set_priority("x", "critical", by="op", expected_version=retried.version)
    assert bumped.priority == "critical"
    with pytest.raises(ConflictError):
        dl.tasks.set_priority("x", "low", by="op", expected_version=retried.version)
    given = dl.tasks.claim_for("b", "x", by="op", expected_version=bumped.version)
    assert given.claimed_by == "b" and given.last_actor == "op"
    cancelled = dl.tasks.cancel("x", by="op", reason="not needed", expected_version=given.version)
    assert cancelled.status == "cancelled"
    with pytest.raises(ConflictError):
        dl.tasks.cancel("x", by="op")


def test_update_fields_and_cas(dl):
    task = dl.tasks.create("x", id="x")
    updated = dl.tasks.update("x", expected_version=task.version, title="y", priority="high",
                              required_skills=["go"], by="op")
    assert (updated.title, updated.priority, updated.required_skills) == ("y", "high", ["go"])
    assert updated.version == task.version + 1
    with pytest.raises(ConflictError):
        dl.tasks.update("x", expected_version=task.version, title="z")
    with pytest.raises(InvalidInputError):
        dl.tasks.update("x", status="completed")


def test_foreign_writes_bump_version_and_are_audited(dl, foreign_sql):
    task = dl.tasks.create("x", id="x")
    foreign_sql([("UPDATE tasks SET status = 'claimed', claimed_by = 'rogue' WHERE id = 'x'", ())])
    now = dl.tasks.get("x")
    assert now.version > task.version and now.claimed_by == "rogue"
    assert dl.tasks.history("x")[-1].action == "external"
    with pytest.raises(ConflictError):
        dl.tasks.release("x", by="op", expected_version=task.version)


def test_list_filters_sorting_paging(dl):
    for i in range(30):
        dl.tasks.create(f"task {i:02d}", id=f"t{i:02d}", priority=("low", "high")[i % 2])
    dl.tasks.claim("a", "t05")
    assert dl.tasks.count() == 30
    assert [t.id for t in dl.tasks.list(claimed_by="a")] == ["t05"]
    assert dl.tasks.count(status="pending") == 29
    page = dl.tasks.list(order_by="id", limit=10, offset=10)
    assert [t.id for t in page] == [f"t{i:02d}" for i in range(10, 20)]
    desc = dl.tasks.list(order_by="title", descending=True, limit=1)
    assert desc[0].id == "t29"
    assert [t.id for t in dl.tasks.list(text="TASK 07")] == ["t07"]
    with pytest.raises(InvalidInputError):
        dl.tasks.list(order_by="title; DROP TABLE tasks")
    assert len(dl.tasks.get_many(["t01", "t02", "missing"])) == 2
    assert [t.id for t in dl.tasks.list(exclude_status=["pending"])] == ["t05"]


def test_children_and_parent(dl):
    dl.tasks.create("parent", id="p")
    dl.tasks.create("kid 1", id="k1", parent_id="p")
    dl.tasks.create("kid 2", id="k2", parent_id="p")
    assert [t.id for t in dl.tasks.children("p")] == ["k1", "k2"]


def test_foreign_rows_are_read_leniently(dl, foreign_sql):
    rows = [
        ("bad-json", "t", "pending", "medium", "[not json", "{also bad", "2026-01-18 10:00:00"),
        ("odd-status", "t", "exploded", "urgent", None, None, "2026-01-18T10:00:00.123Z"),
        ("epoch", "t", "pending", "low", '["x"]', "[]", 1768730400),
        ("nonsense-time", "", "pending", None, "[1, 2]", '"dep"', "yesterday-ish"),
    ]
    foreign_sql([("INSERT INTO tasks(id, title, status, priority, required_skills, dependencies, created_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)", row) for row in rows])
    tasks = {t.id: t for t in dl.tasks.list(limit=None)}
    assert set(tasks) == {"bad-json", "odd-status", "epoch", "nonsense-time"}
    bad = tasks["bad-json"]
    assert bad.raw["required_skills"] == "[not json" and bad.ready is False
    assert any("dependencies" in p for p in bad.problems)
    assert any("unknown value 'exploded'" in p for p in tasks["odd-status"].problems)
    assert tasks["odd-status"].created_at == pytest.approx(1768730400.123)
    assert tasks["epoch"].created_at == 1768730400
    assert tasks["nonsense-time"].created_at is None and tasks["nonsense-time"].problems
    dl.agents.register("a", skills=["x"])
    claimed = dl.tasks.claim("a")  # bad-json is never claimable; the others still are
    assert claimed is not None and claimed.id != "bad-json"


def test_invalid_utf8_and_nul_bytes_do_not_hide_rows(dl, foreign_sql):
    dl.tasks.create("fine", id="fine")
    foreign_sql([
        ("INSERT INTO tasks(id, title) VALUES ('bad-utf8', CAST(X'61FF62' AS TEXT))", ()),
        ("INSERT INTO tasks(id, title, description) VALUES ('nul', 'a', CAST(X'610062' AS TEXT))", ()),
    ])
    tasks = {t.id: t for t in dl.tasks.list(limit=None)}
    assert set(tasks) == {"fine", "bad-utf8", "nul"}
    assert tasks["bad-utf8"].title == "a\ufffdb"
    assert dl.tasks.get("bad-utf8").title == "a\ufffdb"
