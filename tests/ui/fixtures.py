"""A small deterministic database for the dashboard's tests and snapshots.

Ids, titles and timestamps are fixed: the DataLayer's clock is frozen at
:data:`T0` while building, and the app under test gets ``clock=frozen`` so
ages and lease countdowns render the same on every run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from jetpack_tui.data import clock as data_clock
from jetpack_tui.data import create_local_data_layer

T0 = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC
NOW = T0 + 3_600.0  # the frozen "now" of the app under test


def frozen() -> float:
    return NOW


@contextlib.contextmanager
def frozen_clock(start: float, step: float = 1.0) -> Iterator[None]:
    """Make the DataLayer's clock tick ``step`` seconds per call from ``start``."""
    original = data_clock.now
    moments = iter(start + i * step for i in range(10**9))
    data_clock.now = lambda: next(moments)  # type: ignore[assignment]
    try:
        yield
    finally:
        data_clock.now = original  # type: ignore[assignment]


def build(path: str) -> None:
    """Write the fixture database at ``path`` (a new file)."""
    dl = create_local_data_layer(path, lease_ttl=7200)
    try:
        with frozen_clock(T0):
            dl.agents.register("agent-ada", name="Ada", skills=["python", "sql"])
            dl.agents.register("agent-bob", name="Bob", skills=["rust"])
            dl.agents.register("agent-cy", name="Cy", skills=["python"])
            t = dl.tasks
            t.create("Design the schema", id="T-001", priority="critical", required_skills=["sql"])
            t.create("Write migrations", id="T-002", priority="high", required_skills=["python", "sql"],
                     dependencies=["T-001"])
            t.create("Build the CLI", id="T-003", priority="medium", required_skills=["python"])
            t.create("Port the parser", id="T-004", priority="low", required_skills=["rust"])
            t.create("Fix [red]markup[/red] \x1b[2J title", id="T-005", priority="medium")
            t.create("Document the API", id="T-006", priority="low", parent_id="T-003")
            t.create("Flaky test", id="T-007", priority="high", max_attempts=1)
            t.create("Ship 1.0", id="T-008", priority="critical", dependencies=["T-002", "T-999"])
            t.create("Old finished work", id="T-009", priority="medium")
            t.create("Abandoned idea", id="T-010", priority="low")
            t.claim("agent-cy", "T-003")
            t.claim("agent-bob", "T-004")
            t.start("T-004", "agent-bob", t.get("T-004").claim_token)
            flaky = t.claim("agent-ada", "T-007")
            t.fail("T-007", "agent-ada", flaky.claim_token, "boom: exit code 1")
            done = t.claim("agent-ada", "T-009")
            t.complete("T-009", "agent-ada", done.claim_token, result={"ok": True})
            t.cancel("T-010", by="alice", reason="not needed")
        for agent in ("agent-ada", "agent-bob", "agent-cy"):
            with frozen_clock(NOW - 5):
                dl.agents.heartbeat(agent)
    finally:
        dl.close()


#: What the fixture holds, for assertions: the tasks still to do (not completed, not cancelled).
OPEN_IDS = ("T-001", "T-002", "T-003", "T-004", "T-005", "T-006", "T-007", "T-008")
