"""Contract tests of ``dl.memories`` on real database files.

``dl_any`` runs a test in both modes (local libSQL file with FTS5; Turso
replica, where FTS5 does not exist and keyword search scans).  "Other
clients" are real OS processes: the DataLayer in a subprocess, or stdlib
``sqlite3`` writing rows Jetpack would never write.
"""

from __future__ import annotations

import json
import subprocess
import time

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from memory_helpers import nudge, unit, without_fts
from modes import dl_any  # noqa: F401 - fixture
from jetpack_tui.data import InvalidInputError, NotFoundError, create_local_data_layer
from jetpack_tui.data.embedders import DIMENSIONS, HashEmbedder
from jetpack_tui.data.memories import EXTERNAL_EMBEDDER
from jetpack_tui.data.memory_models import MAX_TYPE_CHARS, MEMORY_TYPES
from jetpack_tui.data.memory_ranking import RRF_K

HOSTILE = ['"', '""', 'say "hi', "AND", "OR NOT", "*", "-", "a -b", "(", ")(", "NEAR(a b)", "content:x",
           "^start", "\x00", "a\x00b", "🚀🔥", "a\ud800b", "' OR 1=1 --", "x" * 5000, " ".join(["w"] * 500),
           "\\", "%_", "{}", "\u202e", "ＡＮＤ", "é", ""]


# -- store and read back ------------------------------------------------------------
def test_store_and_read_back(dl_any):
    vector = unit(1)
    stored = dl_any.memories.store("Use BEGIN IMMEDIATE for CAS", type="pattern", importance=0.8, embedding=vector,
                                   metadata={"files": ["a.py"]}, task_id="t1", agent_id="a1")
    assert stored.id.startswith("mem-") and stored.problems == ()
    assert (stored.type, stored.content, stored.importance, stored.metadata, stored.task_id, stored.agent_id) == (
        "pattern", "Use BEGIN IMMEDIATE for CAS", 0.8, {"files": ["a.py"]}, "t1", "a1")
    assert stored.embedder == EXTERNAL_EMBEDDER and stored.embedding_status == "ok"
    assert abs(stored.created_at - time.time()) < 60
    full = dl_any.memories.get(stored.id, with_embedding=True)
    assert np.allclose(full.embedding, vector, atol=1e-6) and dl_any.memories.get(stored.id) == stored
    plain = dl_any.memories.store("no vector")
    assert (plain.type, plain.importance, plain.embedder, plain.embedding_status) == ("general", 0.5, None, "none")


def test_store_refuses_bad_input_and_stores_nothing(dl):
    bad = [dict(content=""), dict(content="  "), dict(content=5), dict(content="a\ud800"), dict(type=""),
           dict(importance=1.5), dict(importance=-0.1), dict(importance=True), dict(importance=float("nan")),
           dict(importance="high"), dict(metadata=[1]), dict(metadata={"x": object()}), dict(task_id="")]
    wrong_vectors = [[0.1] * 1535, [0.1] * 1537, [], [[0.1] * 1536], "text", [0.0] * 1536,
                     [float("nan")] + [0.1] * 1535, b"\0" * 100, np.ones((2, DIMENSIONS))]
    bad += [dict(embedding=vector) for vector in wrong_vectors]
    for kwargs in bad:
        args = {"content": "ok", **kwargs}
        with pytest.raises(InvalidInputError):
            dl.memories.store(args.pop("content"), **args)
    with pytest.raises(InvalidInputError, match="exactly 1536 values, got 1535"):
        dl.memories.store("short", embedding=[0.5] * 1535)
    assert dl.memories.count() == 0


def test_vector_formats_agree_with_libsql(dl):
    vector = unit(2)
    as_bytes = dl.memories.store("raw bytes", embedding=np.asarray(vector, "<f4").tobytes())
    as_list = dl.memories.store("a list", embedding=list(vector))
    # A row written with libSQL's own vector32() from JSON text (another client's way).
    dl.engine.write(lambda tx: tx.execute(
        "INSERT INTO memories(id, type, content, embedding, embedder) VALUES ('mem-v32', 'fact', 'vector32 row',"
        " vector32(?), ?)", (json.dumps(vector.tolist()), EXTERNAL_EMBEDDER)))
    blobs = dl.engine.rows("SELECT typeof(embedding), embedding FROM memories ORDER BY rowid")
    assert [kind for kind, _ in blobs] == ["blob"] * 3 and len({blob for _, blob in blobs}) == 1
    assert len(blobs[0][1]) == DIMENSIONS * 4
    distance = dl.engine.value("SELECT vector_distance_cos(embedding, vector32(?)) FROM memories WHERE id = ?",
                               (json.dumps(vector.tolist()), as_bytes.id))
    assert abs(distance) < 1e-5
    hits = dl.memories.search(embedding=vector, k=5)
    assert {h.memory.id for h in hits} == {as_bytes.id, as_list.id, "mem-v32"}
    assert all(h.vector_score == pytest.approx(1.0, abs=1e-5) and h.keyword_rank is None for h in hits)


