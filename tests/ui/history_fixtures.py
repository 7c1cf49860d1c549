"""A database with a known, constructed history, for the dashboard's insight tests.

The audit log is written as data (``tests/insight/scenario.py``: the exact
``task_events`` rows, ids and times chosen here), so every past moment the
dashboard shows can be compared with a plain replay of what was constructed.
Five tasks, two agents, fifteen minutes::

    a ─▶ b ─▶ c        d needs "cobol" (no agent has it: stuck)
                       e fails for good in bob's hands
      0  all five created
     60  a claimed by ada, 61 in progress, 600 completed
    120  e claimed by bob, 121 in progress, 300 failed (bob keeps it)
    700  b claimed by ada, 701 in progress
    ada beats every 10 s until the end; bob stops at 320 (dead from 440)

The DataLayer's clock and the app's clock are both frozen at :data:`NOW`.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

from jetpack_tui.config import Settings
from jetpack_tui.data import clock as data_clock
from jetpack_tui.data import create_local_data_layer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "insight"))
from scenario import T0, Scenario  # noqa: E402 - the insight tests' constructor of histories

NOW = T0 + 900.0
LATEST = T0 + 701.0


def scenario() -> Scenario:
    s = Scenario()
    s.create(0, "a", skills=("python",), title="Parse the input")
    s.create(0, "b", deps=("a",), skills=("python",), title="Validate [bold]rows[/bold]")
    s.create(0, "c", deps=("b",), title="Report")
    s.create(0, "d", skills=("cobol",), title="Port the mainframe job")
    s.create(0, "e", skills=("python",), title="Flaky import")
    s.run(60, "a", "ada", took=540)
    s.run(120, "e", "bob", took=180, done="failed")
    s.event(700, "b", "claimed", "ada")
    s.event(701, "b", "in_progress", "ada")
    s.beat("ada", 0, 900)
    s.beat("bob", 0, 320)
    return s


class Clock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def history(tmp_path, monkeypatch):
    """``(scenario, path)``: the history written into ``h.db`` (the DataLayer's clock frozen at NOW)."""
    clock = Clock(T0 - 60)
    monkeypatch.setattr(data_clock, "now", clock)
    path = str(tmp_path / "h.db")
    dl = create_local_data_layer(path, lease_ttl=3600)
    try:
        dl.agents.register("ada", skills=["python"])
        dl.agents.register("bob", skills=["python"])
        clock.at = T0 + 320
        dl.agents.heartbeat("bob")
        clock.at = NOW - 5
        dl.agents.heartbeat("ada")
        s = scenario()
        s.write(dl)
    finally:
        dl.close()
    clock.at = NOW
    return s, path


def open_app(path: str, *, start_pane: str = "tasks") -> Any:
    from jetpack_tui.ui.app import JetpackApp

    dl = create_local_data_layer(path, lease_ttl=3600)
    return JetpackApp(dl, settings=Settings(operator="tester"), clock=lambda: NOW, watch=False,
                      start_pane=start_pane)


def board_rows(app: Any) -> dict[str, tuple[str, str | None]]:
    """``{id: (status, owner)}`` of the task board."""
    pane = app.dashboard.query_one("#pane-tasks")
    return {task.id: (task.status, task.claimed_by) for task in pane.table.tasks.values()}


def board_states(app: Any) -> dict[str, str]:
    pane = app.dashboard.query_one("#pane-tasks")
    return {task.id: task.state for task in pane.table.tasks.values()}


def agent_rows(app: Any) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``{agent: (liveness, tasks it held)}`` of the agents pane."""
    pane = app.dashboard.query_one("#pane-agents")
    return {row.id: (row.liveness, tuple(t.id for t in row.tasks)) for row in pane.rows(pane.now)}
