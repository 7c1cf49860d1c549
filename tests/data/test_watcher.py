"""The local-mode watcher on real files, with real second processes.

Waits are on ``threading.Event``\\ s with generous timeouts, never sleeps.
Where a test must prove the file-event path (not the poll), the poll is set
to 60 s, longer than any wait: only a file event can deliver in time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from jetpack_tui.data import ClosedError, StorageError, create_local_data_layer
from jetpack_tui.data.watcher import ChangeWatcher

WAIT = 10.0
NO_POLL = 60.0


class Collector:
    """A callback that remembers what it got and signals when ``want`` arrived."""

    def __init__(self, want: set[str] | None = None) -> None:
        self.want = set(want or ())
        self.calls: list[tuple[object, int]] = []
        self.seen: set[str] = set()
        self.reloads = 0
        self.threads: set[str] = set()
        self.done = threading.Event()
        self.errors: list[BaseException] = []
        self.errored = threading.Event()

    def __call__(self, changes, cursor) -> None:
        self.calls.append((changes, cursor))
        self.threads.add(threading.current_thread().name)
        self.reloads += changes.reload
        for table in changes.tables:
            self.seen |= changes.ids(table)
        if (self.want and self.want <= self.seen) or (not self.want and changes.reload):
            self.done.set()

    def expect(self, *ids: str) -> None:
        self.want = set(ids)
        self.done.clear()
        if self.want <= self.seen:
            self.done.set()

    def on_error(self, error: BaseException) -> None:
        self.errors.append(error)
        self.errored.set()


def watcher_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("jetpack-watch")]


@pytest.fixture(autouse=True)
def no_thread_left_behind():
    yield
    assert watcher_threads() == []


#: stdlib sqlite3 in its own process (never this one: two SQLite copies in
#: one process break each other's POSIX locks and libsql then reads a stale WAL).
FOREIGN = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=10); c.execute(sys.argv[2]); c.commit()"


def foreign_write(db_path: str, sql: str) -> None:
    subprocess.run([sys.executable, "-c", FOREIGN, db_path, sql], check=True, timeout=60)


WRITER = textwrap.dedent("""
    import sys
    from jetpack_tui.data import create_local_data_layer
    with create_local_data_layer(sys.argv[1]) as dl:
        for n in range(int(sys.argv[2])):
            dl.tasks.create("from another process", id=f"proc-{n}")
