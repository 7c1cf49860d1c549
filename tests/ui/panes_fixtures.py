"""Fixtures for the pane tests: a frozen clock, deterministic ids, a seeded
swarm in a real libSQL file, and bounded waits (never fixed sleeps).

The clock is frozen by replacing ``jetpack_tui.data.clock.now`` (every
DataLayer module reads time through it) and handing the same clock to the
app, so ages, liveness and expiry are identical on every run; ids come from
a counter instead of random bits so snapshots are stable.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.data import clock as data_clock
from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.embedders import HashEmbedder

#: 2026-01-18 10:00:00 UTC.
T0 = 1768730400.0
OPERATOR = "operator"
SIZE = (130, 34)


class FakeClock:
    def __init__(self, start: float = T0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def set(self, moment: float) -> None:
        self.t = moment

    def advance(self, seconds: float) -> None:
        self.t += seconds


def freeze(monkeypatch: Any, start: float = T0) -> FakeClock:
    """Freeze DataLayer time and make ids sequential (``msg-0001``…)."""
    fake = FakeClock(start)
    monkeypatch.setattr(data_clock, "now", fake)
    counter = itertools.count(1)

    def new_id(prefix: str) -> str:
        return f"{prefix}-{next(counter):04d}"

    import jetpack_tui.data.mail_rows as mail_rows
    import jetpack_tui.data.memories as memories
    import jetpack_tui.data.reservations as reservations
    import jetpack_tui.data.tasks as tasks

    for module in (mail_rows, memories, reservations, tasks):
        monkeypatch.setattr(module, "new_id", new_id)
    return fake


def open_dl(path: str, **kwargs: Any) -> Any:
    kwargs.setdefault("embedder", HashEmbedder())
    return create_local_data_layer(path, lease_ttl=600, retry_base=0.05, **kwargs)


def make_app(dl: Any, clock: Callable[[], float], *, pane: str, watch: bool = False, **settings: Any) -> Any:
    from jetpack_tui.ui.app import JetpackApp

    values = {"operator": OPERATOR, "stale_after": 30.0, "dead_after": 120.0, "poll_interval": 0.1, **settings}
    return JetpackApp(dl, settings=Settings(**values), clock=clock, watch=watch, start_pane=pane)


async def wait_for(pilot: Any, predicate: Callable[[], Any], *, timeout: float = 20.0, what: str = "") -> Any:
    """Poll ``predicate`` between pilot pauses until it is truthy (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.02)


async def settle(pilot: Any, pane_id: str | None = None) -> None:
    """Wait until the refresh worker is idle and the pane has data."""
    app = pilot.app

    def ready() -> bool:
        if app.refresher.busy:
            return False
        if pane_id is None:
            return True
        pane = app.dashboard.query_one(f"#pane-{pane_id}")
        return pane.loaded and not pane.stale

    await wait_for(pilot, ready, what=f"pane {pane_id} loaded")
    await pilot.pause()


