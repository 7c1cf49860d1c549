"""Claim path v2: readiness, skills and queue order kept next to each row.

Whoever writes (our API, or a foreign client through the ``sqlite3``
library in another process), the trigger-kept columns must equal a recount
from the plain columns, and claims must follow them.
"""

from __future__ import annotations

import json
import random

import pytest

from jetpack_tui.data import ConflictError, InvalidInputError, create_local_data_layer
from jetpack_tui.data import queue_order
from jetpack_tui.data.settings import CLAIM_AGING
from jetpack_tui.data.task_lifecycle import CLAIM_NEXT_SQL, claim_next_params

from derived_check import recount_differences


def test_the_recount_catches_a_wrong_counter(dl, foreign_sql):
    dl.tasks.create("a", id="a")
    assert recount_differences(dl) == []
    foreign_sql([("UPDATE task_counts SET n = n + 1 WHERE bucket = 'pending:ready'", ())])
    assert any("task_counts" in p for p in recount_differences(dl))


def test_the_recount_catches_a_wrong_readiness(dl, foreign_sql):
    dl.tasks.create("a", id="a")
    dl.tasks.create("b", id="b", dependencies=["a"])
    foreign_sql([("UPDATE tasks SET deps_unmet = 0 WHERE id = 'b'", ())])
    assert any("deps_unmet" in p for p in recount_differences(dl))


def test_derived_state_survives_any_mix_of_writers(dl, foreign_sql):
    rng = random.Random(7)
    ids = [f"t{i}" for i in range(40)]
    skills = ["py", "SQL", "go", "rust", "docs"]
    for task_id in ids:
        deps = rng.sample([d for d in ids if d < task_id], k=min(rng.randint(0, 3), ids.index(task_id)))
        dl.tasks.create(task_id, id=task_id, dependencies=deps + (["ghost"] if rng.random() < 0.1 else []),
                        required_skills=rng.sample(skills, k=rng.randint(0, 2)))
    dl.agents.register("ada", skills=["PY", "sql", "go", "rust", "docs"])
    for _ in range(30):
        task = dl.tasks.claim("ada")
        if task is None:
            break
        if rng.random() < 0.7:
            dl.tasks.complete(task.id, "ada", task.claim_token)
        else:
            dl.tasks.fail(task.id, "ada", task.claim_token, "boom", retry=False)
    assert recount_differences(dl) == []
    # A foreign client edits the plain columns directly, as the sqlite3 shell would.
    foreign_sql([
        ("UPDATE tasks SET status = 'completed' WHERE id IN ('t5', 't6', 't30')", ()),
        ("UPDATE tasks SET status = 'pending' WHERE id = 't0'", ()),
        ("UPDATE tasks SET dependencies = ? WHERE id = 't39'", (json.dumps(["t1", "t1", "t2"]),)),
        ("UPDATE tasks SET dependencies = '{broken' WHERE id = 't38'", ()),
        ("UPDATE tasks SET required_skills = '[\"Haskell\"]' WHERE id = 't37'", ()),
        ("INSERT INTO tasks(id, title, status, dependencies) VALUES ('ghost', 'late', 'completed', '[]')", ()),
        ("DELETE FROM tasks WHERE id = 't3'", ()),
        ("UPDATE tasks SET id = 't3' WHERE id = 't4'", ()),
        ("UPDATE tasks SET id = NULL WHERE id = 't7'", ()),
        ("INSERT INTO agents(id, skills) VALUES ('bob', '[\"haskell\"]')", ()),
        ("UPDATE agents SET skills = 'not json' WHERE id = 'ada'", ()),
    ])
    assert recount_differences(dl) == []
    dl.tasks.retry("t30", by="op") if dl.tasks.get("t30").status == "failed" else None
    dl.tasks.update("t39", dependencies=["t8"], by="op")
    assert recount_differences(dl) == []


def test_the_ready_pick_reads_the_ready_index(dl):
    plan = [row[3] for row in dl.engine.rows("EXPLAIN QUERY PLAN " + CLAIM_NEXT_SQL,
                                             claim_next_params("a", 1.0, 2.0, "a", "claim", None))]
    assert any("tasks_ready" in step for step in plan)
    assert not any(step.startswith("SCAN") and "tasks_ready" not in step for step in plan)


