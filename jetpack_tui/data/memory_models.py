"""What ``dl.memories`` hands out, and how a stored row is read leniently.

Memories are written by agents in any language, so a row may hold broken
metadata JSON, an importance stored as text, no type or an embedding
of the wrong length (the ``F32_BLOB(1536)`` column checks nothing).  Reading
never raises: each field keeps a usable value, the problem is listed in
``problems`` and the raw text is kept in ``raw``.  A row whose embedding is
unusable is skipped by vector search but still found by keyword search and
listing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .clock import parse_timestamp
from .embedders import DIMENSIONS
from .errors import InvalidInputError
from .jsonvalues import as_text, read_json

if TYPE_CHECKING:
    import numpy as np

#: Well-known kinds of memory: those Jetpack's own agents write, then ours.
#: Suggestions and filter choices, not a limit: the seed's ``type`` column is
#: free text, so any short printable label is stored (:func:`check_memory_type`)
#: and read back without complaint.
MEMORY_TYPES = ("general", "codebase_knowledge", "agent_learning", "task_context", "conversation",
                "error_pattern", "solution_pattern", "fact", "decision", "pattern", "error", "learning",
                "codebase", "summary")
#: Longest type stored (Jetpack's longest is 18): a label, not a place for text.
MAX_TYPE_CHARS = 64
#: Bytes of one embedding: 1536 little-endian float32 values, no type byte.
EMBEDDING_BYTES = DIMENSIONS * 4

#: Columns read for a memory (never the 6 KB embedding itself: only its shape).
MEMORY_COLUMNS = ("id", "type", "content", "importance", "metadata", "created_at", "task_id",
                  "agent_id", "embedder")
MEMORY_SELECT = (
    "SELECT " + ", ".join(f"m.{c}" for c in MEMORY_COLUMNS)
    + ", typeof(m.embedding), length(m.embedding) FROM memories m"
)


def check_memory_type(value: Any) -> str:
    """``value`` if it is a usable type label, else :class:`InvalidInputError`.

    Any non-empty text up to :data:`MAX_TYPE_CHARS` characters with no
    control, invisible or odd whitespace character (a type is shown in a
    column and typed into filters: ``"fact\\u200b"`` would look like ``fact``
    and never match it) and no space at either end.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"a memory type must be non-empty text, e.g. {', '.join(MEMORY_TYPES[:4])}")
    if len(value) > MAX_TYPE_CHARS:
        raise InvalidInputError(f"a memory type is a label of at most {MAX_TYPE_CHARS} characters, "
                                f"not {len(value)}")
    odd = next((c for c in value if not c.isprintable()), None)  # Cc, Cf, Cs, Co, Cn, Z* but " "
    if odd is not None:
        raise InvalidInputError(f"a memory type must not contain the control or invisible character "
                                f"U+{ord(odd):04X}")
    if value != value.strip():
        raise InvalidInputError(f"a memory type must not start or end with a space: {value!r}")
    return value


@dataclass(frozen=True)
class Memory:
    id: str
    type: str
    content: str
    importance: float
    metadata: Any = None
    created_at: float | None = None
    task_id: str | None = None
    agent_id: str | None = None
    #: Who made the vector (``hash-v1:1536``, ``openai:<model>``), ``None`` when none.
    embedder: str | None = None
    #: ``"ok"``, ``"none"`` (no vector) or ``"invalid"`` (see ``problems``).
    embedding_status: str = "none"
    #: The vector itself, only when asked for (``get(..., with_embedding=True)``).
    embedding: tuple[float, ...] | None = field(default=None, repr=False)
    problems: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class MemoryHit:
    """One search result.

    ``score`` is the fused rank score (reciprocal rank fusion, see
    :mod:`.memory_ranking`); the components say why it ranked: ``keyword_score``
    is FTS5's BM25 relevance (higher is better), ``vector_score`` the cosine
    similarity in [-1, 1]; each ``*_rank`` is 1-based in its own list, ``None``
    when the hit did not come from that list.
    """

    memory: Memory
    score: float
    keyword_score: float | None = None
    keyword_rank: int | None = None
    vector_score: float | None = None
    vector_rank: int | None = None