def raw_sql(path: str, sql: str, params: tuple = ()) -> None:
    """Write what another client might (broken JSON, odd text) with the stdlib driver."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def seed_swarm(dl: Any, clock: FakeClock) -> dict[str, Any]:
    """A small deterministic swarm; the clock ends at :data:`T0`."""
    out: dict[str, Any] = {}
    clock.set(T0 - 13 * 3600)
    for agent, skills in (("ada", ["python", "sql"]), ("bob", ["docs"]), ("cyd", ["python"]), ("dee", ["ops"])):
        dl.agents.register(agent, skills=skills)
    # completions spread over the last hours (for the per-hour histogram)
    for hour, n in ((11, 1), (7, 2), (3, 1), (1, 3), (0, 2)):
        for i in range(n):
            clock.set(T0 - hour * 3600 - 600 - i * 60)
            task = dl.tasks.create(f"done {hour}h #{i}", id=f"done-{hour}-{i}")
            claimed = dl.tasks.claim("ada", task.id)
            dl.tasks.complete(task.id, "ada", claimed.claim_token, result={"ok": True})
    clock.set(T0 - 900)
    dl.tasks.create("Write the parser", id="task-parse", priority="high", required_skills=["python"])
    dl.tasks.create("Document [bold]markup[/bold] rules", id="task-docs", priority="low")
    dl.tasks.create("Blocked on parse", id="task-blocked", dependencies=["task-parse"])
    held = dl.tasks.claim("cyd", "task-parse")
    out["cyd_token"] = held.claim_token
    dl.reservations.reserve("cyd", "src/parser/**", "edit", task_id="task-parse")
    dl.leases.acquire("deploy-lock", "cyd", ttl=3600)
    clock.set(T0 - 600)
    dl.tasks.create("Short lease", id="task-lease")
    short = dl.tasks.claim("bob", "task-lease", ttl=60)
    out["bob_token"] = short.claim_token
    dl.reservations.reserve("ada", "src/parser/lexer.py", "edit")
    dl.reservations.reserve("bob", "docs/*.md", "read", ttl=3600)
    dl.reservations.reserve("dee", "ops/deploy.sh", "edit", ttl=120)
    # mail: a help thread, an operator reply, a broadcast
    help_msg = dl.messages.send("ada", OPERATOR, "task.help_needed",
                                {"task_id": "task-parse", "question": "which grammar?", "options": ["peg", "lalr"]},
                                task_id="task-parse")
    out["help_thread"] = help_msg.thread_id
    clock.set(T0 - 300)
    dl.messages.send(OPERATOR, "ada", "operator.message", {"text": "use the PEG grammar"},
                     thread_id=help_msg.thread_id)
    dl.messages.broadcast("bob", "agent.started", {"text": "[red]hello[/red] everyone"})
    # memories
    clock.set(T0 - 200)
    for content, kind, importance, agent in (
        ("The parser uses a PEG grammar; left recursion is rewritten.", "decision", 0.9, "ada"),
        ("Run the migrations before the tests or the schema check fails.", "learning", 0.7, "bob"),
        ("Deploy script needs OPS_TOKEN set in the environment.", "fact", 0.4, "dee"),
        ("PEG parsers backtrack; memoise rules to keep them linear.", "pattern", 0.6, "ada"),
    ):
        dl.memories.store(content, type=kind, importance=importance, agent_id=agent, task_id="task-parse")
    # heartbeats: ada alive, bob stale, cyd dead, dee never again since registering (dead)
    clock.set(T0 - 1000)
    dl.agents.heartbeat("cyd")
    clock.set(T0 - 60)
    dl.agents.heartbeat("bob", status="working", current_task="task-lease")
    clock.set(T0 - 5)
    dl.agents.heartbeat("ada", status="working")
    clock.set(T0)
    return out


@dataclass
class Swarm:
    """A seeded database, its DataLayer and a factory of apps on it."""

    path: str
    dl: Any
    clock: FakeClock
    seeded: dict[str, Any]
    apps: list[Any] = field(default_factory=list)

    def app(self, pane: str, **settings: Any) -> Any:
        read_only = settings.pop("read_only", False)
        dl = self.dl if not read_only else open_dl(self.path, read_only=True)
        if read_only:
            self.apps.append(dl)
        return make_app(dl, self.clock, pane=pane, **settings)


@pytest.fixture
def swarm(tmp_path, monkeypatch):
    """The seeded swarm at ``./jetpack.db`` inside ``tmp_path`` (a relative
    path, so the status line reads the same on every run)."""
    clock = freeze(monkeypatch)
    monkeypatch.chdir(tmp_path)
    path = "jetpack.db"
    dl = open_dl(path)
    seeded = seed_swarm(dl, clock)
    made = Swarm(path=path, dl=dl, clock=clock, seeded=seeded)
    yield made
    for extra in made.apps:
        extra.close()
    dl.close()


def screen_text(app: Any) -> str:
    """Every Static/cell text of the current screen, for "is it visible" checks."""
    from textual.widgets import DataTable, Static

    parts: list[str] = []
    for widget in app.screen.query("*"):
        if isinstance(widget, DataTable):
            for row in range(widget.row_count):
                parts.append(" ".join(str(getattr(c, "plain", c)) for c in widget.get_row_at(row)))
        elif isinstance(widget, Static):
            rendered = widget.render()
            parts.append(getattr(rendered, "plain", str(rendered)))
    return "\n".join(parts)