def test_configured_embedder_computes_vectors_unless_told_not_to(db_path):
    with create_local_data_layer(db_path, embedder=HashEmbedder()) as dl:
        login = dl.memories.store("flaky login test fixed by waiting for the session cookie", type="learning")
        assert login.embedder == "hash-v1:1536" and login.embedding_status == "ok"
        assert dl.memories.store("no vector please", embed=False).embedding_status == "none"
        assert dl.memories.store("given", embedding=unit(3)).embedder == "hash-v1:1536"
        assert dl.memories.store("given", embedding=unit(3), embedder_name="openai:x").embedder == "openai:x"
        [first, *_] = dl.memories.search("login tests flaky")
        assert first.memory.id == login.id and first.vector_rank == 1 and first.keyword_rank == 1
        assert all(h.vector_rank is None for h in dl.memories.search("session cookie", embed=False))


JETPACK_TYPES = ("codebase_knowledge", "agent_learning", "task_context", "conversation", "error_pattern",
                 "solution_pattern", "general")


def test_any_short_printable_type_is_a_memory_type(dl_any):
    """The seed's ``type`` is free text: Jetpack's own agents' types, ours and new ones are all kept."""
    memories = dl_any.memories
    made = {kind: memories.store(f"a memory of type {kind}", type=kind)
            for kind in JETPACK_TYPES + ("fact", "runbook", "Пример", "x" * MAX_TYPE_CHARS)}
    for kind, memory in made.items():
        back = memories.get(memory.id)
        assert (back.type, back.problems) == (kind, ()), kind
    assert set(JETPACK_TYPES) <= set(MEMORY_TYPES) and "fact" in MEMORY_TYPES  # the well-known ones
    assert [m.id for m in memories.list(type="error_pattern")] == [made["error_pattern"].id]
    assert [h.memory.id for h in memories.search("memory", type=["runbook"])] == [made["runbook"].id]
    assert memories.counts_by_type()["codebase_knowledge"] == 1
    for bad in ("", "   ", " general", "general ", "a\nb", "tab\there", "nul\x00", "esc\x1b[31m", "rtl\u202e",
                "zero\u200bwidth", "x" * (MAX_TYPE_CHARS + 1), 5, None, "a\ud800"):
        with pytest.raises(InvalidInputError, match="type"):
            memories.store("refused", type=bad)
    assert memories.count() == len(made)


# -- reads for the dashboard ------------------------------------------------------------
def test_get_list_count_and_delete(dl_any):
    memories = dl_any.memories
    made = [memories.store(f"note {i} about LOGIN" if i % 2 else f"note {i}", type=("fact", "error")[i % 2],
                           importance=i / 10, task_id="t1" if i < 3 else None, agent_id=f"a{i % 3}")
            for i in range(8)]
    with pytest.raises(NotFoundError):
        memories.get("mem-nope")
    assert memories.find("mem-nope") is None and memories.find(made[0].id) == made[0]
    assert memories.get_many([made[1].id, "mem-nope", made[1].id]) == {made[1].id: made[1]}
    assert [m.id for m in memories.list()] == [m.id for m in reversed(made)]  # newest first
    assert {m.id for m in memories.list(type="error")} == {m.id for m in made[1::2]}
    assert {m.id for m in memories.list(task_id="t1")} == {m.id for m in made[:3]}
    assert {m.id for m in memories.list(agent_id="a0")} == {made[0].id, made[3].id, made[6].id}
    assert {m.id for m in memories.list(min_importance=0.6)} == {made[6].id, made[7].id}
    assert {m.id for m in memories.list(text="login")} == {m.id for m in made[1::2]}
    by_importance = memories.list(order_by="importance", limit=3, offset=1)
    assert [m.id for m in by_importance] == [made[6].id, made[5].id, made[4].id]
    assert memories.count() == 8 and memories.count(type="fact", min_importance=0.3) == 2
    assert memories.counts_by_type() == {"fact": 4, "error": 4}
    with pytest.raises(InvalidInputError):
        memories.list(order_by="content; DROP TABLE memories")
    assert memories.delete(made[0].id) and not memories.delete(made[0].id)
    with pytest.raises(NotFoundError):
        memories.get(made[0].id)


# -- search ------------------------------------------------------------------------------
def test_keyword_search_ranks_by_bm25_with_filters(dl_any):
    memories = dl_any.memories
    both = memories.store("retry the upload with exponential backoff", type="learning", importance=0.9)
    upload = memories.store("upload fails on large files", type="error", importance=0.2)
    memories.store("unrelated note about colours", type="fact")
    hits = memories.search("upload backoff")
    assert [h.memory.id for h in hits] == [both.id, upload.id]
    assert [h.keyword_rank for h in hits] == [1, 2] and hits[0].keyword_score > hits[1].keyword_score > 0
    assert all(h.vector_rank is None and h.score == pytest.approx(1 / (RRF_K + h.keyword_rank)) for h in hits)
    assert [h.memory.id for h in memories.search("upload", type="error")] == [upload.id]
    assert [h.memory.id for h in memories.search("upload", min_importance=0.5)] == [both.id]
    assert memories.search("") == [] and memories.search("  ") == []
    for bad in (dict(), dict(text="x", k=0), dict(text="x", k=True), dict(text=b"x")):
        with pytest.raises(InvalidInputError):
            memories.search(**bad)


