"""Opening a database file safely: checks first, then WAL, then migrations.

Nothing is written to a file until it is known to be ours (or empty) and of a
version we understand: a newer schema, a foreign database, a file that is not
a database and a read-only file are refused with an error naming the file,
and the file is left byte-for-byte as it was.
"""

from __future__ import annotations

import os
import re
import stat
import urllib.parse

import libsql_experimental as libsql

from . import clock
from .backend import Tx
from .engine import NATIVE_BUSY_TIMEOUT_MS, LocalEngine
from .errors import ReadOnlyError, SchemaMismatchError, StorageError
from .schema import MIGRATIONS, SEED_COLUMNS, latest_version, statements

SQLITE_HEADER = b"SQLite format 3\x00"
#: SQLite's own busy wait holds the GIL (the UI freezes meanwhile: 110-476 ms
#: stalls measured at 100 ms); keep it short and let the engine's back-off,
#: which sleeps without the GIL, do the long waits.
BUSY_TIMEOUT_SQL = f"PRAGMA busy_timeout = {NATIVE_BUSY_TIMEOUT_MS}"


def _check_file(path: str, read_only: bool) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        if read_only:
            raise StorageError(f"{path}: no such database (folder {folder} does not exist)")
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as error:
            raise StorageError(f"{path}: cannot create folder {folder}: {error.strerror}") from None
    if not os.path.exists(path):
        if read_only:
            raise StorageError(f"{path}: no such database file")
        if not os.access(folder, os.W_OK):
            raise ReadOnlyError(f"{path}: folder {folder} is not writable")
        return
    if not os.path.isfile(path):
        raise SchemaMismatchError(f"{path}: is not a regular file")
    with open(path, "rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header and header != SQLITE_HEADER:
        raise SchemaMismatchError(f"{path}: is not a SQLite/libSQL database")
    if not read_only:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        # Root may write anything; a file with no write bit is still meant read-only.
        if not os.access(path, os.W_OK) or mode & 0o222 == 0:
            raise ReadOnlyError(f"{path}: the file is read-only (open it with read_only=True)")
        if not os.access(folder, os.W_OK):
            raise ReadOnlyError(f"{path}: folder {folder} is not writable (WAL needs it)")


def _read_only_connect(path: str, read_only: bool):
    """A read-only DataLayer's connection is read-only in SQLite itself
    (``mode=ro``): ``PRAGMA query_only = 0`` through ``dl.engine`` cannot
    turn it into a writer.  On a read-only folder or mount a WAL database
    cannot make its ``-shm`` beside it, so a plain read-only open fails
    ("unable to open database file"); nobody can write there, so it is read
    as an immutable snapshot."""
    if not read_only:
        return None
    folder = os.path.dirname(os.path.abspath(path))
    base = "file:" + urllib.parse.quote(os.path.abspath(path))
    if os.access(folder, os.W_OK) or os.path.exists(path + "-shm"):
        return lambda _path: libsql.connect(base + "?mode=ro", isolation_level=None)
    return lambda _path: libsql.connect(base + "?immutable=1", isolation_level=None)


def _tables(tx: Tx) -> dict[str, set[str]]:
    names = [r[0] for r in tx.rows("SELECT name FROM sqlite_master WHERE type='table'")]
    return {
        name: {col[0] for col in tx.rows("SELECT name FROM pragma_table_info(?)", (name,))}
        for name in names
    }


def installed_version(tx: Tx, path: str) -> int:
    """0 for an empty or seed-only database; refuses anything foreign or newer."""
    tables = _tables(tx)
    if "jetpack_meta" in tables:
        raw = tx.value("SELECT value FROM jetpack_meta WHERE key='schema_version'")
        try:
            version = int(raw)
        except (TypeError, ValueError):
            raise SchemaMismatchError(f"{path}: unreadable schema version {raw!r}") from None
        if version > latest_version():
            raise SchemaMismatchError(
                f"{path}: schema version {version} is newer than this jetpack-tui "
                f"understands ({latest_version()}); upgrade jetpack-tui"
            )
    else:
        version = 0
    for table, needed in SEED_COLUMNS.items():
        if table in tables:
            missing = [c for c in needed if c not in tables[table]]
            if missing:
                raise SchemaMismatchError(
                    f"{path}: table {table!r} lacks the columns {', '.join(missing)}; "
                    "this is not a Jetpack database"
                )
    if version == 0:
        ours = set(SEED_COLUMNS) | {"jetpack_meta", "sqlite_sequence"}
        # sqlite_*, turso_* and __turso_* are the engines' own (Turso sync metadata, CDC).
        foreign = sorted(t for t in tables if t not in ours and not t.startswith(("sqlite_", "turso_", "__turso_")))
        if foreign and not (set(SEED_COLUMNS) & set(tables)):
            raise SchemaMismatchError(
                f"{path}: holds other tables ({', '.join(foreign[:5])}) and none of Jetpack's"
            )
    return version


_ADD_COLUMN = re.compile(r"^\s*ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+(\w+)", re.IGNORECASE)


def _adds_existing_column(tx: Tx, sql: str) -> bool:
    """Migrations are re-runnable: a column that is already there (a tool
    reset the recorded version, or added it by hand) is not added twice."""
    found = _ADD_COLUMN.match(sql)
    return bool(found) and bool(tx.value("SELECT 1 FROM pragma_table_info(?) WHERE name = ?",
                                         (found.group(1), found.group(2))))


def migrate(tx: Tx, path: str) -> int:
    """Apply every pending migration (called inside one write transaction)."""
    current = installed_version(tx, path)
    tx.execute("CREATE TABLE IF NOT EXISTS jetpack_meta (key TEXT PRIMARY KEY, value TEXT)")
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        for sql in statements(migration.sql):
            if not _adds_existing_column(tx, sql):
                tx.execute(sql)
        tx.execute(
            "INSERT INTO jetpack_meta(key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(migration.version),),
        )
        tx.execute(
            "INSERT INTO jetpack_meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (f"migration.{migration.version}", f"{migration.name} @ {clock.to_db_text(clock.now())}"),
        )
        current = migration.version
    return current


def open_engine(path: str, *, read_only: bool = False, busy_deadline: float = 10.0,
                single_thread: bool = False) -> LocalEngine:
    """Open (creating if needed) and upgrade a Jetpack database file."""
    path = os.fspath(path)
    _check_file(path, read_only)
    engine = LocalEngine(path, read_only=read_only, busy_deadline=busy_deadline, single_thread=single_thread,
                    connect=_read_only_connect(path, read_only))
    try:
        engine.run(lambda: engine.read(lambda tx: tx.rows(BUSY_TIMEOUT_SQL)))
        version = engine.read(lambda tx: installed_version(tx, path))
        if read_only:
            if version < latest_version():
                raise SchemaMismatchError(
                    f"{path}: schema version {version} needs an upgrade to "
                    f"{latest_version()}; open it once without --read-only"
                )
            engine.read(lambda tx: tx.rows("PRAGMA query_only = 1"))
            return engine
        engine.read(lambda tx: tx.rows("PRAGMA journal_mode = WAL"))
        engine.read(lambda tx: tx.rows("PRAGMA synchronous = NORMAL"))
        if version < latest_version():
            engine.write(lambda tx: migrate(tx, path))
        return engine
    except BaseException:
        engine.close()
        raise