""")


def test_another_process_commit_reaches_the_callback_by_file_event(dl, db_path):
    got = Collector({f"proc-{n}" for n in range(3)})
    with ChangeWatcher(dl, got, fallback_poll=NO_POLL, on_error=got.on_error) as watcher:
        subprocess.run([sys.executable, "-c", WRITER, db_path, "3"], check=True, timeout=60)
        assert got.done.wait(WAIT), got.calls
        assert got.threads == {"jetpack-watch-check"}  # never the caller's thread
        assert watcher.cursor == dl.change_cursor()
        assert watcher.last_change_at is not None
        assert all(changes.rows.get("tasks", {}).get(k) in (None, "insert") for changes, _ in got.calls
                   for k in got.want)
        assert got.errors == []
    assert not watcher.running


def test_foreign_sqlite3_writer_is_seen(dl, db_path):
    got = Collector({"sq-1"})
    with ChangeWatcher(dl, got, fallback_poll=NO_POLL, on_error=got.on_error):
        foreign_write(db_path, "INSERT INTO tasks(id, title) VALUES ('sq-1', 'via sqlite3')")
        assert got.done.wait(WAIT)
        got.expect("a-9")
        foreign_write(db_path, "INSERT INTO agents(id, name) VALUES ('a-9', 'bot')")
        assert got.done.wait(WAIT)
    assert got.errors == []


def test_fallback_poll_works_without_filesystem_events(dl, db_path):
    got = Collector({"polled"})
    with ChangeWatcher(dl, got, use_filesystem_events=False, fallback_poll=0.05) as watcher:
        assert [t.name for t in watcher_threads()] == ["jetpack-watch-check"]
        foreign_write(db_path, "INSERT INTO tasks(id, title) VALUES ('polled', 'x')")
        assert got.done.wait(WAIT)


def test_writes_of_this_process_are_delivered_too(dl):
    # PRAGMA data_version does not move for this connection's own commits;
    # the watcher confirms with the change cursor instead.
    got = Collector({"mine"})
    with ChangeWatcher(dl, got, fallback_poll=NO_POLL):
        dl.tasks.create("own write", id="mine")
        assert got.done.wait(WAIT)


def test_stop_is_prompt_and_leaves_no_thread(dl):
    watcher = ChangeWatcher(dl, Collector(), fallback_poll=NO_POLL).start()
    assert len(watcher_threads()) == 2 and watcher.running
    assert watcher.stop(timeout=2.0)  # a 60 s poll must not hold it up
    assert not watcher.running and watcher_threads() == []
    with pytest.raises(RuntimeError):
        watcher.start()


def test_stop_from_inside_the_callback(dl):
    stopped = threading.Event()
    holder: list[ChangeWatcher] = []

    def callback(changes, cursor):
        holder[0].stop()
        stopped.set()

    holder.append(ChangeWatcher(dl, callback, fallback_poll=NO_POLL).start())
    dl.tasks.create("bye")
    assert stopped.wait(WAIT)
    assert holder[0].stop(timeout=2.0) and not holder[0].running


def test_a_given_cursor_catches_up_at_once(dl):
    early = dl.change_cursor()
    dl.tasks.create("before start", id="early")
    got = Collector({"early"})
    with ChangeWatcher(dl, got, cursor=early, use_filesystem_events=False, fallback_poll=NO_POLL):
        assert got.done.wait(WAIT)


def test_pause_then_resume_delivers_what_accumulated(dl, db_path):
    got = Collector({"while-paused"})
    with ChangeWatcher(dl, got, fallback_poll=NO_POLL) as watcher:
        watcher.pause()
        assert watcher.paused
        foreign_write(db_path, "INSERT INTO tasks(id, title) VALUES ('while-paused', 'x')")
        watcher.resume()  # must wake the checker: the poll is 60 s away
        assert got.done.wait(WAIT)


def test_error_in_changes_since_is_reported_and_watching_goes_on(dl, db_path):
    got = Collector({"first"})
    with ChangeWatcher(dl, got, fallback_poll=0.2, on_error=got.on_error) as watcher:
        foreign_write(db_path, "INSERT INTO tasks(id, title) VALUES ('first', 'x')")
        assert got.done.wait(WAIT)
        foreign_write(db_path, "DROP TABLE change_log")
        assert got.errored.wait(WAIT)
        assert isinstance(got.errors[0], StorageError) and "change_log" in str(got.errors[0])
        assert watcher.running
        got.done.clear()
        got.want = set()  # now wait for a reload: the new log restarts at seq 1
        foreign_write(db_path, "CREATE TABLE change_log (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                               " tbl TEXT NOT NULL, row_id TEXT, op TEXT NOT NULL, at REAL)")
        foreign_write(db_path, "INSERT INTO tasks(id, title) VALUES ('second', 'x')")
        assert got.done.wait(WAIT) and got.reloads == 1
        assert len(got.errors) == 1  # the same error is not repeated on every poll


def test_deleted_file_is_reported_and_watching_goes_on(dl, db_path):
    got = Collector()
    aside = db_path + ".aside"
    recovered = threading.Event()
    with ChangeWatcher(dl, got, fallback_poll=0.2, on_error=got.on_error,
                       on_recovered=recovered.set) as watcher:
        os.rename(db_path, aside)
        assert got.errored.wait(WAIT)
        assert isinstance(got.errors[0], StorageError) and "deleted" in str(got.errors[0])
        assert db_path in str(got.errors[0]) and watcher.last_error is got.errors[0]
        assert not recovered.is_set()
        os.rename(aside, db_path)
        assert recovered.wait(WAIT)
        got.expect("after")
        foreign_write(db_path, "INSERT INTO tasks(id, title) VALUES ('after', 'x')")
        assert got.done.wait(WAIT) and watcher.running


def test_a_failing_callback_is_reported_and_later_changes_still_arrive(dl, db_path):
    got = Collector({"ok"})
    errored = threading.Event()
    errors: list[BaseException] = []

    def callback(changes, cursor):
        if "boom" in changes.ids("tasks"):
            raise RuntimeError("callback bug")
        got(changes, cursor)

    def on_error(error):
        errors.append(error)
        errored.set()

    with ChangeWatcher(dl, callback, fallback_poll=NO_POLL, on_error=on_error):
        dl.tasks.create("x", id="boom")
        assert errored.wait(WAIT) and str(errors[0]) == "callback bug"
        dl.tasks.create("y", id="ok")
        assert got.done.wait(WAIT) and "boom" not in got.seen


def test_closed_datalayer_ends_the_watcher(db_path):
    layer = create_local_data_layer(db_path)
    got = Collector()
    watcher = ChangeWatcher(layer, got, fallback_poll=NO_POLL, on_error=got.on_error).start()
    layer.close()
    watcher.poke()
    assert got.errored.wait(WAIT) and isinstance(got.errors[0], ClosedError)
    assert watcher.stop(timeout=2.0) and not watcher.running


def test_bad_options_are_refused(dl):
    with pytest.raises(ValueError):
        ChangeWatcher(dl, Collector(), fallback_poll=0)
    with pytest.raises(ValueError):
        ChangeWatcher(dl, Collector(), step_ms=0)
