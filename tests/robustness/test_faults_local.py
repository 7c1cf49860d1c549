"""Faults around a local database file: another process holding the lock,
the file deleted or replaced while open, a read-only file or folder, a full
disk.  Each time: a typed error that says what happened, no lost or half
written data, and the database still whole (``PRAGMA integrity_check``).

The 30 s lock version is ``bench/faults/lock_30s.py`` (too slow for the suite).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading

import pytest

from jetpack_tui.data import ReadOnlyError, StorageBusyError, StorageError, create_local_data_layer

from .attacks import logical_checksum
from .conftest import Locker, integrity, remount_read_only, tmpfs


# -- the database locked by another process ------------------------------------------------------------

def test_a_write_waits_reports_and_then_fails_clearly_while_locked(db_path):
    dl = create_local_data_layer(db_path, busy_deadline=1.5, lease_ttl=60)
    dl.tasks.create("held up", id="T1")
    waits: list[float] = []
    dl.engine.on_busy = waits.append
    try:
        with Locker(db_path):
            assert dl.tasks.count() == 1  # WAL: readers are not blocked by the writer's lock
            with pytest.raises(StorageBusyError, match="stayed locked by another process for 1.[5-9] s"):
                dl.tasks.claim("agent-a", "T1")
            with pytest.raises(StorageBusyError):
                dl.messages.broadcast("agent-a", "agent.note", {"n": 1})
        assert waits and 0.5 < min(waits) and max(waits) < 2.5  # "waiting for the lock" was reported
        task = dl.tasks.get("T1")
        assert (task.status, task.claimed_by, task.attempts) == ("pending", None, 0)  # nothing half done
        assert dl.messages.count() == 0
        assert dl.tasks.claim("agent-a", "T1").claimed_by == "agent-a"  # and it works once released
    finally:
        dl.close()
    assert integrity(db_path) == "ok"


def test_a_write_waiting_for_the_lock_goes_through_when_it_is_released(db_path):
    dl = create_local_data_layer(db_path, busy_deadline=30)
    waiting = threading.Event()
    dl.engine.on_busy = lambda waited: waiting.set()
    result: dict = {}
    try:
        with Locker(db_path) as lock:
            worker = threading.Thread(target=lambda: result.update(task=dl.tasks.create("patient")))
            worker.start()
            assert waiting.wait(timeout=20), "the write never reported waiting"
            assert "task" not in result
            lock.release()
            worker.join(timeout=30)
        assert result["task"].title == "patient" and dl.tasks.count() == 1
    finally:
        dl.close()


# -- the file deleted or replaced under an open DataLayer -------------------------------------------------

def test_writes_are_refused_after_the_file_is_deleted(db_path):
    dl = create_local_data_layer(db_path)
    try:
        dl.tasks.create("kept", id="T1")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                os.unlink(db_path + suffix)
        with pytest.raises(StorageError, match="deleted or replaced while open"):
            dl.tasks.create("would be lost")
        with pytest.raises(StorageError, match="deleted or replaced"):
            dl.tasks.claim("agent-a")
        assert dl.tasks.get("T1").title == "kept"  # what is open can still be read
    finally:
        dl.close()
    assert not os.path.exists(db_path)


def test_writes_are_refused_after_the_file_is_replaced(db_path, tmp_path):
    other = str(tmp_path / "other.db")
    with create_local_data_layer(other) as elsewhere:
        elsewhere.tasks.create("from the new file", id="NEW")
    dl = create_local_data_layer(db_path)
    try:
        dl.tasks.create("old file", id="OLD")
        for suffix in ("-wal", "-shm"):  # a careful tool moves the old file's WAL away too
            os.unlink(db_path + suffix)
        os.replace(other, db_path)
        with pytest.raises(StorageError, match="deleted or replaced while open"):
            dl.tasks.update("OLD", title="lost")
        with create_local_data_layer(db_path) as reopened:
            assert [t.id for t in reopened.tasks.list()] == ["NEW"]
            reopened.tasks.create("the new file takes writes")
    finally:
        dl.close()
    assert integrity(db_path) == "ok"


# -- read-only file and folder ---------------------------------------------------------------------------

def test_a_read_only_file_opens_read_only_and_is_never_written(db_path):
    with create_local_data_layer(db_path) as dl:
        dl.tasks.create("frozen", id="T1")
    os.chmod(db_path, 0o444)
    before = logical_checksum(db_path)
    with pytest.raises(ReadOnlyError, match="read-only"):
        create_local_data_layer(db_path)
    with create_local_data_layer(db_path, read_only=True) as dl:
        assert dl.tasks.get("T1").title == "frozen"
        with pytest.raises(ReadOnlyError):
            dl.tasks.create("no")
    assert logical_checksum(db_path) == before


def test_a_database_on_a_read_only_mount_is_shown_as_a_snapshot(tmp_path):
    with tmpfs(tmp_path / "ro", "4m") as mount:
        assert mount is not None, "tmpfs mount failed: this test needs root (it runs as root here and on CI)"
        path = str(mount / "jetpack.db")
        with create_local_data_layer(path) as dl:
            dl.tasks.create("on a read-only medium", id="T1")
        remount_read_only(mount)
        with pytest.raises(ReadOnlyError, match="read-only"):
            create_local_data_layer(path)
        with create_local_data_layer(path, read_only=True) as dl:  # no -shm can be made beside it
            assert dl.tasks.get("T1").title == "on a read-only medium"
            with pytest.raises(ReadOnlyError):
                dl.agents.register("nobody")


# -- a full disk ------------------------------------------------------------------------------------------------

FILLER = r"""
import json, sys
from jetpack_tui.data import JetpackError, create_local_data_layer
path = sys.argv[1]
written, error = 0, None
with create_local_data_layer(path) as dl:
    try:
        while written < 100000:
            dl.tasks.create("x" * 4000, id=f"F-{written:06d}")
            written += 1
    except JetpackError as e:
        error = [type(e).__name__, str(e)]
    try:
        readable = dl.tasks.count()
    except JetpackError as e:
        readable = repr(e)