def test_hybrid_search_fuses_by_reciprocal_rank(dl):
    target = unit(10)
    exact = dl.memories.store("alpha deploy checklist", embedding=target)
    near = dl.memories.store("beta notes", embedding=nudge(target, 0.3, 11))
    dl.memories.store("alpha other", embedding=unit(12))
    hits = dl.memories.search("alpha", embedding=target, k=3)
    assert hits[0].memory.id == exact.id and hits[0].keyword_rank and hits[0].vector_rank == 1
    assert near.id in [h.memory.id for h in hits]
    for hit in hits:
        parts = [r for r in (hit.keyword_rank, hit.vector_rank) if r is not None]
        assert hit.score == pytest.approx(sum(1 / (RRF_K + r) for r in parts))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_vectors_of_different_embedders_are_never_compared(dl_any):
    memories, vector = dl_any.memories, unit(5)
    x = memories.store("from model x", embedding=vector, embedder_name="model-x")
    memories.store("from model y", embedding=vector, embedder_name="model-y")
    external = memories.store("external", embedding=vector)
    assert [h.memory.id for h in memories.search(embedding=vector, embedder_name="model-x")] == [x.id]
    assert [h.memory.id for h in memories.search(embedding=vector)] == [external.id]
    assert memories.similar(x.id) == []
    x2 = memories.store("x again", embedding=nudge(vector, 0.2, 6), embedder_name="model-x")
    assert [h.memory.id for h in memories.similar(x.id)] == [x2.id]


def test_similar_finds_neighbours_by_the_stored_vector(dl):
    base = unit(20)
    origin = dl.memories.store("origin", embedding=base)
    close = dl.memories.store("close", embedding=nudge(base, 0.2, 21), type="fact")
    farther = dl.memories.store("farther", embedding=nudge(base, 0.8, 22))
    dl.memories.store("no vector")
    hits = dl.memories.similar(origin.id, k=5)
    assert [h.memory.id for h in hits][:2] == [close.id, farther.id] and origin.id not in [h.memory.id for h in hits]
    assert hits[0].vector_score > hits[1].vector_score
    assert [h.memory.id for h in dl.memories.similar(origin.id, type="fact")] == [close.id]
    assert dl.memories.similar(dl.memories.list(text="no vector")[0].id) == []
    with pytest.raises(NotFoundError):
        dl.memories.similar("mem-nope")


@pytest.fixture(scope="module")
def searchable(tmp_path_factory):
    """Two filled databases: libSQL with FTS5 + hash embedder, and one without FTS5."""
    folder = tmp_path_factory.mktemp("hostile")
    without_fts(str(folder / "plain.db"))
    layers = [create_local_data_layer(str(folder / "fts.db"), embedder=HashEmbedder()),
              create_local_data_layer(str(folder / "plain.db"), embedder=HashEmbedder())]
    assert [layer.memories.has_keyword_index for layer in layers] == [True, False]
    for layer in layers:
        for text in ['AND OR NOT "quoted" (paren', "emoji 🚀 rocket", "naïve café", "under_score col:umn"]:
            layer.memories.store(text)
    yield layers
    for layer in layers:
        layer.close()


@settings(max_examples=120, deadline=None)
@given(text=st.text(max_size=300))
@example(text="㋀")  # found by Hypothesis: NFKD folds it to "1月", yet it holds no word character
def test_any_text_is_a_valid_query(searchable, text):
    for layer in searchable:
        hits = layer.memories.search(text, k=5)
        assert len(hits) <= 5 and all(hit.score > 0 for hit in hits)
        layer.memories.list(text=text, limit=5)


def test_hostile_strings_are_valid_queries(dl_any, searchable):
    dl_any.memories.store('AND OR NOT "quoted" (paren * -minus')
    for layer in (dl_any, *searchable):
        for text in HOSTILE:
            assert isinstance(layer.memories.search(text), list)
    assert [h.keyword_rank for h in dl_any.memories.search('"quoted" AND (paren')] == [1]
    assert [h.memory.content for h in searchable[0].memories.search("cafe", embed=False)] == ["naïve café"]


@pytest.mark.parametrize("text", ["㋀", "㍱", "㋀ ㍱", "⑴"])
def test_symbols_that_fold_into_words_are_valid_queries(dl_any, text):
    """Symbols whose compatibility form holds letters or digits (㋀ is "1月") but that are
    no word characters themselves: the query has no word to give FTS5, so it finds nothing."""
    dl_any.memories.store("notes for 1月 and hpa")
    assert isinstance(dl_any.memories.search(text, embed=False), list)
