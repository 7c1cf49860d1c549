"""Memory search at scale: latency and recall@10 against exact search, store cost.

    python bench/memory_search.py [--sizes 10000,100000] [--queries 200] [--datasets clustered,diffuse]

For each size and dataset, a fresh database is filled in one write
transaction (FTS5 and change-feed triggers included) with 1536-d vectors:

* ``clustered``: topics > subtopics > items (vector = topic + 0.6 subtopic +
  1.2 noise, normalised); queries are new items of random subtopics, like a
  new text on a known subject;
* ``diffuse``: 1000 members per topic, noise 2.0: the top 10 are nearly tied
  with ~1000 others (cosines within ~0.03), the hard case for any
  approximate first pass;
* ``text``: synthetic sentences (topic words + random words, 6-40 words)
  embedded by the offline hash embedder: sparse vectors, the real default.

It prints, in the same run:

* ``dl.memories.search(embedding=q, k=10)`` latency p50/p95 (warm index) and
  the cold first search (index build), recall@10 against **exact brute-force
  float32 numpy** cosine over all vectors, and the index's RAM;
* the baselines: exact SQL ``ORDER BY vector_distance_cos(...) LIMIT 10``
  (p50 over a few queries) with the speed-up ratio, and in-memory float32
  numpy with the RAM it needs;
* keyword search p50 (FTS5 BM25) and hybrid (text + vector) p50;
* the first search of a cold process (a fresh interpreter opening the
  database, numpy already imported): p50 over ``--cold-runs`` processes with
  the stored sign sketches (migration 6) and, same run, the old way
  (``persisted=False``: every vector read and sketched), with the ratio; the
  numpy import those processes pay first; and the very first search after the
  upgrade, which builds and stores the sketches once;
* store cost per memory: ``store(embedding=...)``, ``store()`` computing the
  hash embedder's vector, and the baseline: one bare INSERT of the same row
  in its own ``BEGIN IMMEDIATE`` transaction on the same engine, with ratios;
  and ``store(embedding=...)`` again with the sign-change triggers dropped
  (what recording the change costs a writer).

The OS page cache holds the file (it was just written): "cold" is a cold
process, not a cold disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from jetpack_tui.data import create_local_data_layer  # noqa: E402
from jetpack_tui.data.embedders import DIMENSIONS, HashEmbedder  # noqa: E402
from jetpack_tui.data.vector_index import DEFAULT_RERANK  # noqa: E402

EMBEDDER = "bench:1536"
WORDS = [f"w{i}" for i in range(5000)]


def normalise(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


class Dataset:
    """Vectors (and texts) with cluster structure, plus fresh queries from the same process."""

    def __init__(self, kind: str, n: int, seed: int) -> None:
        self.kind, self.rng = kind, np.random.default_rng(seed)
        self.topics = max(10, n // (1000 if kind == "diffuse" else 100))
        self.centres = normalise(self.rng.standard_normal((self.topics, DIMENSIONS)).astype(np.float32))
        self.subs = normalise(self.rng.standard_normal((self.topics * 5, DIMENSIONS)).astype(np.float32))
        self.topic_words = [self.rng.choice(len(WORDS), 60, replace=False) for _ in range(self.topics)]
        self.hashing = HashEmbedder()

    def draw(self, m: int) -> tuple[np.ndarray, list[str]]:
        topic = self.rng.integers(0, self.topics, m)
        texts = [self.text(int(t)) for t in topic]
        if self.kind == "text":
            return np.asarray(self.hashing.embed(texts), dtype=np.float32), texts
        noise = normalise(self.rng.standard_normal((m, DIMENSIONS)).astype(np.float32))
        if self.kind == "clustered":
            sub = topic * 5 + self.rng.integers(0, 5, m)
            vectors = self.centres[topic] + 0.6 * self.subs[sub] + 1.2 * noise
        else:
            vectors = self.centres[topic] + 2.0 * noise
        return normalise(vectors).astype(np.float32), texts

    def text(self, topic: int) -> str:
        count = int(self.rng.integers(6, 41))
        own = self.topic_words[topic]
        words = [WORDS[int(own[self.rng.integers(0, 60)])] if self.rng.random() < 0.6
                 else WORDS[int(self.rng.integers(0, len(WORDS)))] for _ in range(count)]
        return f"topic{topic} " + " ".join(words) + " note"


def fill(dl, vectors: np.ndarray, texts: list[str], rng: np.random.Generator) -> float:
    started = time.perf_counter()
    rows = [(f"mem-bench-{i:08x}", "fact", texts[i], float(rng.random()),
             vectors[i].astype("<f4").tobytes(), "2026-01-01 00:00:00.000", EMBEDDER)
            for i in range(len(vectors))]

    for start in range(0, len(rows), 20_000):  # a few big transactions
        chunk = rows[start:start + 20_000]
        dl.engine.write(lambda tx, chunk=chunk: [tx.execute(
            "INSERT INTO memories(id, type, content, importance, embedding, created_at, embedder)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", row) for row in chunk])
    return time.perf_counter() - started


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def bench_search(dl, data: Dataset, matrix: np.ndarray, queries: int, sql_queries: int) -> dict:
    qs, q_texts = data.draw(queries)
    id_of = {i: f"mem-bench-{i:08x}" for i in range(len(matrix))}
    cold_ms, _ = timed(lambda: dl.memories.search(embedding=qs[0], k=10, embedder_name=EMBEDDER, min_similarity=-1))
    latencies, recalls, exact_ms = [], [], []
    for q in qs:
        ms, hits = timed(lambda q=q: dl.memories.search(embedding=q, k=10, embedder_name=EMBEDDER,
                                                          min_similarity=-1))
        latencies.append(ms)
        ems, top = timed(lambda q=q: np.argpartition(-(matrix @ q), 10)[:10])
        exact_ms.append(ems)
        truth = {id_of[int(i)] for i in top}
        recalls.append(len(truth & {h.memory.id for h in hits}) / 10)
    sql = []
    for q in qs[:sql_queries]:
        ms, _ = timed(lambda q=q: dl.engine.rows(
            "SELECT id FROM memories ORDER BY vector_distance_cos(embedding, vector32(?)) LIMIT 10",
            (json.dumps(q.tolist()),)))
        sql.append(ms)
    keyword = [timed(lambda t=t: dl.memories.search(t, k=10))[0] for t in q_texts[:50]]
    hybrid = [timed(lambda i=i: dl.memories.search(q_texts[i], embedding=qs[i], k=10,
                                                     embedder_name=EMBEDDER))[0] for i in range(min(50, len(qs)))]
    stats = dl.memories.vector_index.stats()
    return {"p50": pct(latencies, 50), "p95": pct(latencies, 95), "cold": cold_ms,
            "recall": statistics.mean(recalls), "min_recall": min(recalls),
            "sql_p50": statistics.median(sql), "numpy_p50": statistics.median(exact_ms),
            "keyword_p50": statistics.median(keyword), "hybrid_p50": statistics.median(hybrid),
            "index_mb": stats["bytes"] / 1e6, "f32_mb": matrix.nbytes / 1e6}


#: One cold process: open, import numpy (timed), first vector search (wall and CPU time).
PROBE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from jetpack_tui.data import create_local_data_layer
with create_local_data_layer(sys.argv[2]) as dl:
    started = time.perf_counter()
    import numpy as np
    imported = time.perf_counter()
    dl.memories.vector_index.persisted = sys.argv[3] == "stored"
    q = np.random.default_rng(time.time_ns() % 2**32).standard_normal(1536).astype(np.float32)
    wall, cpu = time.perf_counter(), time.process_time()
    hits = dl.memories.search(embedding=q, k=10, embedder_name=sys.argv[4], min_similarity=-1)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"numpy": (imported - started) * 1000, "first": wall * 1000, "cpu": cpu * 1000,
                  "hits": len(hits)}))
"""