print(json.dumps({"written": written, "error": error, "readable": readable}))
"""


def _fill(path: str, fsize_limit: int | None = None) -> dict:
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of dying
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))

    done = subprocess.run([sys.executable, "-c", FILLER, path], capture_output=True, text=True, timeout=120,
                          preexec_fn=limit if fsize_limit else None)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_a_full_disk_fails_writes_clearly_and_loses_nothing(tmp_path):
    with tmpfs(tmp_path / "small", "2m") as mount:
        if mount is not None:
            path = str(mount / "jetpack.db")
            with create_local_data_layer(path):
                pass
            balloon = mount / "balloon"
            balloon.write_bytes(b"\0" * 256 * 1024)
            report = _fill(path)
        else:  # no mount possible: a child process whose files may not grow past a limit (EFBIG)
            print("tmpfs mount impossible: disk-full simulated with RLIMIT_FSIZE in the child")
            path = str(tmp_path / "limited" / "jetpack.db")
            with create_local_data_layer(path):
                pass
            balloon = None
            report = _fill(path, fsize_limit=2 * 1024 * 1024)
        kind, message = report["error"]
        assert kind == "StorageError" and ("full" in message or "disk" in message), report
        assert report["readable"] == report["written"] > 10  # committed rows are all there, reads go on
        assert integrity(path) == "ok"
        if balloon is not None:
            balloon.unlink()  # space comes back: writes work again
        with create_local_data_layer(path) as dl:
            assert dl.tasks.count() == report["written"]
            dl.tasks.create("after the disk had room again")
            assert dl.tasks.count() == report["written"] + 1
        assert integrity(path) == "ok"


def test_a_watcher_started_after_the_file_was_deleted_reports_it(db_path):
    from jetpack_tui.data.watcher import ChangeWatcher

    errors: list[BaseException] = []
    reported = threading.Event()
    dl = create_local_data_layer(db_path)
    try:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                os.unlink(db_path + suffix)

        def on_error(error: BaseException) -> None:
            errors.append(error)
            reported.set()

        with ChangeWatcher(dl, lambda changes, cursor: None, fallback_poll=0.05, on_error=on_error):
            assert reported.wait(timeout=10), "a deleted file was never reported"
        assert "was deleted" in str(errors[0])
    finally:
        dl.close()
