"""Shared helpers of the attack suite: a template database, every read path.

``read_everything(dl)`` calls every public read method of every
sub-interface (with the rows it finds as arguments), so a bad row that
breaks any of them shows up as an exception here.  Reads are bounded: the
first :data:`PER_KIND` rows of each kind plus the attacked row itself.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from typing import Any

import pytest

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.tasks import SORTABLE as TASK_SORTS
from jetpack_tui.data.memories import SORTABLE as MEMORY_SORTS

from .attacks import Attack

PER_KIND = 25


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> str:
    """An empty, fully migrated database, made once and copied per test."""
    path = str(tmp_path_factory.mktemp("template") / "jetpack.db")
    layer = create_local_data_layer(path)
    layer.agents.register("ext-agent", skills=["python"])
    layer.agents.register("ext-peer")
    layer.close()
    return path


def copy_template(template: str, folder) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = str(folder / "jetpack.db")
    shutil.copyfile(template, path)
    return path


def _first(items: list[Any], key: Any, extra: Any) -> list[Any]:
    chosen = [key(i) for i in items[:PER_KIND]]
    if extra is not None and extra not in chosen:
        chosen.append(extra)
    return chosen


def lookup(dl: Any, table: str, key: str) -> Any:
    """The decoded model of one row, fetched the way a screen would."""
    if table == "tasks":
        return dl.tasks.get(key)
    if table == "agents":
        return dl.agents.get(key)
    if table == "messages":
        return dl.messages.get(key)
    if table == "file_reservations":
        return dl.reservations.get(key)
    if table == "memories":
        return dl.memories.get(key, with_embedding=True)
    if table == "leases":
        return dl.leases.inspect(key)
    raise AssertionError(f"unknown table {table}")


def listed_keys(dl: Any, table: str) -> set[str]:
    """Keys of every row the listing views of ``table`` show (unfiltered)."""
    if table == "tasks":
        return {t.id for t in dl.tasks.list(limit=None, exclude_status=())}
    if table == "agents":
        return {a.id for a in dl.agents.list()}
    if table == "messages":
        return {m.id for m in dl.messages.list(limit=20_000)}
    if table == "file_reservations":
        return {r.id for r in dl.reservations.list(active_only=False)}
    if table == "memories":
        return {m.id for m in dl.memories.list(limit=None)}
    if table == "leases":
        return {lease.resource for lease in dl.leases.list(live_only=False)}
    raise AssertionError(table)


def read_everything(dl: Any, attack: Attack | None = None) -> dict[str, Any]:
    """Call every read path; returns a few results for the caller to inspect."""
    focus = attack.key if attack is not None else None
    table = attack.table if attack is not None else None
    out: dict[str, Any] = {}

    # change feed and file facts
    out["changes"] = dl.changes_since(None)
    dl.changes_since(0)
    dl.change_cursor(), dl.data_version(), dl.schema_version()

    # tasks
    tasks = dl.tasks
    for order in TASK_SORTS:
        for descending in (False, True):
            tasks.list(order_by=order, descending=descending, limit=50)
    tasks.list(ready=True, limit=50), tasks.list(ready=False, limit=50)
    tasks.list(text="[", limit=50), tasks.list(text="\x1b", limit=50)
    tasks.list(status=["zombie", "pending"], limit=50), tasks.list(exclude_status=["completed"], limit=50)
    tasks.count(), tasks.count(ready=True), tasks.counts_by_status()
    all_tasks = tasks.list(limit=None)
    task_ids = _first(all_tasks, lambda t: t.id, focus if table == "tasks" else None)
    tasks.get_many(task_ids)
    for task_id in task_ids:
        tasks.get(task_id), tasks.find(task_id), tasks.blockers(task_id), tasks.history(task_id)
        tasks.children(task_id), dl.memories.get_task_context(task_id, k=3)
        dl.messages.for_task(task_id, limit=20), dl.reservations.list(task_id=task_id, active_only=False)
    out["tasks"] = all_tasks

    # agents
    agents = dl.agents.list()
    for liveness in ("alive", "stale", "dead"):
        dl.agents.list(liveness=liveness)
    dl.agents.liveness_counts(), dl.agents.orphaned_tasks()
    agent_ids = _first(agents, lambda a: a.id, focus if table == "agents" else None)
    dl.agents.get_many(agent_ids)
    for agent_id in agent_ids:
        if agent_id is not None:
            dl.agents.find(agent_id), dl.messages.receive(agent_id or "x", limit=20)
            dl.reservations.list(agent_id=agent_id), dl.leases.list(agent_id=agent_id, live_only=False)
    out["agents"] = agents

    # leases
    leases = dl.leases.list(live_only=False)
    dl.leases.list()
    for lease in leases[:PER_KIND]:
        dl.leases.inspect(lease.resource)

    # mail
    messages = dl.messages.list(limit=200)
    dl.messages.list(newest_first=False, limit=50), dl.messages.list(type="agent.*", limit=50)
    dl.messages.list(since="2026-01-01", limit=50)
    dl.messages.count(), dl.messages.unread_count(), dl.messages.unacked_count()
    threads = dl.messages.threads(limit=100)
    dl.messages.threads(agent="ext-peer", limit=50), dl.messages.thread_count()
    dl.messages.thread_count(agent="ext-peer")
    message_ids = _first(messages, lambda m: m.id, focus if table == "messages" else None)
    for message_id in message_ids:
        dl.messages.find(message_id) if hasattr(dl.messages, "find") else None
        try:
            found = dl.messages.get(message_id)
        except Exception as error:  # noqa: BLE001 - NotFound is fine only for a missing key
            if message_id == focus:
                raise
            raise AssertionError(f"listed message {message_id!r} cannot be read: {error!r}") from error
        dl.messages.deliveries(message_id), dl.messages.thread(found.thread_id)
    for thread in threads[:PER_KIND]:
        dl.messages.thread(thread.id)
    out["messages"] = messages

    # reservations
    reservations = dl.reservations.list(active_only=False)
    dl.reservations.list(), dl.reservations.count(), dl.reservations.conflicts()
    dl.reservations.list(path_contains="[", active_only=False)
    dl.reservations.check("ext-checker", "src/**", "edit")
    for reservation in reservations[:PER_KIND]:
        dl.reservations.get(reservation.id)
    if table == "file_reservations" and focus:
        dl.reservations.get(focus)

    # memories
    memories = dl.memories
    for order in MEMORY_SORTS:
        memories.list(order_by=order, limit=50)
    memories.list(min_importance=0.5, limit=50), memories.list(text="[", limit=50)
    memories.count(), memories.counts_by_type()
    memories.search("vector memory text markup", k=10)
    memories.search("x", embedding=[1.0] * 1536, embedder_name="hash-v1:1536", k=10)
    memory_rows = memories.list(limit=None)
    memory_ids = _first(memory_rows, lambda m: m.id, focus if table == "memories" else None)
    memories.get_many(memory_ids)
    for memory_id in memory_ids:
        memories.get(memory_id, with_embedding=True), memories.similar(memory_id, k=5)
    out["memories"] = memory_rows
    return out


# -- small filesystems for the fault tests ------------------------------------------------------


@contextlib.contextmanager
def tmpfs(folder, size: str, *, read_only: bool = False):
    """Mount a tmpfs of ``size`` at ``folder``; yields ``None`` when mounting is impossible.
    (Root can mount here and on CI; the caller falls back otherwise and says so.)"""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def remount_read_only(folder) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)


def integrity(path: str) -> str:
    """``PRAGMA integrity_check`` answered by another process (stdlib driver)."""
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " print(c.execute('PRAGMA integrity_check').fetchone()[0])")
    return subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


class Locker:
    """Another process holding the database's write lock (``BEGIN EXCLUSIVE``) until released."""

    SCRIPT = ("import sqlite3, sys\n"
              "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
              "conn.execute('BEGIN EXCLUSIVE')\n"
              "print('locked', flush=True)\n"
              "sys.stdin.readline()\n"
              "conn.execute('ROLLBACK')\n"
              "conn.close()\n")

    def __init__(self, path: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", self.SCRIPT, path], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)

    def __enter__(self) -> "Locker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@pytest.fixture
def anyio_backend():
    """The dashboard tests run on asyncio (Textual's loop)."""
    return "asyncio"