def cold_probe(path: str, persisted: bool) -> dict:
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    done = subprocess.run([sys.executable, "-c", PROBE, root, path, "stored" if persisted else "scratch", EMBEDDER],
                          capture_output=True, text=True, check=True, timeout=600)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_cold(path: str, runs: int) -> dict:
    """First search of cold processes: stored sketches vs sketching every vector (same run)."""
    upgrade = cold_probe(path, True)  # nothing stored yet: builds the blocks once and stores them
    stored = [cold_probe(path, True) for _ in range(runs)]
    scratch = [cold_probe(path, False) for _ in range(runs)]
    assert all(p["hits"] == 10 for p in stored + scratch)
    return {"upgrade": upgrade["first"], "stored": statistics.median(p["first"] for p in stored),
            "scratch": statistics.median(p["first"] for p in scratch),
            "stored_cpu": statistics.median(p["cpu"] for p in stored),
            "scratch_cpu": statistics.median(p["cpu"] for p in scratch),
            "numpy": statistics.median(p["numpy"] for p in stored + scratch)}


def bench_store(dl, data: Dataset, count: int) -> dict:
    vectors, texts = data.draw(count)
    hashing = HashEmbedder()
    dl.memories.embedder = hashing
    bare, plain, embedded = [], [], []
    for i in range(count):
        blob = vectors[i].astype("<f4").tobytes()
        row = (f"mem-bare-{i:08x}", "fact", texts[i], 0.5, blob, "2026-01-01 00:00:00.000", EMBEDDER)
        bare.append(timed(lambda row=row: dl.engine.write(lambda tx: tx.execute(
            "INSERT INTO memories(id, type, content, importance, embedding, created_at, embedder)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", row)))[0])
        plain.append(timed(lambda i=i: dl.memories.store(texts[i], type="fact", embedding=vectors[i],
                                                         embedder_name=EMBEDDER))[0])
        embedded.append(timed(lambda i=i: dl.memories.store(texts[i], type="fact"))[0])
    dl.memories.embedder = None
    embed_only = [timed(lambda t=t: hashing.embed([t]))[0] for t in texts]
    return {"bare": statistics.median(bare), "plain": statistics.median(plain),
            "embedded": statistics.median(embedded), "embed_only": statistics.median(embed_only)}


