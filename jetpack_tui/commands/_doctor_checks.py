"""The checks behind ``jetpack-tui doctor``: what is wrong with a database file.

Runs on Python's stdlib ``sqlite3`` in read-only URI mode, not through the
DataLayer, on purpose: the DataLayer refuses files it cannot use (a newer
schema, missing columns) and its binding can panic on damaged text, while a
doctor must look at exactly those files and report, never repair or crash.
Each check is isolated: a damaged page that breaks one query is reported as
that check's finding and the others still run.

Severities: ``error`` (the data is damaged: integrity failure, broken JSON,
unknown statuses, schema the tool cannot use), ``warning`` (the swarm needs
attention: orphans, claims awaiting reclaim, dangling dependencies), ``ok``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote

from jetpack_tui.data import JetpackError
from jetpack_tui.data.clock import parse_timestamp
from jetpack_tui.data.insight.source import ConnectionReader
from jetpack_tui.data.insight.stuck import LABELS, find_stuck
from jetpack_tui.data.models import PRIORITIES, TASK_STATUSES, Liveness
from jetpack_tui.data.reservation_models import RESERVATION_STATUSES, RESERVATION_TYPES
from jetpack_tui.data.schema import SEED_COLUMNS, latest_version
from jetpack_tui.data.schema_claims import bucket_sql, deps_unmet_sql
from jetpack_tui.data.settings import LIVENESS, SETTINGS

from ._cli_support import CommandError, printable

SQLITE_HEADER = b"SQLite format 3\x00"
EXAMPLES = 5
#: (table, column, what the column must hold: array / object / any JSON).
JSON_COLUMNS = (
    ("tasks", "required_skills", "array"), ("tasks", "dependencies", "array"), ("tasks", "result", "any"),
    ("agents", "skills", "array"), ("messages", "payload", "any"), ("memories", "metadata", "object"),
)
#: (table, column, allowed values, severity of anything else).
VALUE_COLUMNS = (
    ("tasks", "status", TASK_STATUSES, "error"),
    ("tasks", "priority", PRIORITIES, "warning"),
    ("file_reservations", "status", RESERVATION_STATUSES, "error"),
    ("file_reservations", "reservation_type", RESERVATION_TYPES, "warning"),
)  # memories.type is free text (the seed's, and Jetpack's agents use their own labels): no check


@dataclass(frozen=True)
class Finding:
    severity: str
    check: str
    message: str
    table: str | None = None
    column: str | None = None
    count: int = 0
    examples: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {"severity": self.severity, "check": self.check, "message": self.message, "table": self.table,
                "column": self.column, "count": self.count, "examples": list(self.examples)}


@dataclass
class Report:
    path: str
    schema_version: int | None = None
    findings: list[Finding] = field(default_factory=list)

    def add(self, severity: str, check: str, message: str, **more) -> None:
        self.findings.append(Finding(severity, check, message, **more))

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


def connect(path: str) -> sqlite3.Connection:
    """Open read-only, or :class:`CommandError` when it is not a database."""
    if not os.path.exists(path):
        raise CommandError(f"{path}: no such database file")
    if not os.path.isfile(path):
        raise CommandError(f"{path}: is not a regular file")
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise CommandError(f"{path}: cannot be read: {error.strerror or error}") from None
    if not header:
        raise CommandError(f"{path}: is an empty file, not a database")
    if header != SQLITE_HEADER:
        raise CommandError(f"{path}: is not a SQLite/libSQL database")
    try:
        conn = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True)
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise CommandError(f"{path}: cannot be read: {error}") from None
    if not tables & (set(SEED_COLUMNS) | {"jetpack_meta"}):
        conn.close()
        shown = ", ".join(sorted(tables)[:5]) or "no tables"
        raise CommandError(f"{path}: is not a Jetpack database ({shown})")
    return conn


def _tables(conn: sqlite3.Connection) -> dict[str, set[str]]:
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {n: {row[1] for row in conn.execute(f'PRAGMA table_info("{n}")')} for n in names}


def check_schema(conn: sqlite3.Connection, report: Report) -> None:
    tables = _tables(conn)
    latest = latest_version()
    version = 0
    if "jetpack_meta" in tables:
        raw = conn.execute("SELECT value FROM jetpack_meta WHERE key = 'schema_version'").fetchone()
        try:
            version = int(raw[0]) if raw else 0
        except (TypeError, ValueError):
            report.add("error", "schema", f"unreadable schema version {printable(raw[0])!r}")
            return
    report.schema_version = version
    for table, needed in SEED_COLUMNS.items():
        missing = [c for c in needed if table in tables and c not in tables[table]]
        if missing:
            report.add("error", "schema", f"table {table} lacks the columns {', '.join(missing)}", table=table)
    if version > latest:
        report.add("error", "schema", f"schema version {version} is newer than this jetpack-tui understands ({latest})")
    elif version < latest:
        report.add("warning", "schema", f"schema version {version} will be upgraded to {latest} when opened for writing")
    else:
        report.add("ok", "schema", f"schema version {version} (latest)")


def check_integrity(conn: sqlite3.Connection, report: Report) -> None:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check(100)").fetchall()]
    if rows == ["ok"]:
        report.add("ok", "integrity", "PRAGMA integrity_check: ok")
    else:
        report.add("error", "integrity", f"PRAGMA integrity_check found {len(rows)} problem(s)", count=len(rows),
                   examples=tuple(printable(r, 160) for r in rows[:EXAMPLES]))


def check_json(conn: sqlite3.Connection, report: Report, tables: dict[str, set[str]]) -> None:
    clean = True
    for table, column, shape in JSON_COLUMNS:
        if column not in tables.get(table, set()):
            continue
        valid = f"typeof({column}) = 'text' AND json_valid({column})"
        bad = f"NOT ({valid})"
        if shape != "any":
            bad += f" OR json_type(CASE WHEN {valid} THEN {column} END) IS NOT '{shape}'"
        where = f"{column} IS NOT NULL AND ({bad})"
        count = conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
        if count:
            clean = False
            ids = [printable(r[0]) for r in conn.execute(f"SELECT id FROM {table} WHERE {where} LIMIT ?", (EXAMPLES,))]
            what = "broken JSON" if shape == "any" else f"broken JSON or not a JSON {shape}"
            report.add("error", "json", f"{table}.{column}: {count} row(s) with {what}", table=table,
                       column=column, count=count, examples=tuple(ids))
    if clean:
        report.add("ok", "json", "every JSON column holds valid JSON")


def check_values(conn: sqlite3.Connection, report: Report, tables: dict[str, set[str]]) -> None:
    clean = True
    for table, column, allowed, severity in VALUE_COLUMNS:
        if column not in tables.get(table, set()):
            continue
        rows = conn.execute(
            f"SELECT {column}, count(*) FROM {table} WHERE {column} IS NULL OR {column} NOT IN"
            " (SELECT value FROM json_each(?)) GROUP BY 1 ORDER BY 2 DESC", (json.dumps(list(allowed)),)).fetchall()
        if rows:
            clean = False
            total = sum(n for _v, n in rows)
            shown = tuple(f"{'NULL' if v is None else printable(v, 60)!s} ({n})" for v, n in rows[:EXAMPLES])
            report.add(severity, "values", f"{table}.{column}: {total} row(s) with unknown values", table=table,
                       column=column, count=total, examples=shown)
    if clean:
        report.add("ok", "values", "statuses, priorities and types are all known")


def check_dependencies(conn: sqlite3.Connection, report: Report, tables: dict[str, set[str]]) -> None:
    if "dependencies" not in tables.get("tasks", set()):
        return
    array = ("CASE WHEN typeof(t.dependencies) = 'text' AND json_valid(t.dependencies) AND"
             " json_type(t.dependencies) = 'array' THEN t.dependencies ELSE '[]' END")
    rows = conn.execute(f"SELECT t.id, d.value FROM tasks t, json_each({array}) d"
                        " LEFT JOIN tasks x ON x.id = d.value WHERE x.id IS NULL").fetchall()
    if rows:
        report.add("warning", "dependencies", f"{len(rows)} dependency link(s) name a task that does not exist"
                   " (those tasks stay blocked)", table="tasks", column="dependencies", count=len(rows),
                   examples=tuple(f"{printable(t)} -> {printable(d)}" for t, d in rows[:EXAMPLES]))


def check_addresses(conn: sqlite3.Connection, report: Report) -> None:
    """Tasks another client left without an id: claims skip them (they could
    never be addressed), so nobody would ever work on them."""
    count = conn.execute("SELECT count(*) FROM tasks WHERE id IS NULL OR id = ''").fetchone()[0]
    if count:
        titles = [printable(t, 60) for (t,) in conn.execute(
            "SELECT title FROM tasks WHERE id IS NULL OR id = '' LIMIT ?", (EXAMPLES,))]
        report.add("error", "ids", f"{count} task(s) have no id: no agent can claim or finish them",
                   table="tasks", column="id", count=count, examples=tuple(titles))


def check_derived(conn: sqlite3.Connection, report: Report) -> None:
    """The claim path's columns (readiness, skills key, counters) against a
    recount from the plain columns: they differ only if a writer bypassed
    the triggers (dropped them, or edited the derived columns by hand)."""
    readiness = conn.execute(
        f"SELECT t.id FROM tasks t WHERE t.deps_unmet IS NOT {deps_unmet_sql('t')} LIMIT 1000").fetchall()
    buckets = dict(conn.execute(f"SELECT {bucket_sql('t')}, count(*) FROM tasks t GROUP BY 1").fetchall())
    counted = {b: n for b, n in conn.execute("SELECT bucket, n FROM task_counts WHERE n <> 0")}
    if readiness or buckets != counted:
        report.add("error", "derived", f"the queue's derived state disagrees with the rows ({len(readiness)} task(s)"
                   " with a wrong readiness, counters " + ("right" if buckets == counted else "wrong") +
                   "): a writer bypassed the triggers; claims may skip or take the wrong tasks",
                   table="tasks", column="deps_unmet", count=len(readiness),
                   examples=tuple(printable(r[0]) for r in readiness[:EXAMPLES]))


def _stored(conn: sqlite3.Connection, key: str) -> object:
    row = conn.execute("SELECT value FROM jetpack_meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def check_settings(conn: sqlite3.Connection, report: Report, tables: dict[str, set[str]]) -> None:
    """Stored settings another client broke (readers fall back to the default)."""
    if "jetpack_meta" not in tables:
        return
    for setting in SETTINGS.values():
        raw = _stored(conn, setting.key)
        problem = setting.load(raw)[1]
        if problem:
            report.add("warning", "settings", f"setting {setting.name}: {problem}", table="jetpack_meta",
                       count=1, examples=(printable(raw, 120),))


def liveness_rule(conn: sqlite3.Connection, tables: dict[str, set[str]], override: Liveness | None) -> Liveness:
    """The rule every reader of this database applies (see data/settings.py)."""
    if override is not None or "jetpack_meta" not in tables:
        return override or LIVENESS.default
    return LIVENESS.load(_stored(conn, LIVENESS.key))[0]


def check_claims(conn: sqlite3.Connection, report: Report, now: float, liveness: Liveness) -> None:
    """Orphans (owner dead, stopped or gone), leases past expiry, claims with no lease."""
    agents = {}
    for agent_id, status, text_beat, epoch_beat in conn.execute(
            "SELECT id, status, last_heartbeat, heartbeat_at FROM agents"):
        beats = [b for b in (parse_timestamp(text_beat),
                             epoch_beat if isinstance(epoch_beat, (int, float)) else None) if b is not None]
        agents[agent_id] = liveness.of(max(beats) if beats else None, status, now)
    owned = conn.execute("SELECT id, claimed_by, lease_expires_at FROM tasks"
                         " WHERE status IN ('claimed', 'in_progress') ORDER BY id").fetchall()
    orphans = [(t, o) for t, o, _l in owned if agents.get(o, "gone") in ("dead", "stopped", "gone")]
    expired = [t for t, _o, lease in owned if isinstance(lease, (int, float)) and lease < now]
    no_lease = [t for t, _o, lease in owned if not isinstance(lease, (int, float))]
    if orphans:
        report.add("warning", "orphans", f"{len(orphans)} task(s) held by dead, stopped or unregistered agents",
                   table="tasks", count=len(orphans),
                   examples=tuple(f"{printable(t)} ({printable(o)}: {agents.get(o, 'unregistered')})"
                                  for t, o in orphans[:EXAMPLES]))
    if expired:
        report.add("warning", "expired_claims", f"{len(expired)} claim(s) past their lease, awaiting"
                   " reclaim (dl.tasks.reclaim_expired)", table="tasks", count=len(expired),
                   examples=tuple(printable(t) for t in expired[:EXAMPLES]))
    if no_lease:
        report.add("warning", "expired_claims", f"{len(no_lease)} claim(s) without a lease expiry: never"
                   " reclaimed automatically", table="tasks", count=len(no_lease),
                   examples=tuple(printable(t) for t in no_lease[:EXAMPLES]))
    if not (orphans or expired or no_lease):
        report.add("ok", "claims", f"{len(owned)} claim(s), none orphaned or expired")
    stale_res = conn.execute("SELECT count(*) FROM file_reservations WHERE status = 'active' AND"
                             " typeof(expires_at) IN ('integer', 'real') AND expires_at <= ?", (now,)).fetchone()[0]
    if stale_res:
        report.add("warning", "reservations", f"{stale_res} reservation(s) past expiry still marked active"
                   " (already ignored; dl.reservations.expire() tidies them)", table="file_reservations",
                   count=stale_res)


#: Reported by :func:`check_dependencies` already.
_STUCK_ELSEWHERE = ("dependency_missing",)


def check_stuck(conn: sqlite3.Connection, report: Report, now: float, liveness: Liveness) -> None:
    """Work that looks healthy but can never run (skills nobody has, cycles,
    dead dependencies, far-future availability, immortal owners, absurd
    leases): the same reasons the dashboard shows next to ready/blocked."""
    stuck = find_stuck(ConnectionReader(conn), now=now, liveness=liveness)
    for agent in stuck.agents:
        report.add("warning", "stuck", f"agent {printable(agent.agent_id)}: {agent.message}", table="agents",
                   count=1)
    for code, task_ids in stuck.by_code().items():
        if code in _STUCK_ELSEWHERE:
            continue
        examples = tuple(f"{printable(t)}: " + printable(
            next(r.message for r in stuck.reasons_for(t) if r.code == code), 120) for t in task_ids[:EXAMPLES])
        report.add("warning", "stuck", f"{len(task_ids)} task(s) {LABELS[code]}", table="tasks", column=code,
                   count=len(task_ids), examples=examples)
    if not stuck.reasons and not stuck.agents:
        report.add("ok", "stuck", f"no stuck work ({stuck.tasks_checked} unfinished task(s) checked)")


def run_checks(path: str, *, now: float, liveness: Liveness | None = None) -> Report:
    """Every check on the file ``path``; :class:`CommandError` when it cannot be opened."""
    conn = connect(path)
    try:
        return check_all(conn, Report(path=path), now=now, liveness=liveness)
    finally:
        conn.close()


def check_all(conn, report: Report, *, now: float, liveness: Liveness | None = None) -> Report:
    """Every check through ``conn`` (a ``sqlite3.Connection``, or an
    :class:`EngineConnection` in Turso mode), each isolated from the others."""
    steps: list[tuple[str, Callable[[], None]]] = [("schema", lambda: check_schema(conn, report)),
                                                   ("integrity", lambda: check_integrity(conn, report))]
    try:
        tables = _tables(conn)
    except sqlite3.DatabaseError:
        tables = {}
    steps += [("json", lambda: check_json(conn, report, tables)),
              ("values", lambda: check_values(conn, report, tables)),
              ("dependencies", lambda: check_dependencies(conn, report, tables)),
              ("settings", lambda: check_settings(conn, report, tables))]
    if "id" in tables.get("tasks", set()):
        steps.append(("ids", lambda: check_addresses(conn, report)))
    if "deps_unmet" in tables.get("tasks", set()) and "task_counts" in tables:
        steps.append(("derived", lambda: check_derived(conn, report)))
    if ("lease_expires_at" in tables.get("tasks", ()) and "heartbeat_at" in tables.get("agents", ())
            and "expires_at" in tables.get("file_reservations", ())):
        steps.append(("claims", lambda: check_claims(conn, report, now, liveness_rule(conn, tables, liveness))))
        if {"available_at", "claimed_at"} <= tables.get("tasks", set()):
            steps.append(("stuck", lambda: check_stuck(conn, report, now, liveness_rule(conn, tables, liveness))))
    for name, step in steps:
        try:
            step()
        except sqlite3.DatabaseError as error:
            report.add("error", name, f"the {name} check could not run: {printable(error, 160)}")
    return report


class EngineConnection:
    """The part of ``sqlite3.Connection`` the checks use, over a DataLayer's
    reads (a Turso replica: its file belongs to pyturso alone).  Errors come
    out as ``sqlite3.DatabaseError``, so each check stays isolated."""

    def __init__(self, engine) -> None:
        self._engine = engine

    def execute(self, sql: str, params: tuple = ()) -> "_Rows":
        try:
            return _Rows(self._engine.rows(sql, params))
        except JetpackError as error:
            raise sqlite3.DatabaseError(str(error)) from None


class _Rows(list):
    def fetchone(self):
        return self[0] if self else None

    def fetchall(self) -> list:
        return list(self)
