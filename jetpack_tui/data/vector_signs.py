"""Sign-sketch blocks: the persisted first pass of vector search.

Layout and upkeep are described in :mod:`.schema_signs` (migration 6).  A
:class:`SignBlock` holds, for the memories of one rowid range, what the
in-process index needs: rowid, 1536-bit sketch, embedder, type and
importance, the names as block-local codes.  This module reads blocks,
patches them with the memories recorded as changed, and writes them back
with a compare-and-swap; :class:`.vector_index.VectorIndex` decides when.

A block that cannot be decoded (a foreign writer, a torn tool) is rebuilt
from the memories of its range: the stored data is a cache, never trusted
over the table.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .backend import Engine, Tx
from .memory_models import decode_embeddings
from .schema_signs import BLOCK_ROWS
from .vector_sketch import WORDS, sketch

#: Changes a searching process lets pile up before it writes them into the
#: blocks (fewer are applied in memory only: cheap, and no write at all).
FLUSH_AT = 256
#: Memory rows read per query while patching.
READ_CHUNK = 1024
#: Blocks read per query (~3.5 MB).
BLOCKS_PER_READ = 16

ROW_SQL = "SELECT rowid, embedding, embedder, type, importance FROM memories"
_BLOCK_COLUMNS = "block, version, rowids, signs, embedders, types, importance, names"
_INSERT_SQL = (f"INSERT INTO memory_sign_blocks({_BLOCK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
               " ON CONFLICT(block) DO NOTHING")
_UPDATE_SQL = ("UPDATE memory_sign_blocks SET version = ?, rowids = ?, signs = ?, embedders = ?, types = ?,"
               " importance = ?, names = ? WHERE block = ? AND version = ?")
_FORGET_SQL = ("DELETE FROM memory_sign_changes WHERE seq IN (SELECT value FROM json_each(?))"
               " AND EXISTS (SELECT 1 FROM memory_sign_blocks WHERE block = ? AND version = ?)")


def importance_value(raw: object) -> float:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    return float("nan")  # text/NULL never passes a min_importance filter


@dataclass
class SignBlock:
    """The sketches of the memories whose rowid ``// BLOCK_ROWS == number``."""

    number: int
    #: The stored version this was read at; ``None`` when not stored yet.
    version: int | None = None
    rowids: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    signs: np.ndarray = field(default_factory=lambda: np.empty((0, WORDS), np.uint64))
    #: Code into ``embedder_names``; -1: no usable vector (never compared).
    embedders: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    types: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    importance: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    embedder_names: list[str] = field(default_factory=list)
    type_names: list[str] = field(default_factory=list)
    #: ``seq`` of the recorded changes folded in (forgotten when it is saved).
    applied: list[int] = field(default_factory=list)

    @property
    def bounds(self) -> tuple[int, int]:
        """The rowid range this block covers, both ends included."""
        return self.number * BLOCK_ROWS, self.number * BLOCK_ROWS + BLOCK_ROWS - 1

    def __len__(self) -> int:
        return len(self.rowids)


def signed_rows(rows: Sequence[tuple], number: int = 0) -> SignBlock:
    """Sketch ``(rowid, embedding, embedder, type, importance)`` rows (any order)."""
    rows = sorted(rows, key=lambda r: r[0])
    matrix, usable = decode_embeddings([r[1] for r in rows])
    usable &= np.array([isinstance(r[2], str) and bool(r[2]) for r in rows], bool)
    signs = np.zeros((len(rows), WORDS), np.uint64)
    if usable.any():
        signs[usable] = sketch(matrix[usable])
    embedders: dict[str, int] = {}
    types: dict[str, int] = {}
    return SignBlock(
        number=number,
        rowids=np.array([r[0] for r in rows], np.int64),
        signs=signs,
        embedders=np.array([embedders.setdefault(r[2], len(embedders)) if usable[i] else -1
                            for i, r in enumerate(rows)], np.int32),
        types=np.array([types.setdefault(r[3] if isinstance(r[3], str) else "", len(types)) for r in rows],
                       np.int32),
        importance=np.array([importance_value(r[4]) for r in rows], np.float64),
        embedder_names=list(embedders), type_names=list(types),
    )


def _names(codes: np.ndarray, names: list[str]) -> list[str | None]:
    return [names[c] if c >= 0 else None for c in codes.tolist()]