def decode_embedding(raw: Any) -> tuple[np.ndarray | None, str | None]:
    """A stored embedding as float32, or ``(None, problem)``; ``(None, None)`` for NULL."""
    import numpy as np  # loaded on first use (see memories.embedding_blob)

    if raw is None:
        return None, None
    if isinstance(raw, memoryview):
        raw = raw.tobytes()
    if not isinstance(raw, bytes):
        return None, f"embedding: stored as {type(raw).__name__}, not a float32 blob"
    if len(raw) != EMBEDDING_BYTES:
        return None, f"embedding: {len(raw)} bytes, expected {EMBEDDING_BYTES} ({DIMENSIONS} float32)"
    vector = np.frombuffer(raw, dtype="<f4")
    if not np.all(np.isfinite(vector)):
        return None, "embedding: holds NaN or infinite values"
    if not np.any(vector):
        return None, "embedding: all zeros (no direction)"
    return vector, None


def decode_embeddings(blobs: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Many stored embeddings at once: ``(matrix, usable)``; unusable rows are zeros.

    Vectorised twin of :func:`decode_embedding` for search and index loads
    (a per-row numpy check costs ~9 us, which adds up over 1000 candidates).
    """
    import numpy as np

    matrix = np.zeros((len(blobs), DIMENSIONS), np.float32)
    shaped = [i for i, b in enumerate(blobs) if isinstance(b, bytes) and len(b) == EMBEDDING_BYTES]
    if shaped:
        matrix[shaped] = np.frombuffer(b"".join(blobs[i] for i in shaped), dtype="<f4").reshape(-1, DIMENSIONS)
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(matrix).all(axis=1) & matrix.any(axis=1)
    matrix[~usable] = 0.0
    return matrix, usable


def embedding_shape_problem(kind: Any, length: Any) -> str | None:
    """The problem with an embedding judged from ``typeof``/``length`` alone."""
    if kind == "null":
        return None
    if kind != "blob":
        return f"embedding: stored as {kind}, not a float32 blob"
    if length != EMBEDDING_BYTES:
        return f"embedding: {length} bytes, expected {EMBEDDING_BYTES} ({DIMENSIONS} float32)"
    return None


def read_importance(raw: Any, problems: list[str], rawbox: dict[str, Any]) -> float:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw):
        if 0.0 <= raw <= 1.0:
            return float(raw)
        problems.append(f"importance: {raw!r} is outside [0, 1]")
        rawbox["importance"] = raw
        return min(1.0, max(0.0, float(raw)))
    if raw is None:
        return 0.5
    problems.append("importance: not a number")
    rawbox["importance"] = as_text(raw) if not isinstance(raw, float) else raw
    return 0.5


def memory_from_row(row: tuple, embedding: Any = None, *, with_embedding: bool = False) -> Memory:
    """Decode a :data:`MEMORY_SELECT` row without ever raising."""
    values = dict(zip(MEMORY_COLUMNS + ("embedding_type", "embedding_length"), row))
    problems: list[str] = []
    raw: dict[str, Any] = {}
    kind = values["type"]
    mem_type = as_text(kind) or "general"
    if kind is None:
        problems.append("type: missing")
    content = as_text(values["content"])
    if values["content"] is not None and not isinstance(values["content"], str):
        problems.append(f"content: stored as {type(values['content']).__name__}")
    if not content:
        problems.append("content: empty")
    importance = read_importance(values["importance"], problems, raw)
    metadata, ok = read_json(values["metadata"])
    if not ok:
        problems.append("metadata: not valid JSON")
        raw["metadata"] = as_text(values["metadata"])
    elif metadata is not None and not isinstance(metadata, dict):
        problems.append("metadata: not a JSON object")
    created = parse_timestamp(values["created_at"])
    if values["created_at"] is not None and created is None:
        problems.append("created_at: unreadable timestamp")
        raw["created_at"] = as_text(values["created_at"])
    shape_problem = embedding_shape_problem(values["embedding_type"], values["embedding_length"])
    vector = None
    if shape_problem is None and values["embedding_type"] == "blob" and with_embedding:
        vector, shape_problem = decode_embedding(embedding)
    if shape_problem:
        problems.append(shape_problem)
        status = "invalid"
    else:
        status = "none" if values["embedding_type"] == "null" else "ok"
    embedder = as_text(values["embedder"])
    if status == "ok" and not embedder:
        problems.append("embedder: not recorded (the vector is never compared)")
    return Memory(
        id=as_text(values["id"]) or "",
        type=mem_type,
        content=content or "",
        importance=importance,
        metadata=metadata,
        created_at=created,
        task_id=as_text(values["task_id"]),
        agent_id=as_text(values["agent_id"]),
        embedder=embedder,
        embedding_status=status,
        embedding=tuple(float(x) for x in vector) if vector is not None else None,
        problems=tuple(problems),
        raw=raw,
    )