def bench_change_record(folder: str, name: str, data: Dataset, count: int) -> dict:
    """``store(embedding=...)`` on two fresh sibling databases, with and without the
    sign-change triggers, alternating so that the machine's load falls on both alike."""
    vectors, texts = data.draw(count)
    layers = [create_local_data_layer(os.path.join(folder, f"{name}-{way}.db")) for way in ("tracked", "untracked")]
    layers[1].engine.write(lambda tx: [tx.execute(f"DROP TRIGGER memories_signs_{kind}")
                                       for kind in ("insert", "update", "delete")])
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(count):
        for layer, out in zip(layers, times):
            out.append(timed(lambda layer=layer: layer.memories.store(texts[i], type="fact", embedding=vectors[i],
                                                                      embedder_name=EMBEDDER))[0])
    for layer in layers:
        layer.close()
    return {"tracked": statistics.median(times[0]), "untracked": statistics.median(times[1])}


def run(size: int, kind: str, queries: int, sql_queries: int, store_count: int, folder: str,
        rerank: int | None, cold_runs: int) -> None:
    path = os.path.join(folder, f"bench-{kind}-{size}.db")
    data = Dataset(kind, size, seed=size)
    started = time.perf_counter()
    vectors, texts = data.draw(size)
    made_s = time.perf_counter() - started
    with create_local_data_layer(path) as dl:
        fill_s = fill(dl, vectors, texts, np.random.default_rng(1))
    cold = bench_cold(path, cold_runs)
    with create_local_data_layer(path) as dl:
        if rerank:
            dl.memories.vector_index.rerank = rerank
        result = bench_search(dl, data, vectors, queries, sql_queries)
        store = bench_store(dl, data, store_count)
    record = bench_change_record(folder, f"record-{kind}-{size}", data, store_count)
    r = result
    depth = rerank or DEFAULT_RERANK
    print(f"\n== {kind}, {size:,} memories x {DIMENSIONS} (made in {made_s:.1f} s, stored in {fill_s:.1f} s),"
          f" re-rank depth {depth} ==")
    print(f"vector search k=10   p50 {r['p50']:.1f} ms  p95 {r['p95']:.1f} ms  (first search of this process,"
          f" loads the stored sketches: {r['cold']:.0f} ms)")
    print(f"first search, cold process  p50 {cold['stored']:.0f} ms (CPU {cold['stored_cpu']:.0f} ms) with the"
          f" stored sketches; the old way, sketching every vector: {cold['scratch']:.0f} ms (CPU"
          f" {cold['scratch_cpu']:.0f} ms) -> x{cold['scratch'] / cold['stored']:.1f} ({cold_runs} processes each);"
          f" numpy import before it {cold['numpy']:.0f} ms; once after the upgrade (builds and stores the"
          f" sketches) {cold['upgrade']:.0f} ms")
    print(f"recall@10 vs exact   {r['recall']:.3f} (worst query {r['min_recall']:.1f});"
          " exact = brute-force float32 numpy")
    print(f"baseline SQL exact   p50 {r['sql_p50']:.1f} ms  -> speed-up x{r['sql_p50'] / r['p50']:.1f}"
          f" (ORDER BY vector_distance_cos LIMIT 10, {sql_queries} queries)")
    print(f"numpy f32 in RAM     p50 {r['numpy_p50']:.1f} ms with {r['f32_mb']:.0f} MB;"
          f" this index holds {r['index_mb']:.1f} MB ({r['index_mb'] / r['f32_mb']:.3f} of it)")
    print(f"keyword (FTS5) p50   {r['keyword_p50']:.1f} ms; hybrid text+vector p50 {r['hybrid_p50']:.1f} ms")
    s = store
    print(f"store one memory     {s['plain']:.3f} ms with a given vector, {s['embedded']:.3f} ms with the hash "
          f"embedder ({s['embed_only']:.3f} ms of it embedding); bare INSERT baseline {s['bare']:.3f} ms "
          f"-> ratios x{s['plain'] / s['bare']:.2f} / x{s['embedded'] / s['bare']:.2f}")
    print(f"store, change record  {record['tracked']:.3f} ms with the sign-change triggers, {record['untracked']:.3f}"
          f" ms without -> x{record['tracked'] / record['untracked']:.2f} (fresh databases, alternating)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated memory counts")
    parser.add_argument("--datasets", default="clustered,diffuse,text", help="clustered, diffuse, text")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sql-queries", type=int, default=5, help="exact SQL baseline queries (slow)")
    parser.add_argument("--store", type=int, default=300, help="memories stored for the store-cost figures")
    parser.add_argument("--rerank", type=int, default=None, help="candidates re-ranked exactly (index default)")
    parser.add_argument("--keep", help="folder to keep the databases in (default: a temp dir, removed)")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold processes per way of loading")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="jetpack-membench-")
    os.makedirs(folder, exist_ok=True)
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            for kind in args.datasets.split(","):
                run(size, kind.strip(), args.queries, args.sql_queries, args.store, folder, args.rerank,
                    args.cold_runs)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
