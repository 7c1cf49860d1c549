"""Vector search over ``memories.embedding``: sketch first pass, exact re-rank.

Measured alternatives (100k x 1536, 2 cores; see ``bench/memory_search.py``):
libSQL's DiskANN index took 23 min to build, 6.5 GB, 10.8 ms per insert and
had poor recall; ``ORDER BY vector_distance_cos`` scans ~600 MB per query
(~300 ms); a float32 numpy copy answers in ~12 ms but costs 614 MB of RAM in
every process.  So this index keeps only what a first pass needs in memory,
~210 bytes per row (21 MB at 100k):

* a 1536-bit sign sketch per vector (:mod:`.vector_sketch`),
* rowid, embedder code, type code and importance (for filters),

scans all sketches by Hamming distance (~4 ms at 100k), then reads the
``rerank`` best candidates' float32 vectors from SQL by rowid (~4 ms for
1000) and ranks them by exact cosine.

The first search of a process loads the sketches from the database, where
they are kept in blocks (:mod:`.vector_signs`, migration 6): a few ms at
100k instead of sketching 600 MB of vectors (1.3 s).  Storing a memory stays
one INSERT (its trigger records the change); the searching processes fold
recorded changes into the blocks and write them back now and then.

After that first load the cache stays current without rescanning: every
write to ``memories`` by any client leaves a row in ``change_log`` (schema
triggers), so each search first compares ``max(seq)`` with the cursor it has
seen and re-reads only the changed memories.  A rowid reused after a delete
is overwritten in place; other deleted rows linger as harmless stale
sketches (the re-rank reads the live row and drops them) until they pass a
quarter of the cache, then the cache is reloaded.  A cursor older than the
pruned log also forces a reload (from the blocks: cheap).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence

import numpy as np

from .backend import Engine, Tx
from .changes import CURSOR_SQL
from .embedders import DIMENSIONS
from .errors import JetpackError
from .memory_models import decode_embeddings
from .vector_signs import (FLUSH_AT, ROW_SQL, SignBlock, current_blocks, importance_value, pending_count, save,
                           signed_rows)
from .vector_sketch import WORDS, hamming, sketch

#: Candidates re-ranked exactly per query (chosen by the bench: recall@10 >= 0.95).
DEFAULT_RERANK = 1000
LOAD_CHUNK = 2048
_FAR = np.iinfo(np.int32).max
#: Seconds before writing blocks back again after a write failed (busy, offline).
RETRY_SAVE_AFTER = 60.0

log = logging.getLogger(__name__)


class VectorIndex:
    """In-process sketch cache of the stored embeddings, with exact re-rank.

    ``persisted=False`` ignores the stored blocks and sketches every vector
    on the first search (the old way; the bench measures it as a baseline).
    """

    def __init__(self, engine: Engine, *, rerank: int = DEFAULT_RERANK, persisted: bool = True) -> None:
        self._engine = engine
        self.rerank = max(1, int(rerank))
        self.persisted = persisted
        self._lock = threading.Lock()
        self._loaded = False
        self._cursor = 0
        self._save_after = 0.0  # monotonic time before which no block is written back
        self._reset()

    def _reset(self) -> None:
        self._stale = 0
        self._n = 0
        self._rowids = np.empty(0, np.int64)
        self._sketches = np.empty((0, WORDS), np.uint64)
        self._embedder = np.empty(0, np.int32)  # code, -1 = no usable vector
        self._type = np.empty(0, np.int32)
        self._importance = np.empty(0, np.float64)
        self._embedder_codes: dict[str, int] = {}
        self._type_codes: dict[str, int] = {}

    # -- cache upkeep -------------------------------------------------------
    def _code(self, table: dict[str, int], name: str) -> int:
        return table.setdefault(name, len(table))

    def _grow(self, needed: int) -> None:
        capacity = len(self._rowids)
        if needed <= capacity:
            return
        size = max(needed, capacity * 2, 1024)

        def grown(array: np.ndarray) -> np.ndarray:
            fresh = np.zeros((size,) + array.shape[1:], array.dtype)
            fresh[: self._n] = array[: self._n]
            return fresh

        self._rowids, self._sketches = grown(self._rowids), grown(self._sketches)
        self._embedder, self._type = grown(self._embedder), grown(self._type)
        self._importance = grown(self._importance)

    def _columns(self, block: SignBlock) -> tuple[np.ndarray, ...]:
        """A block's arrays with its names turned into this cache's codes."""
        codes = np.array([self._code(self._embedder_codes, e) for e in block.embedder_names] + [-1], np.int32)
        kinds = np.array([self._code(self._type_codes, t) for t in block.type_names] + [-1], np.int32)
        return block.rowids, block.signs, codes[block.embedders], kinds[block.types], block.importance

    def _put(self, block: SignBlock) -> None:
        """Put a block's rows in the cache (rows already cached are overwritten)."""
        if not len(block):
            return
        columns = self._columns(block)
        n = self._n
        rowids = columns[0]
        existing = self._rowids[:n]
        pos = np.searchsorted(existing, rowids)
        hit = np.zeros(len(rowids), bool) if n == 0 else existing[np.minimum(pos, n - 1)] == rowids
        for array, values in zip(self._arrays(), columns):
            array[pos[hit]] = values[hit]  # rows already cached: overwrite in place
        new = ~hit
        count = int(new.sum())
        if not count:
            return
        self._grow(n + count)
        arrays = self._arrays()
        for array, values in zip(arrays, columns):
            array[n:n + count] = values[new]
        self._n = n + count
        if n and rowids[new][0] < self._rowids[n - 1]:  # a reused rowid below the newest: rare
            order = np.argsort(self._rowids[: self._n], kind="stable")
            for array in arrays:
                array[: self._n] = array[: self._n][order]

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return self._rowids, self._sketches, self._embedder, self._type, self._importance

    def _head(self) -> int:
        return int(self._engine.value(CURSOR_SQL) or 0)

    def _load_all(self) -> None:
        cursor = self._head()  # first: changes after it are replayed (idempotent)
        self._reset()
        if self.persisted:
            self._load_blocks()
        else:
            self._sketch_everything()
        self._cursor, self._loaded = cursor, True

    def _load_blocks(self) -> None:
        """The stored blocks, brought up to date; written back when many changes piled up."""
        changes, blocks, updated = current_blocks(self._engine, only_changed=False)
        if blocks:  # in rowid order and disjoint: concatenated, not merged one by one
            parts = [self._columns(block) for block in blocks]
            self._rowids, self._sketches, self._embedder, self._type, self._importance = (
                np.concatenate([part[i] for part in parts]) for i in range(5))
            self._n = len(self._rowids)
        if changes >= FLUSH_AT:
            self._save(updated)

    def _may_save(self) -> bool:
        return self.persisted and not self._engine.read_only and time.monotonic() >= self._save_after

    def _save(self, blocks: list[SignBlock]) -> None:
        """Write blocks back (a block another process rewrote first is skipped: it did the work)."""
        if not self._may_save():
            return
        try:
            for block in blocks:
                save(self._engine, block)
        except JetpackError as error:  # busy or offline: the blocks are a cache, try again later
            log.info("vector sketches not saved (retrying in %.0f s): %s", RETRY_SAVE_AFTER, error)
            self._save_after = time.monotonic() + RETRY_SAVE_AFTER

    def _flush(self) -> None:
        """Fold the changes every writer recorded into the stored blocks (not this cache: it is current)."""
        if self._may_save() and pending_count(self._engine) >= FLUSH_AT:
            _changes, _blocks, updated = current_blocks(self._engine, only_changed=True)
            self._save(updated)

    def _sketch_everything(self) -> None:
        self._grow(int(self._engine.value("SELECT count(*) FROM memories") or 0))
        last = -(2**53)  # the engine binds exact integers only (|n| <= 2**53)
        while True:
            rows = self._engine.rows(ROW_SQL + " WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, LOAD_CHUNK))
            self._put(signed_rows(rows))
            if len(rows) < LOAD_CHUNK:
                break
            last = rows[-1][0]

    def _refresh(self) -> None:
        if not self._loaded:
            return self._load_all()
        head = self._head()
        if head == self._cursor:
            return None
        low = self._engine.value("SELECT min(seq) FROM change_log")
        if head < self._cursor or (low is not None and self._cursor < int(low) - 1):
            return self._load_all()  # another file, or we fell behind the pruned log

        def changed(tx: Tx) -> tuple[list[str], list[tuple]]:
            ids = [str(r[0]) for r in tx.rows(
                "SELECT DISTINCT row_id FROM change_log WHERE seq > ? AND seq <= ? AND tbl = 'memories'",
                (self._cursor, head))]
            if len(ids) > max(5000, self._n // 4):
                return ids, []
            rows = tx.rows(ROW_SQL + " WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))
            return ids, rows

        ids, rows = self._engine.read(changed)
        if len(ids) > max(5000, self._n // 4):
            return self._load_all()
        self._put(signed_rows(rows))
        self._stale += len(ids) - len(rows)  # deleted rows (their sketches linger)
        self._cursor = head
        if self._stale > max(1000, self._n // 4):
            return self._load_all()
        if ids:
            self._flush()
        return None

    # -- queries ------------------------------------------------------------
    def search(self, query: Sequence[float] | np.ndarray, embedder: str, k: int, *,
               types: Sequence[str] | None = None, min_importance: float | None = None,
               exclude_rowid: int | None = None, exact: bool = False) -> list[tuple[int, float]]:
        """Top ``k`` ``(rowid, cosine)`` among rows whose vector came from ``embedder``.

        ``exact`` re-ranks every matching row (recall 1.0; for checks, slow).
        """
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if q.shape != (DIMENSIONS,) or not np.all(np.isfinite(q)) or not np.any(q):
            return []
        with self._lock:
            self._refresh()
            code = self._embedder_codes.get(embedder)
            if code is None or self._n == 0:
                return []
            n = self._n
            mask = self._embedder[:n] == code
            if types is not None:
                wanted = [self._type_codes[t] for t in types if t in self._type_codes]
                mask &= np.isin(self._type[:n], wanted)
            if min_importance is not None:
                with np.errstate(invalid="ignore"):
                    mask &= self._importance[:n] >= min_importance
            if exclude_rowid is not None:
                mask &= self._rowids[:n] != exclude_rowid
            depth = max(self.rerank, 4 * k)
            if exact or int(mask.sum()) <= depth:
                chosen = np.flatnonzero(mask)
            else:
                distance = hamming(self._sketches[:n], sketch(q)[0])
                distance[~mask] = _FAR
                chosen = np.argpartition(distance, depth)[:depth]
            rowids = self._rowids[chosen].tolist()
        return self._rerank(rowids, q, embedder, k, types, min_importance, exclude_rowid)

    def _rerank(self, rowids: list[int], q: np.ndarray, embedder: str, k: int,
                types: Sequence[str] | None, min_importance: float | None,
                exclude_rowid: int | None) -> list[tuple[int, float]]:
        """Exact cosine over the live rows (stale cache entries drop out here)."""
        rows: list[tuple] = []
        rowids = sorted(rowids)  # rowid order reads the table sequentially
        for start in range(0, len(rowids), 4096):
            rows += self._engine.rows(ROW_SQL + " WHERE rowid IN (SELECT value FROM json_each(?))",
                                      (json.dumps(rowids[start:start + 4096]),))
        rows = [r for r in rows if r[2] == embedder and r[0] != exclude_rowid]
        if types is not None:
            rows = [r for r in rows if r[3] in types]
        if min_importance is not None:
            rows = [r for r in rows if importance_value(r[4]) >= min_importance]
        found = [r[0] for r in rows]
        matrix, usable = decode_embeddings([r[1] for r in rows])
        if not usable.any():
            return []
        norms = np.linalg.norm(matrix, axis=1)
        norms[~usable] = 1.0
        scores = (matrix @ q) / (norms * float(np.linalg.norm(q)))
        scores[~usable] = -np.inf
        top = [i for i in np.argsort(-scores, kind="stable")[:k] if usable[i]]
        return [(found[i], float(scores[i])) for i in top]

    def stats(self) -> dict[str, int | bool]:
        """Rows cached, rows with a usable vector, bytes held (for the bench and UI)."""
        with self._lock:
            n = self._n
            held = sum(a.nbytes for a in (self._rowids, self._sketches, self._embedder,
                                           self._type, self._importance))
            return {"loaded": self._loaded, "rows": n, "usable": int((self._embedder[:n] >= 0).sum()),
                    "stale": self._stale, "bytes": held}

    def invalidate(self) -> None:
        """Forget the cache; the next search reloads it."""
        with self._lock:
            self._loaded = False
