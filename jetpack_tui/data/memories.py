"""``dl.memories``: what agents learn, stored once and found again.

A memory is text with a type, an importance in [0, 1], optional JSON
metadata, the task/agent it came from and, optionally, a 1536-float vector
tagged with the embedder that made it.  Search fuses two rankings (see
:mod:`.memory_ranking`): keywords (FTS5 BM25, :mod:`.keyword_search`) and
cosine similarity (:mod:`.vector_index`), so exact identifiers and paraphrases
are both found.  Vectors of different embedders are never compared.

Storing is one INSERT (plus the embedder's own cost when it computes the
vector); all search structures are kept by SQL triggers (FTS5, the record of
changed memories) or by the searching processes (the sign sketches of vector
search, stored in blocks so a cold process loads them in milliseconds).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import clock
from .context import StoreContext
from .embedders import DIMENSIONS, Embedder, EmbedderError
from .backend import Tx
from .errors import InvalidInputError, NotFoundError
from .ids import new_id
from .jsonvalues import dump_json
from .keyword_search import KeywordSearch
from .memory_models import (MEMORY_SELECT, Memory, MemoryHit, check_memory_type, decode_embedding,
                            memory_from_row)
from .memory_ranking import fuse
from .task_context import TaskContext, get_task_context
from .paging import page

if TYPE_CHECKING:
    import numpy as np

    from .vector_index import VectorIndex

#: Embedder name recorded for a caller-given vector when no embedder is configured.
EXTERNAL_EMBEDDER = f"external:{DIMENSIONS}"
MAX_CONTENT_CHARS = 1_000_000
MAX_K = 1000
SORTABLE = {"created_at": "m.created_at", "importance": "m.importance", "type": "m.type", "id": "m.id",
            "task_id": "m.task_id", "agent_id": "m.agent_id"}
_WITH_ROWID = MEMORY_SELECT.replace(" FROM memories m", ", m.rowid FROM memories m")


def embedding_blob(vector: Any, *, what: str = "embedding") -> bytes:
    """1536 finite floats (sequence, array or raw float32 bytes) -> the stored blob."""
    import numpy as np  # loaded on first use: agents that only claim tasks never pay for it

    if isinstance(vector, (bytes, bytearray, memoryview)):
        raw = bytes(vector)
        if len(raw) != DIMENSIONS * 4:
            raise InvalidInputError(f"{what}: {len(raw)} bytes is not {DIMENSIONS} float32 values")
        array = np.frombuffer(raw, dtype="<f4").astype(np.float64)
    else:
        try:
            array = np.asarray(vector, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidInputError(f"{what} must be a list of {DIMENSIONS} numbers") from None
    if array.ndim != 1 or array.shape[0] != DIMENSIONS:
        size = array.shape[0] if array.ndim == 1 else f"shape {array.shape}"
        raise InvalidInputError(f"{what} must have exactly {DIMENSIONS} values, got {size}")
    if not np.all(np.isfinite(array)):
        raise InvalidInputError(f"{what} holds NaN or infinite values")
    if not np.any(array):
        raise InvalidInputError(f"{what} is all zeros (it has no direction to compare)")
    return array.astype("<f4").tobytes()


def _utf8(text: str, what: str) -> str:
    """Refuse text the database cannot hold (lone surrogates are not UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(f"{what} is not valid Unicode text (it holds a lone surrogate)") from None
    return text


def _types(type: str | Sequence[str] | None) -> list[str] | None:
    if type is None:
        return None
    return [type] if isinstance(type, str) else [str(t) for t in type]


def _importance_arg(value: Any, what: str = "importance") -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInputError(f"{what} must be a number")
    return float(value)


class Memories:
    """Memories of one DataLayer: store, read, list, search, neighbours, task context."""

    def __init__(self, ctx: StoreContext, *, embedder: Embedder | None = None) -> None:
        self._ctx = ctx
        self._engine = ctx.engine
        self.embedder = embedder
        self._keywords = KeywordSearch(self._engine)
        self._vectors: VectorIndex | None = None

    @property
    def has_keyword_index(self) -> bool:
        """``True`` with FTS5 (libSQL); ``False`` on Turso (scan scorer)."""
        return self._keywords.has_fts

    @property
    def vector_index(self) -> VectorIndex:
        """Built on first use (it loads numpy, ~30 ms, and starts BLAS threads)."""
        if self._vectors is None:
            from .vector_index import VectorIndex

            self._vectors = VectorIndex(self._engine)
        return self._vectors

    def _default_embedder_name(self) -> str:
        return self.embedder.name if self.embedder is not None else EXTERNAL_EMBEDDER

    def _embed(self, text: str) -> bytes:
        assert self.embedder is not None
        vectors = self.embedder.embed([text])
        if len(vectors) != 1:
            raise EmbedderError(f"embedder {self.embedder.name} returned {len(vectors)} vectors for 1 text")
        try:
            return embedding_blob(vectors[0], what=f"the vector of embedder {self.embedder.name}")
        except InvalidInputError as error:
            raise EmbedderError(str(error)) from None

    # -- write --------------------------------------------------------------
    def store(
        self,
        content: str,
        *,
        type: str = "general",
        importance: float = 0.5,
        embedding: Sequence[float] | np.ndarray | bytes | None = None,
        metadata: dict[str, Any] | None = None,
        task_id: str | None = None,
        agent_id: str | None = None,
        embed: bool = True,
        embedder_name: str | None = None,
    ) -> Memory:
        """Store one memory and return it as read back.

        ``embedding`` (1536 floats) is tagged ``embedder_name``, by default the
        configured embedder's name (the caller used the same model) or
        ``external:1536``.  Without it, the configured embedder computes one
        unless ``embed=False``; the embedder runs before the write lock is taken.
        """
        if not isinstance(content, str) or not content.strip():
            raise InvalidInputError("a memory needs non-empty text content")
        _utf8(content, "content")
        if len(content) > MAX_CONTENT_CHARS:
            raise InvalidInputError(f"memory content is {len(content)} characters (at most {MAX_CONTENT_CHARS})")
        check_memory_type(type)
        level = _importance_arg(importance)
        if level is None or not 0.0 <= level <= 1.0:
            raise InvalidInputError(f"importance must be between 0 and 1, not {importance!r}")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidInputError("metadata must be a dict (a JSON object) or None")
        metadata_json = None if metadata is None else _utf8(dump_json(metadata, what="metadata"), "metadata")
        for name, value in (("task_id", task_id), ("agent_id", agent_id), ("embedder_name", embedder_name)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise InvalidInputError(f"{name} must be a non-empty string or None")
        blob, made_by = None, None
        if embedding is not None:
            blob, made_by = embedding_blob(embedding), embedder_name or self._default_embedder_name()
        elif embed and self.embedder is not None:
            blob, made_by = self._embed(content), self.embedder.name
        memory_id = new_id("mem")
        moment = clock.now()

        def write(tx: Tx) -> Memory:
            tx.execute(
                "INSERT INTO memories(id, type, content, importance, embedding, metadata, created_at,"
                " task_id, agent_id, embedder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (memory_id, type, content, level, blob, metadata_json, clock.to_db_text(moment),
                 task_id, agent_id, made_by),
            )
            return self._get(tx, memory_id)

        return self._engine.write(write)

    def delete(self, memory_id: str) -> bool:
        """Delete a memory; ``False`` when there was none."""
        return self._engine.write(lambda tx: tx.execute("DELETE FROM memories WHERE id = ?", (memory_id,))) > 0

    def rebuild_keyword_index(self) -> None:
        """Re-index every memory in FTS5 (after a tool rewrote rowids, e.g. a VACUUM)."""
        if self.has_keyword_index:
            self._engine.write(lambda tx: tx.execute("INSERT INTO memories_fts(memories_fts) VALUES ('rebuild')"))

    # -- reads ----------------------------------------------------------------
    @staticmethod
    def _get(tx: Tx, memory_id: str, with_embedding: bool = False) -> Memory:
        row = tx.row(MEMORY_SELECT + " WHERE m.id = ?", (memory_id,))
        if row is None:
            raise NotFoundError(f"no memory {memory_id!r}")
        blob = tx.value("SELECT embedding FROM memories WHERE id = ?", (memory_id,)) if with_embedding else None
        return memory_from_row(row, blob, with_embedding=with_embedding)

    def get(self, memory_id: str, *, with_embedding: bool = False) -> Memory:
        return self._engine.read(lambda tx: self._get(tx, memory_id, with_embedding))

    def find(self, memory_id: str) -> Memory | None:
        row = self._engine.row(MEMORY_SELECT + " WHERE m.id = ?", (memory_id,))
        return None if row is None else memory_from_row(row)

    def get_many(self, memory_ids: Iterable[str]) -> dict[str, Memory]:
        """Memories by id in one query (the dashboard's refresh of changed rows)."""
        ids = list(dict.fromkeys(memory_ids))
        if not ids:
            return {}
        rows = self._engine.rows(MEMORY_SELECT + " WHERE m.id IN (SELECT value FROM json_each(?))",
                                 (dump_json(ids, what="ids"),))
        return {memory.id: memory for memory in map(memory_from_row, rows)}

    @staticmethod
    def _filters(type, task_id, agent_id, embedder, min_importance, text) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        types = _types(type)
        if types is not None:
            clauses.append("m.type IN (SELECT value FROM json_each(?))")
            params.append(dump_json(types, what="type"))
        for column, value in (("task_id", task_id), ("agent_id", agent_id), ("embedder", embedder)):
            if value is not None:
                clauses.append(f"m.{column} = ?")
                params.append(value)
        level = _importance_arg(min_importance, "min_importance")
        if level is not None:
            clauses.append("typeof(m.importance) IN ('integer', 'real') AND m.importance >= ?")
            params.append(level)
        if text:
            clauses.append("instr(lower(CAST(m.content AS TEXT)), lower(?)) > 0")
            params.append(str(text).replace("\x00", " ").encode("utf-8", "replace").decode("utf-8"))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list(
        self,
        *,
        type: str | Sequence[str] | None = None,
        task_id: str | None = None,
        agent_id: str | None = None,
        embedder: str | None = None,
        min_importance: float | None = None,
        text: str | None = None,
        order_by: str = "created_at",
        descending: bool = True,
        limit: int | None = 100,
        offset: int = 0,
    ) -> list[Memory]:
        """One page of memories matching every filter (newest first by default)."""
        where, params = self._filters(type, task_id, agent_id, embedder, min_importance, text)
        column = SORTABLE.get(order_by)
        if column is None:
            raise InvalidInputError(f"cannot sort memories by {order_by!r}")
        direction = "DESC" if descending else "ASC"
        sql = f"{MEMORY_SELECT}{where} ORDER BY {column} {direction}, m.rowid {direction}"
        sql, params = page(sql, params, limit, offset)
        return [memory_from_row(row) for row in self._engine.rows(sql, params)]

    def count(self, *, type=None, task_id=None, agent_id=None, embedder=None, min_importance=None,
              text=None) -> int:
        where, params = self._filters(type, task_id, agent_id, embedder, min_importance, text)
        return int(self._engine.value(f"SELECT count(*) FROM memories m{where}", params) or 0)

    def counts_by_type(self) -> dict[str, int]:
        rows = self._engine.rows("SELECT coalesce(CAST(type AS TEXT), ''), count(*) FROM memories GROUP BY 1")
        return {str(kind): int(n) for kind, n in rows}

    # -- search -----------------------------------------------------------------
    def search(
        self,
        text: str | None = None,
        *,
        embedding: Sequence[float] | np.ndarray | None = None,
        k: int = 10,
        type: str | Sequence[str] | None = None,
        min_importance: float | None = None,
        embed: bool = True,
        embedder_name: str | None = None,
        min_similarity: float = 0.0,
    ) -> list[MemoryHit]:
        """Best ``k`` memories for ``text`` and/or ``embedding``, fused by reciprocal rank.

        Any ``text`` is a valid query.  The vector side uses ``embedding`` (of
        ``embedder_name``, default as in :meth:`store`) or, when ``embed``, the
        configured embedder's vector of ``text``; it only ranks memories whose
        vector came from that same embedder, and drops those with cosine at or
        below ``min_similarity`` (unrelated texts sit around 0).
        """
        if text is None and embedding is None:
            raise InvalidInputError("search needs text, an embedding, or both")
        if text is not None and not isinstance(text, str):
            raise InvalidInputError("search text must be a string")
        import numpy as np
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise InvalidInputError(f"k must be an integer between 1 and {MAX_K}")
        types = _types(type)
        level = _importance_arg(min_importance, "min_importance")
        depth = max(4 * k, 50)
        query, name = None, None
        if embedding is not None:
            query = np.frombuffer(embedding_blob(embedding), dtype="<f4")
            name = embedder_name or self._default_embedder_name()
        elif embed and self.embedder is not None and text and text.strip():
            query, name = np.frombuffer(self._embed(text), dtype="<f4"), self.embedder.name
        keyword = self._keywords.search(text, depth, types=types, min_importance=level) if text else []
        vector = self.vector_index.search(query, name, depth, types=types, min_importance=level) if name else []
        vector = [(rowid, score) for rowid, score in vector if score > min_similarity]
        return self._hits(fuse(keyword, vector, k))

    def similar(self, memory_id: str, k: int = 10, *, type: str | Sequence[str] | None = None,
                min_importance: float | None = None) -> list[MemoryHit]:
        """Neighbours of a stored memory by its own vector (same embedder only).

        Needs no embedder.  A memory without a usable vector has no neighbours
        (empty list); an unknown id raises :class:`NotFoundError`.
        """
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise InvalidInputError(f"k must be an integer between 1 and {MAX_K}")
        row = self._engine.row("SELECT rowid, embedding, embedder FROM memories WHERE id = ?", (memory_id,))
        if row is None:
            raise NotFoundError(f"no memory {memory_id!r}")
        rowid, blob, name = row
        vector, _problem = decode_embedding(blob)
        if vector is None or not isinstance(name, str) or not name:
            return []
        found = self.vector_index.search(vector, name, k, types=_types(type),
                                     min_importance=_importance_arg(min_importance, "min_importance"),
                                     exclude_rowid=int(rowid))
        return self._hits(fuse([], found, k))

    def _hits(self, fused) -> list[MemoryHit]:
        if not fused:
            return []
        rows = self._engine.rows(_WITH_ROWID + " WHERE m.rowid IN (SELECT value FROM json_each(?))",
                                 (dump_json([f.rowid for f in fused], what="rowids"),))
        by_rowid = {row[-1]: memory_from_row(row[:-1]) for row in rows}
        return [
            MemoryHit(memory=by_rowid[f.rowid], score=f.score, keyword_score=f.keyword_score,
                      keyword_rank=f.keyword_rank, vector_score=f.vector_score, vector_rank=f.vector_rank)
            for f in fused if f.rowid in by_rowid  # a row deleted meanwhile just drops out
        ]

    def get_task_context(self, task_id: str, k: int = 10) -> TaskContext:
        """Everything an agent reads before starting ``task_id`` (see :mod:`.task_context`)."""
        return get_task_context(self._engine, lambda text, n, embed: self.search(text, k=n, embed=embed),
                                task_id, k=k)
