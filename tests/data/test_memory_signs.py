"""The persisted sign sketches of vector search (migration 6, ``vector_signs``).

A process starting cold must answer its first vector search from the stored
blocks, not by reading and sketching every vector; every writer (another
process, stdlib ``sqlite3``) keeps them true through the change triggers;
a block written by a process that read it before someone else rewrote it is
refused.  "Right" is checked against an index sketched from scratch
(``persisted=False``, the old way) over the same rows.
"""

from __future__ import annotations

import numpy as np
import pytest

from modes import dl_any, open_replica, turso_primary  # noqa: F401 - fixtures
from memory_helpers import foreign, nudge, unit

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.memories import EXTERNAL_EMBEDDER
from jetpack_tui.data.schema_signs import BLOCK_ROWS
from jetpack_tui.data.vector_index import VectorIndex
from jetpack_tui.data.vector_signs import BLOCKS_PER_READ, FLUSH_AT, current_blocks, pending, read_blocks, save


class CountingEngine:
    """The real engine, counting the stored vectors each query hands back."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.read_only = engine.read_only
        self.vectors_read = 0

    def rows(self, sql, params=()):
        found = self.engine.rows(sql, params)
        if sql.startswith("SELECT rowid, embedding"):
            self.vectors_read += len(found)
        return found

    def value(self, sql, params=()):
        return self.engine.value(sql, params)

    def read(self, fn):
        return self.engine.read(fn)

    def write(self, fn, *, cas=None):
        return self.engine.write(fn, cas=cas)


def contents(index: VectorIndex) -> dict[int, tuple]:
    """What the index holds per rowid (sketch, embedder, type, importance), names decoded."""
    index.search(unit(0), "nobody", 1)  # loads it
    embedders = {code: name for name, code in index._embedder_codes.items()}
    types = {code: name for name, code in index._type_codes.items()}
    n = index._n
    return {int(r): (s.tobytes(), embedders.get(int(e)), types[int(t)], None if np.isnan(i) else float(i))
            for r, s, e, t, i in zip(index._rowids[:n], index._sketches[:n], index._embedder[:n], index._type[:n],
                                     index._importance[:n])}


def fill(dl, count: int, seed: int = 100) -> list:
    return [dl.memories.store(f"memory {i}", embedding=unit(seed + i), type=("fact", "error_pattern")[i % 2],
                              importance=(i % 10) / 10) for i in range(count)]


def stored_state(dl) -> tuple[int, int]:
    return (int(dl.engine.value("SELECT count(*) FROM memory_sign_blocks")),
            int(dl.engine.value("SELECT count(*) FROM memory_sign_changes")))


def test_a_cold_process_reads_the_stored_sketches_not_the_vectors(dl_any):
    made = fill(dl_any, FLUSH_AT + 44)
    assert stored_state(dl_any) == (0, len(made))  # the triggers recorded every new memory
    first = CountingEngine(dl_any.engine)
    hits = VectorIndex(first).search(unit(100), EXTERNAL_EMBEDDER, 5)
    assert first.vectors_read >= len(made)  # nothing stored yet: sketched once, then saved
    assert stored_state(dl_any) == (1, 0)
    cold = CountingEngine(dl_any.engine)
    assert VectorIndex(cold).search(unit(100), EXTERNAL_EMBEDDER, 5) == hits
    assert cold.vectors_read <= VectorIndex(dl_any.engine).rerank  # only the exact re-rank reads vectors
    assert contents(VectorIndex(dl_any.engine)) == contents(VectorIndex(dl_any.engine, persisted=False))
    assert [h.memory.id for h in dl_any.memories.search(embedding=unit(100), k=1)] == [made[0].id]


def test_every_writer_keeps_the_stored_sketches_true(dl, db_path):
    made = fill(dl, FLUSH_AT + 10)
    dl.memories.search(embedding=unit(1))  # saves the blocks
    assert stored_state(dl) == (1, 0)
    far = "X'" + (-unit(100)).astype("<f4").tobytes().hex() + "'"
    foreign(db_path,
            (f"UPDATE memories SET embedding = {far} WHERE id = ?", [made[0].id]),
            ("UPDATE memories SET type = 'runbook', importance = 0.95 WHERE id = ?", [made[1].id]),
            ("UPDATE memories SET embedder = 'model-x' WHERE id = ?", [made[2].id]),
            ("DELETE FROM memories WHERE id = ?", [made[3].id]),
            ("INSERT INTO memories(id, type, content, embedding, embedder) VALUES ('foreign', 'fact', 'x', {}, ?)"
             .format("X'" + nudge(unit(100), 0.1, 7).astype("<f4").tobytes().hex() + "'"), [EXTERNAL_EMBEDDER]),
            ("UPDATE memories SET content = 'only the text changed' WHERE id = ?", [made[4].id]))
    assert stored_state(dl) == (1, 5)  # the text-only update changes nothing search uses
    scratch = contents(VectorIndex(dl.engine, persisted=False))
    assert contents(VectorIndex(dl.engine)) == scratch  # changes applied in memory (too few to write)
    assert scratch[int(dl.engine.value("SELECT rowid FROM memories WHERE id = ?", (made[1].id,)))][2:] == (
        "runbook", 0.95)
    fill(dl, FLUSH_AT, seed=5000)
    index = VectorIndex(dl.engine)
    assert contents(index) == contents(VectorIndex(dl.engine, persisted=False))
    assert stored_state(dl) == (1, 0)  # enough piled up: written back by the cold load
    assert [h.memory.id for h in dl.memories.search(embedding=unit(100), k=1)] == ["foreign"]


def test_a_running_index_writes_back_what_piles_up(dl):
    fill(dl, 10)
    dl.memories.search(embedding=unit(1))  # loaded (10 changes: kept in memory only)
    assert stored_state(dl) == (0, 10)
    fill(dl, FLUSH_AT, seed=9000)
    dl.memories.search(embedding=unit(1))  # the warm refresh sees enough changes
    assert stored_state(dl) == (1, 0)
    assert contents(VectorIndex(dl.engine)) == contents(VectorIndex(dl.engine, persisted=False))


def test_rowids_across_blocks_and_a_damaged_block_are_rebuilt(dl, db_path):
    fill(dl, 8)
    dl.engine.write(lambda tx: tx.execute(  # a far rowid: the memories span three blocks
        "INSERT INTO memories(rowid, id, type, content, embedding, embedder) VALUES (?, 'far', 'fact', 'far', ?, ?)",
        (3 * BLOCK_ROWS + 5, unit(77).astype("<f4").tobytes(), EXTERNAL_EMBEDDER)))
    dl.engine.write(lambda tx: tx.execute(
        "INSERT INTO memories(rowid, id, type, content) VALUES (?, 'low', 'fact', 'no vector')", (-3,)))
    spread = range(5, 5 + BLOCKS_PER_READ + 2)  # more blocks than one read returns
    dl.engine.write(lambda tx: [tx.execute(
        "INSERT INTO memories(rowid, id, type, content, embedding, embedder) VALUES (?, ?, 'fact', 'x', ?, ?)",
        (b * BLOCK_ROWS, f"spread-{b}", unit(b).astype("<f4").tobytes(), EXTERNAL_EMBEDDER)) for b in spread])
    changes, blocks, updated = current_blocks(dl.engine, only_changed=False)
    numbers = [-1, 0, 3, *spread]
    assert changes == 10 + len(spread) and [b.number for b in blocks] == [b.number for b in updated] == numbers
    for block in updated:
        assert save(dl.engine, block)
    assert stored_state(dl) == (len(numbers), 0)
    assert [b.number for b in read_blocks(dl.engine)[0]] == numbers
    assert [b.number for b in read_blocks(dl.engine, numbers[::-1])[0]] == numbers
    foreign(db_path, ("UPDATE memory_sign_blocks SET signs = X'00ff' WHERE block = 0", []),
            ("UPDATE memory_sign_blocks SET names = '{not json' WHERE block = 3", []))
    assert contents(VectorIndex(dl.engine)) == contents(VectorIndex(dl.engine, persisted=False))
    assert [h.memory.id for h in dl.memories.search(embedding=unit(77), k=1)] == ["far"]


def test_a_block_rewritten_since_it_was_read_is_not_overwritten(dl):
    """The compare-and-swap on the block version: a stale writer loses, and the
    changes it read stay recorded (nothing is forgotten that it did not store)."""
    [first] = fill(dl, 1)
    _n, _blocks, [stale] = current_blocks(dl.engine, only_changed=True)
    _n, _blocks, [fresh] = current_blocks(dl.engine, only_changed=True)
    assert save(dl.engine, fresh) and stored_state(dl) == (1, 0)
    dl.engine.write(lambda tx: tx.execute("UPDATE memories SET type = 'decision' WHERE id = ?", (first.id,)))
    [changed] = pending(dl.engine).values()
    stale.applied = changed.seqs  # even told to forget the new change, a losing writer deletes nothing
    assert not save(dl.engine, stale)  # refused: the version moved on since it was read
    assert stored_state(dl) == (1, 1)  # the new change is still recorded
    stored = int(dl.engine.value("SELECT version FROM memory_sign_blocks"))
    assert stored == fresh.version != stale.version
    # The same save with the version it read succeeds, and then forgets the change.
    _n, _blocks, [current] = current_blocks(dl.engine, only_changed=True)
    assert save(dl.engine, current) and stored_state(dl) == (1, 0)
    assert contents(VectorIndex(dl.engine))[min(changed.rowids)][2] == "decision"


def test_a_read_only_process_searches_without_writing(db_path):
    with create_local_data_layer(db_path) as dl:
        made = fill(dl, FLUSH_AT + 1)
    with create_local_data_layer(db_path, read_only=True) as reader:
        assert [h.memory.id for h in reader.memories.search(embedding=unit(100), k=1)] == [made[0].id]
        assert stored_state(reader) == (0, len(made))


def test_the_migration_records_existing_memories(db_path):
    """A database from before migration 6 with memories in it: all are recorded, the first search builds."""
    with create_local_data_layer(db_path) as dl:
        made = fill(dl, 5)
    foreign(db_path, ("DELETE FROM memory_sign_changes", []), ("DROP TABLE memory_sign_blocks", []),
            ("DROP TABLE memory_sign_changes", []),
            ("DROP TRIGGER memories_signs_insert", []), ("DROP TRIGGER memories_signs_update", []),
            ("DROP TRIGGER memories_signs_delete", []),
            ("UPDATE jetpack_meta SET value = '5' WHERE key = 'schema_version'", []))
    with create_local_data_layer(db_path) as dl:
        assert stored_state(dl) == (0, 5)
        assert [h.memory.id for h in dl.memories.search(embedding=unit(102), k=1)] == [made[2].id]


@pytest.mark.parametrize("kind", ["insert", "update", "delete"])
def test_storing_stays_one_statement_plus_one_recorded_change(dl, kind):
    memory = dl.memories.store("x", embedding=unit(1))
    before = stored_state(dl)[1]
    if kind == "insert":
        dl.memories.store("y", embedding=unit(2))
    elif kind == "update":
        dl.engine.write(lambda tx: tx.execute("UPDATE memories SET importance = 0.9 WHERE id = ?", (memory.id,)))
    else:
        dl.memories.delete(memory.id)
    assert stored_state(dl)[1] == before + 1


def test_an_offline_replica_searches_and_saves_the_sketches_later(turso_primary, tmp_path):
    """Writing blocks back is a compare-and-swap on the primary: refused offline, the
    search answers from the replica anyway, and a later load writes them."""
    dl = open_replica(turso_primary, tmp_path)
    try:
        made = fill(dl, FLUSH_AT + 1)
        assert dl.sync().ok
        turso_primary.stop()
        assert [h.memory.id for h in dl.memories.search(embedding=unit(100), k=1)] == [made[0].id]
        assert stored_state(dl) == (0, len(made))
        turso_primary.start()
        assert dl.sync().ok
        assert contents(VectorIndex(dl.engine)) == contents(VectorIndex(dl.engine, persisted=False))
        assert stored_state(dl) == (1, 0)
    finally:
        dl.close()