def test_blocked_tasks_ahead_do_not_hide_ready_ones(dl):
    for i in range(300):
        dl.tasks.create(f"blocked {i}", id=f"b{i}", priority="critical", dependencies=["never"])
    dl.tasks.create("ready", id="r", priority="low")
    assert dl.tasks.counts_by_status() == {"pending": 301, "ready": 1, "blocked": 300}
    assert dl.tasks.claim("anyone").id == "r"
    assert dl.tasks.claim("anyone") is None


def test_an_operators_assignment_is_taken_up_first(dl):
    dl.agents.register("ada")
    dl.tasks.create("urgent", id="u", priority="critical")
    dl.tasks.create("given", id="g", priority="low")
    assigned = dl.tasks.claim_for("ada", "g", by="op")
    taken = dl.tasks.claim("ada")
    assert (taken.id, taken.status, taken.claim_token) == ("g", "claimed", assigned.claim_token)
    assert taken.last_action == "accept" and taken.attempts == assigned.attempts
    assert dl.tasks.claim("ada").id == "u"  # the assignment is taken once, then new work
    dl.tasks.create("moved", id="m")
    dl.tasks.claim("bob", "m")
    dl.tasks.reassign("m", "ada", by="op")
    assert dl.tasks.claim("ada").id == "m"


def test_a_claim_by_id_respects_skills_unless_an_operator_overrides(dl):
    dl.agents.register("ada", skills=["python"])
    dl.tasks.create("needs go", id="go", required_skills=["go"])
    with pytest.raises(ConflictError, match="lacks the skills"):
        dl.tasks.claim("ada", "go")
    assert dl.tasks.claim_for("ada", "go", by="op").claimed_by == "ada"


def test_a_task_without_an_id_does_not_stop_claims(dl, foreign_sql):
    dl.tasks.create("top", id="top", priority="critical")
    dl.tasks.create("next", id="next", priority="low")
    foreign_sql([("UPDATE tasks SET id = NULL WHERE id = 'top'", ())])
    assert dl.tasks.claim("ada").id == "next"


def test_more_skills_than_the_key_holds_fall_back_to_the_lists(dl):
    for i in range(70):
        dl.tasks.create(f"skill {i}", id=f"s{i}", required_skills=[f"skill-{i}"], priority="low")
    dl.tasks.create("wide", id="wide", required_skills=["skill-69", "skill-1"], priority="critical")
    assert dl.engine.value("SELECT skills_key FROM tasks WHERE id = 'wide'") == -1
    dl.agents.register("ada", skills=["skill-69", "SKILL-1"])
    assert dl.tasks.claim("ada").id == "wide"
    assert dl.tasks.claim("ada").id == "s1"
    assert dl.tasks.claim("ada").id == "s69"
    assert dl.tasks.claim("ada") is None
    assert recount_differences(dl) == []


def test_unreadable_and_oversized_lists_are_never_ready(dl, foreign_sql):
    dl.tasks.create("broken", id="x")
    dl.tasks.create("huge", id="h")
    foreign_sql([("UPDATE tasks SET dependencies = '{nope' WHERE id = 'x'", ()),
                 ("UPDATE tasks SET dependencies = ? WHERE id = 'h'", (json.dumps([f"d{i}" for i in range(200_000)]),))])
    assert dl.tasks.claim("ada") is None
    for task_id in ("x", "h"):
        blockers = dl.tasks.blockers(task_id)
        assert blockers.unreadable and blockers.blocked
    assert dl.tasks.counts_by_status()["blocked"] == 2


def test_blockers_report_missing_unfinished_and_cycles(dl, foreign_sql):
    dl.tasks.create("a", id="a")
    dl.tasks.create("b", id="b", dependencies=["a", "ghost"])
    blockers = dl.tasks.blockers("b")
    assert blockers.unfinished == [("a", "pending")] and blockers.missing == ["ghost"] and not blockers.cycle
    foreign_sql([("UPDATE tasks SET dependencies = '[\"b\"]' WHERE id = 'a'", ())])
    assert dl.tasks.blockers("b").cycle == ["b"]


