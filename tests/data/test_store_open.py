"""Opening a store: creation, upgrade, and refusals that leave the file untouched."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat

import pytest

from jetpack_tui.data import (
    ReadOnlyError,
    SchemaMismatchError,
    StorageError,
    create_local_data_layer,
)
from jetpack_tui.data.schema import SEED_SQL, latest_version


def digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_creates_folder_file_and_schema(tmp_path):
    path = tmp_path / "deep" / "er" / "jetpack.db"
    with create_local_data_layer(path) as dl:
        assert dl.schema_version() == latest_version()
        assert dl.engine.value("PRAGMA journal_mode") == "wal"
        assert dl.mode == "local" and dl.location == str(path)
    assert path.exists()


def test_seed_columns_are_kept_verbatim(dl):
    columns = {row[1]: row[2] for row in dl.engine.rows("PRAGMA table_info(memories)")}
    assert columns["embedding"] == "F32_BLOB(1536)"
    task_cols = [row[1] for row in dl.engine.rows("PRAGMA table_info(tasks)")]
    assert task_cols[:10] == ["id", "parent_id", "title", "status", "priority", "required_skills",
                              "dependencies", "claimed_by", "session_id", "created_at"]


def test_reopening_is_idempotent(db_path):
    create_local_data_layer(db_path).close()
    with create_local_data_layer(db_path) as dl:
        assert dl.schema_version() == latest_version()


def test_seed_only_database_is_upgraded_in_place(tmp_path):
    path = str(tmp_path / "seed.db")
    conn = sqlite3.connect(path)
    conn.executescript(SEED_SQL)
    conn.execute("INSERT INTO tasks(id, title, required_skills) VALUES ('t1', 'from the seed', '[\"py\"]')")
    conn.commit()
    conn.close()
    with create_local_data_layer(path) as dl:
        task = dl.tasks.get("t1")
        assert task.title == "from the seed" and task.status == "pending" and task.version == 1
        assert task.required_skills == ["py"]
        assert dl.schema_version() == latest_version()


def test_newer_schema_is_refused_and_file_unchanged(db_path):
    create_local_data_layer(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE jetpack_meta SET value = '999' WHERE key = 'schema_version'")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = digest(db_path)
    with pytest.raises(SchemaMismatchError, match="newer") as info:
        create_local_data_layer(db_path)
    assert db_path in str(info.value)
    assert digest(db_path) == before


def test_foreign_tasks_table_is_refused_and_unchanged(tmp_path):
    path = str(tmp_path / "foreign.db")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO tasks(name) VALUES ('not ours')")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(SchemaMismatchError, match="lacks the columns") as info:
        create_local_data_layer(path)
    assert path in str(info.value)
    assert digest(path) == before
    assert not os.path.exists(path + "-wal")


def test_unrelated_database_is_refused(tmp_path):
    path = str(tmp_path / "other.db")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(SchemaMismatchError, match="none of Jetpack"):
        create_local_data_layer(path)
    assert digest(path) == before


def test_not_a_database_is_refused_and_unchanged(tmp_path):
    path = str(tmp_path / "notes.db")
    with open(path, "w") as handle:
        handle.write("these are my notes, not a database\n" * 50)
    before = digest(path)
    with pytest.raises(SchemaMismatchError, match="not a SQLite") as info:
        create_local_data_layer(path)
    assert path in str(info.value)
    assert digest(path) == before


def test_folder_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("I am a file, not a folder")
    path = str(blocker / "sub" / "jetpack.db")
    with pytest.raises(StorageError, match="cannot create folder") as info:
        create_local_data_layer(path)
    assert path in str(info.value)


def test_read_only_file_is_refused_for_writing_and_unchanged(db_path):
    with create_local_data_layer(db_path) as dl:
        dl.tasks.create("kept")
    os.chmod(db_path, stat.S_IRUSR | stat.S_IRGRP)
    try:
        before = digest(db_path)
        with pytest.raises(ReadOnlyError, match="read-only") as info:
            create_local_data_layer(db_path)
        assert db_path in str(info.value)
        assert digest(db_path) == before
        with create_local_data_layer(db_path, read_only=True) as ro:
            assert [t.title for t in ro.tasks.list()] == ["kept"]
    finally:
        os.chmod(db_path, stat.S_IRUSR | stat.S_IWUSR)


def test_read_only_mode_refuses_writes(db_path):
    create_local_data_layer(db_path).close()
    with create_local_data_layer(db_path, read_only=True) as ro:
        with pytest.raises(ReadOnlyError):
            ro.tasks.create("nope")
        with pytest.raises(ReadOnlyError):
            ro.agents.register("a")
        assert ro.tasks.list() == []


def test_read_only_on_missing_file_is_refused(tmp_path):
    path = str(tmp_path / "missing.db")
    with pytest.raises(StorageError, match="no such database"):
        create_local_data_layer(path, read_only=True)
    assert not os.path.exists(path)


def test_closed_layer_raises_typed_error(db_path):
    from jetpack_tui.data import ClosedError

    dl = create_local_data_layer(db_path)
    dl.close()
    with pytest.raises(ClosedError):
        dl.tasks.list()
    dl.close()  # idempotent
