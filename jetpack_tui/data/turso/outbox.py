"""Writes made while the primary was unreachable, kept until it is back.

A JSON-lines file beside the replica (``local.db.outbox.jsonl``; never the
replica file itself, which only pyturso may open): one line per queued write,
appended and fsync'ed before the write returns, so a crash loses nothing the
caller was told about.  One process owns a replica (pyturso locks it), hence
its outbox: no cross-process locking here.

Replay is exactly-once: each entry is sent as ONE atomic batch whose first
statement records the entry id in the primary-only table
``jetpack_outbox_applied``.  If the process dies after the batch committed but
before the file was rewritten, the next replay's marker insert fails on the
primary key and the entry is dropped as already applied.  An entry that can
never apply (a constraint it breaks on the primary) is moved to
``….outbox.rejected.jsonl`` with the error: kept and reported, not lost.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any

from .hrana_wire import decode_value, encode_value

log = logging.getLogger(__name__)

APPLIED_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS jetpack_outbox_applied "
    "(entry_id TEXT PRIMARY KEY, applied_at REAL, origin TEXT)"
)
MARK_SQL = "INSERT INTO jetpack_outbox_applied(entry_id, applied_at, origin) VALUES (?, ?, ?)"
#: Markers older than this are pruned: a replica offline longer replays its
#: entries long after, but a crash mid-replay is noticed at the next start.
KEEP_MARKERS_SECONDS = 30 * 86400.0
PRUNE_SQL = "DELETE FROM jetpack_outbox_applied WHERE applied_at < ?"


@dataclass(frozen=True)
class Entry:
    id: str
    at: float
    statements: list[tuple[str, list[Any]]]


def _encode(entry: Entry) -> str:
    return json.dumps({"id": entry.id, "at": entry.at,
                       "statements": [[sql, [encode_value(v) for v in params]]
                                      for sql, params in entry.statements]},
                      separators=(",", ":"))


def _decode(line: str) -> Entry:
    raw = json.loads(line)
    return Entry(str(raw["id"]), float(raw["at"]),
                 [(str(sql), [decode_value(v) for v in params]) for sql, params in raw["statements"]])


class Outbox:
    def __init__(self, path: str) -> None:
        self.path = path
        self.rejected_path = path[: -len(".jsonl")] + ".rejected.jsonl" if path.endswith(".jsonl") \
            else path + ".rejected"
        self._entries = self._load()
        self.rejected = self._count(self.rejected_path)

    def _load(self) -> list[Entry]:
        entries: list[Entry] = []
        try:
            with open(self.path, encoding="utf-8") as handle:
                lines = handle.read().split("\n")
        except FileNotFoundError:
            return entries
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entries.append(_decode(line))
            except (ValueError, KeyError, TypeError) as error:
                # A torn last line is a write that never returned to its caller.
                log.warning("%s line %d: unreadable outbox entry skipped (%s)", self.path, number, error)
        return entries

    @staticmethod
    def _count(path: str) -> int:
        try:
            with open(path, encoding="utf-8") as handle:
                return sum(1 for line in handle if line.strip())
        except FileNotFoundError:
            return 0

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[Entry]:
        return list(self._entries)

    def append(self, statements: list[tuple[str, list[Any]]], at: float) -> Entry:
        entry = Entry(uuid.uuid4().hex, at, [(sql, list(params)) for sql, params in statements])
        line = _encode(entry)  # before touching the file: bad values fail here
        self._append_line(self.path, line)
        self._entries.append(entry)
        return entry

    @staticmethod
    def _append_line(path: str, line: str) -> None:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def reject(self, entry: Entry, error: str) -> None:
        record = json.loads(_encode(entry))
        record["error"] = error
        self._append_line(self.rejected_path, json.dumps(record, separators=(",", ":")))
        self.rejected += 1
        log.error("outbox entry %s could not be applied on the primary and was set aside in %s: %s",
                  entry.id, self.rejected_path, error)

    def drop(self, done: set[str]) -> None:
        """Forget entries that were applied (or set aside): rewrite the file
        atomically so a crash leaves either the old or the new list."""
        if not done:
            return
        self._entries = [e for e in self._entries if e.id not in done]
        if not self._entries:
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass
            return
        temporary = self.path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write("".join(_encode(e) + "\n" for e in self._entries))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
