"""Migration 6: the sign sketches of vector search, persisted.

Vector search ranks by the Hamming distance between 1536-bit sign sketches
first (:mod:`.vector_sketch`).  Building them from the stored float32
vectors took the first search of every process 1.3 s at 100k memories (it
reads 600 MB); reading them back takes a few milliseconds, if they are
stored in a shape the driver reads fast.  Measured: libsql-experimental
returns 100k one-sketch rows in 270-570 ms (it builds a Python tuple per
row), 98 blobs of 1024 sketches in a few ms.  So the sketches are stored in
**blocks**: block ``b`` holds every memory whose rowid ``// 1024 == b``
(:mod:`.vector_signs` encodes them).

SQL cannot compute a sketch (an FFT), so triggers do not write blocks; they
record, for *every* writer (other languages, the ``sqlite3`` shell), which
memory changed: a row in ``memory_sign_changes`` per insert, delete, or
update of what search uses (embedding, embedder, type, importance, rowid).
A searching process applies the changes to the blocks it reads, and writes
the patched blocks back once enough have piled up: a compare-and-swap on the
block's ``version`` that, in the same transaction, deletes the change
records it applied, by ``seq``.  ``seq`` is AUTOINCREMENT, so a number is
never reused: a record made after the process read them is never deleted
by it.  Storing a memory costs one more small INSERT, done by the trigger
(measured: +0.02 ms on a 0.31 ms ``store``; no index on ``memory_rowid``
for the same reason).

Existing memories are all recorded as changed by the migration: the first
search after it builds the blocks once (the old cost, once per database).
A future change of the sketch must be a migration that empties the blocks
and records every memory as changed again, as this one does.
"""

from __future__ import annotations

#: Rowids per block (a block is ~220 kB: one write per flush stays short).
BLOCK_ROWS = 1024

SIGNS_SQL = """
CREATE TABLE IF NOT EXISTS memory_sign_blocks (
  block INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  rowids BLOB NOT NULL,
  signs BLOB NOT NULL,
  embedders BLOB NOT NULL,
  types BLOB NOT NULL,
  importance BLOB NOT NULL,
  names TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS memory_sign_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  memory_rowid INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS memories_signs_insert AFTER INSERT ON memories BEGIN
  INSERT INTO memory_sign_changes(memory_rowid) VALUES (NEW.rowid);
END;
CREATE TRIGGER IF NOT EXISTS memories_signs_update AFTER UPDATE ON memories
WHEN NEW.rowid IS NOT OLD.rowid OR NEW.embedder IS NOT OLD.embedder OR NEW.type IS NOT OLD.type
  OR NEW.importance IS NOT OLD.importance OR NEW.embedding IS NOT OLD.embedding
BEGIN
  INSERT INTO memory_sign_changes(memory_rowid)
    SELECT NEW.rowid UNION ALL SELECT OLD.rowid WHERE OLD.rowid IS NOT NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS memories_signs_delete AFTER DELETE ON memories BEGIN
  INSERT INTO memory_sign_changes(memory_rowid) VALUES (OLD.rowid);
END;
INSERT INTO memory_sign_changes(memory_rowid) SELECT rowid FROM memories;
"""