def merged(block: SignBlock, fresh: SignBlock, gone: Iterable[int]) -> SignBlock:
    """``block`` with the rows of ``fresh`` put in (replacing) and ``gone`` rowids taken out."""
    if not len(block):
        fresh.version = block.version
        return fresh
    drop = np.isin(block.rowids, np.fromiter(gone, np.int64)) | np.isin(block.rowids, fresh.rowids)
    keep = ~drop
    embedders = _names(block.embedders[keep], block.embedder_names) + _names(fresh.embedders,
                                                                              fresh.embedder_names)
    types = _names(block.types[keep], block.type_names) + _names(fresh.types, fresh.type_names)
    rowids = np.concatenate([block.rowids[keep], fresh.rowids])
    order = np.argsort(rowids, kind="stable")
    embedder_codes: dict[str, int] = {}
    type_codes: dict[str, int] = {}
    return SignBlock(
        number=block.number, version=block.version, rowids=rowids[order],
        signs=np.concatenate([block.signs[keep], fresh.signs])[order],
        embedders=np.array([-1 if e is None else embedder_codes.setdefault(e, len(embedder_codes))
                            for e in embedders], np.int32)[order],
        types=np.array([type_codes.setdefault(t or "", len(type_codes)) for t in types], np.int32)[order],
        importance=np.concatenate([block.importance[keep], fresh.importance])[order],
        embedder_names=list(embedder_codes), type_names=list(type_codes),
    )


def decode(row: tuple) -> SignBlock | None:
    """A stored block, or ``None`` when any part of it does not add up."""
    number, version, rowids, signs, embedders, types, importance, names = row
    try:
        listed = json.loads(names)
        block = SignBlock(
            number=int(number), version=int(version),
            rowids=np.frombuffer(rowids, "<i8").astype(np.int64, copy=False),  # read-only views: never
            signs=np.frombuffer(signs, np.uint64).reshape(-1, WORDS),           # written, only copied
            embedders=np.frombuffer(embedders, "<i4").astype(np.int32, copy=False),
            types=np.frombuffer(types, "<i4").astype(np.int32, copy=False),
            importance=np.frombuffer(importance, "<f8").astype(np.float64, copy=False),
            embedder_names=[str(n) for n in listed["embedders"]], type_names=[str(n) for n in listed["types"]],
        )
    except (TypeError, ValueError, KeyError, json.JSONDecodeError):
        return None
    n = len(block.rowids)
    low, high = block.bounds
    if not (len(block.signs) == len(block.embedders) == len(block.types) == len(block.importance) == n):
        return None
    if n and (block.rowids[0] < low or block.rowids[-1] > high or np.any(np.diff(block.rowids) <= 0)
              or block.embedders.min() < -1 or block.embedders.max() >= len(block.embedder_names)
              or block.types.min() < 0 or block.types.max() >= len(block.type_names)):
        return None
    return block


def read_blocks(engine: Engine, numbers: Iterable[int] | None = None) -> tuple[list[SignBlock], dict[int, int | None]]:
    """Stored blocks in order (all, or those ``numbers``), and ``{number: version}`` of undecodable ones.

    Read :data:`BLOCKS_PER_READ` at a time: the driver holds the GIL for a
    whole query, and a dashboard thread must not wait for all 21 MB at once.
    """
    wanted = None if numbers is None else sorted(int(n) for n in numbers)
    good, bad = [], {}
    after = -(2**53)  # the engine binds exact integers only (|n| <= 2**53)
    while True:
        if wanted is None:
            rows = engine.rows(f"SELECT {_BLOCK_COLUMNS} FROM memory_sign_blocks WHERE block > ? ORDER BY block"
                               " LIMIT ?", (after, BLOCKS_PER_READ))
        else:
            page, wanted = wanted[:BLOCKS_PER_READ], wanted[BLOCKS_PER_READ:]
            rows = engine.rows(f"SELECT {_BLOCK_COLUMNS} FROM memory_sign_blocks WHERE block IN"
                               " (SELECT value FROM json_each(?)) ORDER BY block", (json.dumps(page),))
        for row in rows:
            block = decode(row)
            if block is not None:
                good.append(block)
            else:
                bad[int(row[0])] = row[1] if isinstance(row[1], int) else None
        if (wanted is None and len(rows) < BLOCKS_PER_READ) or wanted == []:
            return good, bad
        after = int(rows[-1][0]) if rows else after


@dataclass
class Changes:
    """The recorded changes of one block: which memories, and the ``seq`` of each record."""

    rowids: set[int] = field(default_factory=set)
    seqs: list[int] = field(default_factory=list)


