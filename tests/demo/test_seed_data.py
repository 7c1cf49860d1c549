"""``build_demo_database``: every state the dashboard draws, read back through
the DataLayer without a single decoding problem, and fully deterministic."""

from __future__ import annotations

import sqlite3

import pytest

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.demo.seed_data import DEMO_EPOCH, build_demo_database

STATES = {"ready", "blocked", "claimed", "in_progress", "completed", "failed", "retry", "cancelled",
          "orphaned", "expired"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("seed") / "demo.db")
    manifest = build_demo_database(path, seed=0, tasks=120)
    dl = create_local_data_layer(path, read_only=True)
    yield manifest, dl
    dl.close()


def test_every_story_state_is_present(seeded):
    manifest, dl = seeded
    assert set(manifest.task_states) == STATES
    assert manifest.tasks == 120 == dl.tasks.count()
    states = {t.id: t.state for t in dl.tasks.list(limit=None)}
    assert {states[i] for i in manifest.task_states["ready"]} == {"ready"}
    assert {states[i] for i in manifest.task_states["blocked"]} == {"blocked"}
    assert set(dl.tasks.counts_by_status()) >= {"pending", "claimed", "in_progress", "completed", "failed",
                                                 "cancelled", "ready", "blocked"}
    retry = dl.tasks.get(manifest.task_states["retry"][0])
    assert retry.status == "pending" and retry.last_error and retry.available_at > manifest.now
    failed = dl.tasks.get(manifest.task_states["failed"][0])
    assert failed.attempts == failed.max_attempts and failed.last_error


def test_liveness_orphans_and_conflicts(seeded):
    manifest, dl = seeded
    assert {a.id: a.liveness for a in dl.agents.list()} == manifest.agents
    assert set(manifest.agents.values()) == {"alive", "stale", "dead"}
    orphans = {t.id for t in dl.agents.orphaned_tasks()}
    assert orphans == set(manifest.task_states["orphaned"] + manifest.task_states["expired"])
    holders = {frozenset((c.first.agent_id, c.second.agent_id)) for c in dl.reservations.conflicts()}
    assert frozenset(("ada", "grace")) in holders
    assert dl.leases.get("deploy:staging").agent_id == "linus"


def test_mail_has_threads_broadcasts_and_partial_reads(seeded):
    manifest, dl = seeded
    broadcast = dl.messages.get(manifest.broadcasts[-1])
    assert broadcast.is_broadcast and broadcast.recipients == 7
    states = [(d.read, d.acked) for b in manifest.broadcasts for d in dl.messages.deliveries(b)]
    assert {(True, True), (True, False), (False, False)} <= set(states)
    threads = dl.messages.threads(limit=100)
    assert any(t.message_count >= 3 and t.task_id for t in threads)
    assert any(m.type == "task.help_needed" for t in threads[:20] for m in dl.messages.thread(t.id))


def test_nothing_decodes_with_problems_and_memories_are_searchable(seeded):
    _manifest, dl = seeded
    assert [t.id for t in dl.tasks.list(limit=None) if t.problems] == []
    assert [a.id for a in dl.agents.list() if a.problems] == []
    assert [m.id for m in dl.messages.list(limit=1000) if m.problems] == []
    assert [r.id for r in dl.reservations.list(active_only=False) if r.problems] == []
    memories = dl.memories.list(limit=None)
    assert memories and all(m.embedding_status == "ok" and not m.problems for m in memories)
    assert {m.embedder for m in memories} == {"hash-v1:1536"}
    hits = dl.memories.search("PKCE grant for the OAuth login flow", k=3)
    assert hits and "PKCE" in hits[0].memory.content


def test_same_arguments_same_rows(tmp_path):
    def dump(path):
        with sqlite3.connect(path) as conn:
            return [line for line in conn.iterdump() if "jetpack_meta" not in line]

    first = build_demo_database(tmp_path / "a.db", seed=5, tasks=70, now=DEMO_EPOCH)
    second = build_demo_database(tmp_path / "b.db", seed=5, tasks=70, now=DEMO_EPOCH)
    assert first.task_states == second.task_states
    assert dump(tmp_path / "a.db") == dump(tmp_path / "b.db")
    build_demo_database(tmp_path / "c.db", seed=5, tasks=70, now=DEMO_EPOCH + 60)
    assert dump(tmp_path / "a.db") != dump(tmp_path / "c.db")


def test_small_sizes_progress_and_refusal(tmp_path):
    calls = []
    manifest = build_demo_database(tmp_path / "tiny.db", tasks=4, progress=lambda d, t: calls.append((d, t)))
    assert manifest.tasks == 4
    assert calls and calls[-1][0] == calls[-1][1]
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)
    assert build_demo_database(tmp_path / "none.db", tasks=0).tasks == 0
    with pytest.raises(FileExistsError):
        build_demo_database(tmp_path / "tiny.db")
    with pytest.raises(ValueError):
        build_demo_database(tmp_path / "neg.db", tasks=-1)


def test_the_audit_history_tells_how_every_task_got_where_it_is(seeded):
    """The history replays to the rows, in time order, dependencies first,
    with claims, completions, failures and retries spread over the hours."""
    from jetpack_tui.data.insight import Insight

    manifest, dl = seeded
    insight = Insight(dl, persist=False)
    now = {t.id: (t.status, t.claimed_by) for t in dl.tasks.list(limit=None)}
    assert {t.id: (t.status, t.owner) for t in insight.state_at(manifest.now)} == now
    events = dl.engine.rows("SELECT id, task_id, at, action, from_status, to_status FROM task_events ORDER BY id")
    assert [e[2] for e in events] == sorted(e[2] for e in events) and events[-1][2] <= manifest.now
    assert manifest.now - events[0][2] >= 10 * 3600  # the trends' 12 h window has something to show
    actions = {e[3] for e in events}
    assert {"create", "claim", "start", "complete", "fail", "cancel", "set_priority"} <= actions
    completed_at = {e[1]: e[2] for e in events if e[5] == "completed"}
    first_claim = {}
    for _id, task_id, at, action, *_ in events:
        if action == "claim":
            first_claim.setdefault(task_id, at)
    for task in dl.tasks.list(limit=None):
        for dep in task.dependencies:
            if task.id in first_claim and dep in completed_at:
                assert completed_at[dep] <= first_claim[task.id], (task.id, dep)
    retried = [e for e in events if e[3] == "fail" and e[5] == "pending"]
    assert retried, "a failure that went back to the queue"
    beats = dl.engine.rows("SELECT count(*), min(at) FROM change_log WHERE tbl = 'agents' AND op = 'update'")
    assert beats[0][0] > 1000 and manifest.now - beats[0][1] >= 2 * 3600


@pytest.mark.parametrize("tasks", [60, 120])
def test_every_task_is_created_before_anything_else_happens_to_it(tmp_path, tasks):
    """Time travel infers a task's existence from its first event: a claim
    before the creation would make it exist before it was created."""
    path = str(tmp_path / "demo.db")
    build_demo_database(path, seed=0, tasks=tasks, now=DEMO_EPOCH)
    with sqlite3.connect(path) as db:
        events = db.execute("SELECT task_id, action, at FROM task_events ORDER BY at, id").fetchall()
        created = dict(db.execute("SELECT id, created_at FROM tasks").fetchall())
    first: dict[str, str] = {}
    for task_id, action, _at in events:
        first.setdefault(task_id, action)
    late = sorted(t for t, action in first.items() if action != "create")
    assert not late, late
    creation = {task_id: at for task_id, action, at in events if action == "create"}
    assert set(creation) == set(created)