def test_list_and_count_agree_with_the_counters(dl):
    dl.tasks.create("a", id="a")
    dl.tasks.create("b", id="b", dependencies=["a"])
    dl.tasks.create("c", id="c", dependencies=["zz"])
    assert [t.id for t in dl.tasks.list(ready=False)] == ["b", "c"]
    assert dl.tasks.count(ready=False) == 2 and dl.tasks.count(ready=True) == 1
    assert dl.tasks.count(status="pending") == 3 and dl.tasks.count() == 3
    assert dl.tasks.count(exclude_status=["pending"]) == 0
    assert [t.id for t in dl.tasks.list(ids=["c", "a", "nope"])] == ["a", "c"]


# -- validation (issue 12, hole 7) ----------------------------------------------------
@pytest.mark.parametrize("ttl", [float("inf"), float("nan"), -1, 0, 10 ** 9, True, "60"])
def test_a_lease_must_be_a_sane_number_of_seconds(dl, ttl):
    dl.tasks.create("a", id="a")
    with pytest.raises(InvalidInputError):
        dl.tasks.claim("ada", ttl=ttl)


def test_the_broadcast_address_is_not_an_agent(dl):
    dl.tasks.create("a", id="a")
    with pytest.raises(InvalidInputError, match="broadcast"):
        dl.tasks.claim("*")
    with pytest.raises(InvalidInputError, match="broadcast"):
        dl.tasks.claim_for("*", "a", by="op")


def test_parent_cycles_are_refused(dl):
    dl.tasks.create("root", id="r")
    dl.tasks.create("child", id="c", parent_id="r")
    with pytest.raises(InvalidInputError, match="own parent"):
        dl.tasks.update("r", parent_id="r")
    with pytest.raises(InvalidInputError, match="parent cycle"):
        dl.tasks.update("r", parent_id="c")


def test_dependency_lists_are_bounded(dl):
    with pytest.raises(InvalidInputError, match="at most 1000"):
        dl.tasks.create("too many", dependencies=[f"d{i}" for i in range(1001)])
    with pytest.raises(InvalidInputError, match="cycle"):
        dl.tasks.create("a", id="a", dependencies=["b"]) and dl.tasks.create("b", id="b", dependencies=["a"])


# -- priority aging ------------------------------------------------------------------
def test_aging_lets_a_long_waiting_task_pass_fresh_critical_work(dl, foreign_sql):
    assert dl.settings.get(CLAIM_AGING) == queue_order.DEFAULT_AGING_SECONDS
    dl.tasks.create("old low", id="low", priority="low")
    dl.tasks.create("fresh critical", id="crit", priority="critical")
    foreign_sql([("UPDATE tasks SET created_at = datetime('now', '-20 minutes') WHERE id = 'low'", ())])
    assert dl.tasks.claim("a").id == "low"  # waited 20 min > 3 levels x 5 min


def test_aging_off_is_strict_priority_and_reorders_in_chunks(dl, foreign_sql, monkeypatch):
    monkeypatch.setattr(queue_order, "REORDER_CHUNK", 3)
    for i in range(7):
        dl.tasks.create(f"old low {i}", id=f"low{i}", priority="low")
    dl.tasks.create("fresh critical", id="crit", priority="critical")
    foreign_sql([("UPDATE tasks SET created_at = datetime('now', '-20 minutes') WHERE id LIKE 'low%'", ())])
    assert dl.tasks.get("low0").claim_order < dl.tasks.get("crit").claim_order
    dl.settings.set(CLAIM_AGING, 0)  # off: re-ordered in chunks of 3 rows
    assert dl.tasks.claim("a").id == "crit"
    for bad in (float("inf"), -5, 0.5, True):
        with pytest.raises(InvalidInputError):
            dl.settings.set(CLAIM_AGING, bad)


def test_an_upgraded_database_gets_the_derived_state(tmp_path, foreign_sql):
    path = str(tmp_path / "old.db")
    with create_local_data_layer(path) as dl:
        dl.tasks.create("a", id="a")
        dl.tasks.create("b", id="b", dependencies=["a"], required_skills=["py"])
    # back to version 4: drop what migration 5 made, keep the rows
    foreign_sql([(sql, ()) for sql in (
        "UPDATE tasks SET deps_unmet = NULL, skills_key = NULL, claim_order = NULL",
        "DELETE FROM task_counts", "DELETE FROM task_deps", "DELETE FROM skill_bits",
        "UPDATE jetpack_meta SET value = '4' WHERE key = 'schema_version'")], path)
    with create_local_data_layer(path) as dl:
        assert recount_differences(dl) == []
        assert dl.tasks.claim("ada").id == "a"