def pending(engine: Engine) -> dict[int, Changes]:
    """Every change recorded, by block (rows a foreign writer spoilt are left alone)."""
    changed: dict[int, Changes] = {}
    for seq, rowid in engine.rows("SELECT seq, memory_rowid FROM memory_sign_changes"):
        if isinstance(rowid, int) and isinstance(seq, int):
            entry = changed.setdefault(rowid // BLOCK_ROWS, Changes())
            entry.rowids.add(rowid)
            entry.seqs.append(seq)
    return changed


def current_blocks(engine: Engine, *, only_changed: bool) -> tuple[int, list[SignBlock], list[SignBlock]]:
    """``(changes, blocks, updated)``: the stored blocks (every one, or only
    those with changes) brought up to date with the ``changes`` recorded
    changes, in order, and which of them differ from what is stored.

    The changes are read before the blocks and the blocks before the memory
    rows, so whatever another process writes meanwhile is either in what is
    read here or recorded in a change not read yet (applied next time).
    """
    changed = pending(engine)
    stored, broken = read_blocks(engine, changed if only_changed else None)
    by_number = {block.number: block for block in stored}
    blocks: list[SignBlock] = []
    updated: list[SignBlock] = []
    for number in sorted(set(by_number) | set(changed) | set(broken)):
        block = by_number.get(number)
        changes = changed.get(number, Changes())
        if number in broken:
            block = rebuilt(engine, number, broken[number])
        elif number in changed:
            block = patched(engine, block or SignBlock(number), changes.rowids)
        else:
            blocks.append(block)
            continue
        block.applied = changes.seqs
        blocks.append(block)
        updated.append(block)
    return sum(len(c.seqs) for c in changed.values()), blocks, updated


def pending_count(engine: Engine, at_most: int = FLUSH_AT) -> int:
    return int(engine.value("SELECT count(*) FROM (SELECT 1 FROM memory_sign_changes LIMIT ?)", (at_most,)) or 0)


def memory_rows(engine: Engine, rowids: Iterable[int]) -> list[tuple]:
    """The current ``(rowid, embedding, embedder, type, importance)`` of these memories."""
    wanted = sorted(rowids)
    rows: list[tuple] = []
    for start in range(0, len(wanted), READ_CHUNK):
        rows += engine.rows(ROW_SQL + " WHERE rowid IN (SELECT value FROM json_each(?))",
                            (json.dumps(wanted[start:start + READ_CHUNK]),))
    return rows


def range_rows(engine: Engine, number: int) -> list[tuple]:
    """Every memory of block ``number``'s rowid range (to rebuild a block)."""
    low = number * BLOCK_ROWS
    return engine.rows(ROW_SQL + " WHERE rowid BETWEEN ? AND ?", (low, low + BLOCK_ROWS - 1))


def patched(engine: Engine, block: SignBlock, rowids: set[int]) -> SignBlock:
    """``block`` brought up to date for the memories ``rowids`` (read now)."""
    rows = memory_rows(engine, rowids)
    found = {int(r[0]) for r in rows}
    return merged(block, signed_rows(rows, block.number), rowids - found)


def rebuilt(engine: Engine, number: int, version: int | None) -> SignBlock:
    block = signed_rows(range_rows(engine, number), number)
    block.version = version
    return block


def save(engine: Engine, block: SignBlock) -> bool:
    """Store ``block`` if nobody rewrote it since it was read, and forget the
    changes it applied; ``False`` when another process rewrote it first (or
    this engine is read-only).  Storage errors (busy, offline) are raised:
    the caller decides when to try again.

    Neither statement depends on what another returned (the row count only
    feeds the answer), so the transaction can go to a Turso primary as one
    request: the DELETE only runs when the new random version is in place,
    i.e. when this write won.
    """
    if engine.read_only:
        return False
    token = secrets.randbits(52)  # the engine binds exact integers only (|n| <= 2**53)
    names = json.dumps({"embedders": block.embedder_names, "types": block.type_names}, ensure_ascii=False)
    data = (block.rowids.astype("<i8").tobytes(), np.ascontiguousarray(block.signs).tobytes(),
            block.embedders.astype("<i4").tobytes(), block.types.astype("<i4").tobytes(),
            block.importance.astype("<f8").tobytes(), names)

    def write(tx: Tx) -> bool:
        if block.version is None:
            won = tx.execute(_INSERT_SQL, (block.number, token, *data))
        else:
            won = tx.execute(_UPDATE_SQL, (token, *data, block.number, block.version))
        tx.execute(_FORGET_SQL, (json.dumps(block.applied), block.number, token))
        return won == 1

    won = engine.write(write, cas=True)
    if won:
        block.version, block.applied = token, []
    return won
