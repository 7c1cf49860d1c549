"""What the Memory pane shows and how it is read (refresh worker thread only).

Three modes, decided by the view: a query (``dl.memories.search``: keyword
and semantic results fused), "more like this" (``dl.memories.similar`` of
one memory) and, with an empty query, the newest memories (``list``).  Any
text is a valid query; if the embedder fails the search falls back to
keywords and says so.  The search runs here, in the refresh worker, so
typing never waits for it, and answers for an older query are dropped by
generation (the latest query wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jetpack_tui.data.errors import JetpackError

from jetpack_tui.data.protocol import DataLayer

from ...messages import PaneData
from ..base import FetchRequest

#: Results per search.
K = 50
IMPORTANCE_STEPS = (None, 0.25, 0.5, 0.75, 0.9)


@dataclass(frozen=True)
class MemoryView:
    query: str = ""
    type: str | None = None
    min_importance: float | None = None
    #: "more like this": neighbours of this memory id instead of the query.
    similar_to: str | None = None
    selected: str | None = None


@dataclass(frozen=True)
class Result:
    """One row: the memory and, for searches, why it ranked."""

    memory: Any
    score: float | None = None
    keyword_rank: int | None = None
    vector_rank: int | None = None
    vector_score: float | None = None

    @property
    def id(self) -> str:
        return self.memory.id


class MemoryResults(PaneData):
    def __init__(self, generation: int, view: MemoryView, results: list[Result], *, total: int | None = None,
                 note: str = "", error: str | None = None, source: Any = None) -> None:
        super().__init__(generation)
        self.view = view
        self.results = results
        self.total = total
        self.note = note
        self.error = error
        self.source = source


def _result(hit: Any) -> Result:
    return Result(hit.memory, hit.score, hit.keyword_rank, hit.vector_rank, hit.vector_score)


def run_search(dl: DataLayer, view: MemoryView, page_size: int) -> MemoryResults:
    """The view's results (any exception of the DataLayer becomes ``error``)."""
    filters = {"type": view.type, "min_importance": view.min_importance}
    memories = dl.memories
    try:
        if view.similar_to:
            source = memories.find(view.similar_to)
            hits = memories.similar(view.similar_to, k=K, **filters) if source is not None else []
            note = "" if source is None or source.embedding_status == "ok" else "this memory has no usable vector"
            return MemoryResults(0, view, [_result(h) for h in hits], note=note, source=source,
                                 error=None if source is not None else f"memory {view.similar_to} is gone")
        if view.query.strip():
            note = ""
            try:
                hits = memories.search(view.query, k=K, **filters)
            except JetpackError as error:  # the embedder failed: keywords still work
                hits = memories.search(view.query, k=K, embed=False, **filters)
                note = f"keyword results only: {error}"
            return MemoryResults(0, view, [_result(h) for h in hits], note=note)
        rows = memories.list(limit=page_size, **filters)
        return MemoryResults(0, view, [Result(m) for m in rows], total=memories.count(**filters))
    except JetpackError as error:
        return MemoryResults(0, view, [], error=str(error))


def fetch_memory(dl: DataLayer, request: FetchRequest) -> list[MemoryResults]:
    if not (request.reload or "memories" in request.changes.tables):
        return []
    found = run_search(dl, request.view, request.page_size)
    found.generation = request.generation
    return [found]
