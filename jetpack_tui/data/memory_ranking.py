"""Fusing the keyword list and the vector list into one ranking.

Reciprocal rank fusion (Cormack et al., 2009): a memory's score is
``sum(1 / (RRF_K + rank))`` over the lists it appears in (ranks 1-based).
Chosen over a blend of normalised scores because BM25 and cosine live on
unrelated scales (BM25 grows with query length and corpus statistics; cosine
of hash vectors and of model vectors differ in spread): ranks need no
calibration, and a memory found by both lists beats one found by either.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The usual constant: damps the head of each list so one list cannot dominate.
RRF_K = 60


@dataclass(frozen=True)
class Fused:
    rowid: int
    score: float
    keyword_score: float | None = None
    keyword_rank: int | None = None
    vector_score: float | None = None
    vector_rank: int | None = None


def fuse(keyword: list[tuple[int, float]], vector: list[tuple[int, float]], k: int) -> list[Fused]:
    """Top ``k`` of both lists (each ``(rowid, score)``, best first)."""
    parts: dict[int, dict[str, float | int]] = {}
    for name, hits in (("keyword", keyword), ("vector", vector)):
        for rank, (rowid, score) in enumerate(hits, start=1):
            entry = parts.setdefault(rowid, {})
            if f"{name}_rank" not in entry:  # first (best) occurrence wins
                entry[f"{name}_rank"] = rank
                entry[f"{name}_score"] = score
    fused = [
        Fused(
            rowid=rowid,
            score=sum(1.0 / (RRF_K + entry[r]) for r in ("keyword_rank", "vector_rank") if r in entry),
            keyword_score=entry.get("keyword_score"),
            keyword_rank=entry.get("keyword_rank"),
            vector_score=entry.get("vector_score"),
            vector_rank=entry.get("vector_rank"),
        )
        for rowid, entry in parts.items()
    ]
    # Ties (same ranks): the better cosine, then the better BM25, then the newer row.
    fused.sort(key=lambda f: (-f.score, -(f.vector_score if f.vector_score is not None else -2.0),
                              -(f.keyword_score or 0.0), -f.rowid))
    return fused[:k]
