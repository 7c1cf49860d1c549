"""Memories against what other clients leave behind: broken rows flagged,
the vector index following other processes, the approximate first pass,
the keyword index following content changes, and the task context bundle."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from memory_helpers import foreign, nudge, unit, without_fts
from modes import dl_any  # noqa: F401 - fixture
from jetpack_tui.data import NotFoundError, create_local_data_layer
from jetpack_tui.data.embedders import DIMENSIONS, OpenAIEmbedder
from jetpack_tui.data.mail_models import Message
from jetpack_tui.data.memories import EXTERNAL_EMBEDDER
from jetpack_tui.data.schema import latest_version


# -- rows written by other clients -------------------------------------------------------
def test_broken_rows_are_flagged_never_raised(dl, db_path):
    good = unit(30)
    kept = dl.memories.store("good row", embedding=good)
    dl.memories.search(embedding=good)  # the index is loaded before the foreign rows land
    row = ("INSERT INTO memories(id, type, content, importance, embedding, metadata, created_at, embedder)"
           " VALUES (?, ?, ?, ?, {}, ?, ?, ?)")
    blob = "X'" + good.astype("<f4").tobytes().hex() + "'"
    foreign(db_path,
            (row.format("NULL"), ["bad-meta", "fact", "broken metadata json", 0.5, "{not json", None, None]),
            (row.format("X'00010203'"), ["bad-len", "fact", "short vector blob", 0.5, None, None, EXTERNAL_EMBEDDER]),
            (row.format("'garbage'"), ["bad-text", "fact", "vector stored as text", 0.5, None, None,
                                       EXTERNAL_EMBEDDER]),
            (row.format("X'" + "ff" * DIMENSIONS * 4 + "'"), ["bad-nan", "fact", "nan vector", 0.5, None, None,
                                                             EXTERNAL_EMBEDDER]),
            (row.format("zeroblob(6144)"), ["bad-zero", "fact", "zero vector", 0.5, None, None, EXTERNAL_EMBEDDER]),
            (row.format(blob), ["no-embedder", "fact", "vector without embedder", 0.5, None, None, None]),
            (row.format(blob), ["bad-type", "mystery", "unknown type", "high", "[1]", "yesterday-ish",
                                EXTERNAL_EMBEDDER]),
            (row.format("NULL"), ["bad-range", None, None, 7, None, None, None]),
            ("INSERT INTO memories(id, type, content) VALUES ('bad-utf8', 'fact', CAST(X'66ff6f6f' AS TEXT))", []))
    found = {m.id: m for m in dl.memories.list(limit=None)}
    expected = {"bad-meta": "metadata: not valid JSON", "bad-len": "4 bytes, expected 6144",
                "bad-text": "stored as text", "bad-zero": None, "bad-nan": None,
                "no-embedder": "embedder: not recorded", "bad-type": None,
                "bad-range": "importance: 7.0 is outside [0, 1]", "bad-utf8": None}
    for memory_id, problem in expected.items():
        memory = found[memory_id]
        assert problem is None or any(problem in p for p in memory.problems), (memory_id, memory.problems)
        assert dl.memories.get(memory_id, with_embedding=True).id == memory_id
    assert found["bad-type"].type == "mystery" and not [p for p in found["bad-type"].problems if "type" in p]
    assert found["bad-range"].type == "general" and "type: missing" in found["bad-range"].problems
    assert found["bad-type"].importance == 0.5 and "importance: not a number" in found["bad-type"].problems
    assert "metadata: not a JSON object" in found["bad-type"].problems
    assert "created_at: unreadable timestamp" in found["bad-type"].problems
    assert found["bad-range"].importance == 1.0 and found["bad-range"].content == ""
    assert any("NaN" in p for p in dl.memories.get("bad-nan", with_embedding=True).problems)
    # Only rows with a usable vector of this embedder: broken metadata/type don't spoil a good vector.
    assert {h.memory.id for h in dl.memories.search(embedding=good, k=20)} == {kept.id, "bad-type"}
    assert [h.memory.id for h in dl.memories.search("broken metadata")] == ["bad-meta"]
    assert [h.memory.id for h in dl.memories.search("short blob")] == ["bad-len"]
    assert dl.memories.similar("bad-len") == [] and dl.memories.similar("bad-text") == []
    assert dl.memories.vector_index.stats()["usable"] == 2
    assert dl.memories.count(min_importance=0.9) == 1  # text importance never passes a filter


# -- the vector index -----------------------------------------------------------------------
def test_index_follows_other_processes_inserts_updates_and_deletes(dl, db_path):
    query = unit(40)
    dl.memories.store("seed", embedding=unit(41))
    assert dl.memories.search(embedding=query, k=1)[0].memory.content == "seed"
    code = ("import json, sys; from jetpack_tui.data import create_local_data_layer as c; "
            "dl = c(sys.argv[1]); print(dl.memories.store('from another process', "
            "embedding=json.loads(sys.argv[2])).id); dl.close()")
    other = subprocess.run([sys.executable, "-c", code, db_path, json.dumps(nudge(query, 0.1, 42).tolist())],
                           capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    [first, second] = dl.memories.search(embedding=query, k=2, min_similarity=-1)
    assert (first.memory.id, second.memory.content) == (other, "seed")
    far = "X'" + (-query).astype("<f4").tobytes().hex() + "'"
    foreign(db_path, (f"UPDATE memories SET embedding = {far} WHERE id = ?", [other]))
    assert dl.memories.search(embedding=query, k=1)[0].memory.content == "seed"
    foreign(db_path, ("DELETE FROM memories WHERE id = ?", [other]))
    assert [h.memory.content for h in dl.memories.search(embedding=query, min_similarity=-1)] == ["seed"]
    reused = dl.memories.store("takes the freed rowid", embedding=query)  # rowid = max + 1 again
    assert dl.memories.search(embedding=query, k=1)[0].memory.id == reused.id
    stats = dl.memories.vector_index.stats()
    assert stats["loaded"] and stats["usable"] == 2


def test_approximate_first_pass_keeps_recall_and_filters(dl):
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((12, DIMENSIONS))
    vectors = centres[rng.integers(0, 12, 600)] + 1.5 * rng.standard_normal((600, DIMENSIONS))
    for i, vector in enumerate(vectors):
        dl.memories.store(f"m{i}", embedding=vector, type=("fact", "error")[i % 2], importance=(i % 10) / 10)
    rowid_of = dict(dl.engine.rows("SELECT content, rowid FROM memories"))
    rowids = np.array([rowid_of[f"m{i}"] for i in range(600)])
    unit_vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    index = dl.memories.vector_index
    index.rerank = 40  # far fewer candidates than rows: the sketch pass decides
    found = 0
    for q in centres[rng.integers(0, 12, 20)] + 1.5 * rng.standard_normal((20, DIMENSIONS)):
        scores = unit_vectors @ (q / np.linalg.norm(q))
        truth = set(rowids[np.argsort(-scores)[:10]].tolist())
        assert {r for r, _ in index.search(q, EXTERNAL_EMBEDDER, 10, exact=True)} == truth
        found += len(truth & {r for r, _ in index.search(q, EXTERNAL_EMBEDDER, 10)})
        errors = index.search(q, EXTERNAL_EMBEDDER, 10, types=["error"], min_importance=0.5)
        wanted = [i for i in range(600) if i % 2 and i % 10 >= 5]
        best = sorted(wanted, key=lambda i: -scores[i])[:10]
        assert len({r for r, _ in errors} & set(rowids[best].tolist())) >= 8
    assert found / 200 >= 0.9


def test_keyword_index_follows_content_changes_and_migrates_old_rows(dl, db_path):
    zebra = dl.memories.store("original wording about zebras")
    assert [h.memory.id for h in dl.memories.search("zebras")] == [zebra.id]
    foreign(db_path, ("UPDATE memories SET content = 'now about giraffes' WHERE id = ?", [zebra.id]))
    assert dl.memories.search("zebras") == [] and len(dl.memories.search("giraffes")) == 1
    dl.memories.rebuild_keyword_index()
    assert len(dl.memories.search("giraffes")) == 1
    dl.close()
    without_fts(db_path)  # a database from before migration 3, with memories in it
    foreign(db_path, ("UPDATE jetpack_meta SET value = '2' WHERE key = 'schema_version'", []))
    with create_local_data_layer(db_path) as again:
        assert again.schema_version() == latest_version() and again.memories.has_keyword_index
        assert [h.memory.id for h in again.memories.search("giraffes")] == [zebra.id]


# -- task context -------------------------------------------------------------------------------
def test_task_context_bundles_what_an_agent_needs(dl_any):
    tasks, memories = dl_any.tasks, dl_any.memories
    root = tasks.create("Ship v2")
    middle = tasks.create("Backend", parent_id=root.id)
    dep = tasks.create("Schema")
    token = tasks.claim("a1", dep.id).claim_token
    tasks.complete(dep.id, "a1", token, result={"tables": ["memories"]})
    task = tasks.create("Add memories API", description="vector search over embeddings",
                        parent_id=middle.id, dependencies=[dep.id])
    message = ("INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id, task_id, sent_at)"
               " VALUES (?, 'note', 'a1', '*', ?, 'th', ?, ?)")
    dl_any.engine.write(lambda tx: [tx.execute(message, (f"m{i}", payload, task.id, 100.0 + i))
                                    for i, payload in ((2, '{"n": 2}'), (1, "{broken"))])
    own = memories.store("decided: sketches + exact re-rank", task_id=task.id, importance=0.9)
    related = memories.store("vector search needs embeddings from one embedder")
    memories.store("unrelated colours")
    context = memories.get_task_context(task.id, k=5)
    assert context.task.id == task.id and [p.id for p in context.parents] == [middle.id, root.id]
    assert [(d.id, d.status, d.result) for d in context.dependencies] == [(dep.id, "completed",
                                                                           {"tables": ["memories"]})]
    assert context.missing_dependencies == [] and context.problems == ()
    assert [m.id for m in context.messages] == ["m1", "m2"] and context.messages[1].payload == {"n": 2}
    assert all(isinstance(m, Message) for m in context.messages)  # the mail model, as dl.messages has it
    assert context.messages == dl_any.messages.for_task(task.id)
    assert context.messages[0].problems == ("payload: not valid JSON",)
    assert [m.id for m in context.task_memories] == [own.id]
    assert [h.memory.id for h in context.related_memories] == [related.id]
    assert [m.id for m in context.memories] == [own.id, related.id]
    with pytest.raises(NotFoundError):
        memories.get_task_context("task-nope")


def test_task_context_reports_gaps_and_a_failing_embedder(db_path):
    down = OpenAIEmbedder("http://127.0.0.1:9", key="k", timeout=2)  # port 9: nothing listens
    with create_local_data_layer(db_path, embedder=down) as dl:
        task = dl.tasks.create("Tune the cache", parent_id="ghost", dependencies=["dep-ghost"])
        hint = dl.memories.store("cache tuning: keep the sketch", embed=False)
        context = dl.memories.get_task_context(task.id)
        assert context.missing_dependencies == ["dep-ghost"] and context.parents == []
        assert "parent ghost does not exist" in context.problems
        assert any("keywords only" in p for p in context.problems)
        assert [h.memory.id for h in context.related_memories] == [hint.id]
