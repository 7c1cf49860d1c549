"""Cheap guards for large reads: "no table this read names has changed".

An exact guard (:func:`.guards.read_guard`) sends the rows back and costs
rows² comparisons on the primary, inside the write lock: fine for the few
rows a decision usually reads, not for all active reservations of a swarm.
For a read of more than :data:`EXACT_MAX_ROWS` rows the guard instead
checks the change feed: every insert, update and delete of a fed table adds
a ``change_log`` row (the schema's triggers, for every writer), so "no
``change_log`` row for these tables after the replica's last ``seq``" means
the read would return exactly what it returned on the replica.

Which tables are fed, under which feed name, is read from the triggers
themselves: an ``AFTER INSERT|UPDATE|DELETE ON t`` trigger without ``WHEN``
or ``OF`` whose body starts with ``INSERT INTO change_log(…) VALUES
('name'``.  A read naming anything that is not a fed table or a feed-free
name (a view, a table without all three triggers) gets the exact guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .guards import Statement, verdict
from .sqltext import names

#: Reads returning more rows than this are guarded by the change feed.
EXACT_MAX_ROWS = 64

_FEED_TRIGGER = re.compile(
    r"^\s*CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"`\[]?\w+[\"`\]]?\s+AFTER\s+(INSERT|UPDATE|DELETE)\s+ON\s+"
    r"[\"`\[]?(\w+)[\"`\]]?\s+BEGIN\s+INSERT\s+INTO\s+change_log\s*\([^)]*\)\s*VALUES\s*\(\s*'(\w+)'",
    re.IGNORECASE)
_OPS = frozenset({"INSERT", "UPDATE", "DELETE"})

#: The feed itself: naming it needs no feed.
_QUIET = frozenset({"change_log"})


class Feeds:
    """Which tables have every change recorded in ``change_log``, and as what."""

    def __init__(self, schema: Iterable[tuple[str, str, str | None]]) -> None:
        """``schema``: ``(type, name, sql)`` rows of ``sqlite_master``."""
        self.objects: set[str] = set()
        seen: dict[str, dict[str, str]] = {}
        for kind, name, sql in schema:
            self.objects.add(str(name).lower())
            if kind == "trigger" and sql:
                found = _FEED_TRIGGER.match(sql)
                if found:
                    seen.setdefault(found.group(2).lower(), {})[found.group(1).upper()] = found.group(3)
        self.feeds = {table: set(ops.values()) for table, ops in seen.items() if set(ops) == _OPS}

    def for_read(self, sql: str) -> set[str] | None:
        """Feed names covering every table ``sql`` names, or ``None`` when
        some object it names is not covered (use the exact guard)."""
        wanted: set[str] = set()
        for name in names(sql) & self.objects:
            if name in self.feeds:
                wanted |= self.feeds[name]
            elif name not in _QUIET:
                return None
        return wanted or None


SCHEMA_SQL = "SELECT type, name, sql FROM sqlite_master"
SNAPSHOT_SQL = "SELECT coalesce(max(seq), 0) FROM change_log"


def watermark_guard(feeds: set[str], since: int) -> Statement:
    """Fails if any of ``feeds`` changed after ``change_log.seq`` ``since``.
    Placed right after ``BEGIN``, before the batch's own writes add rows."""
    marks = ", ".join("?" for _ in feeds)
    test = f"NOT EXISTS (SELECT 1 FROM change_log WHERE seq > ? AND tbl IN ({marks}))"
    return f"SELECT {verdict(test)}", [int(since), *sorted(feeds)]
