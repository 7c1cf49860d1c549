"""One run of the refresh worker (a thread; no widgets are touched here).

A run reads, in this order and only from the DataLayer:

1. the change feed since the cursor the run was given — the refresher is
   the only reader of the feed and the only owner of the cursor;
2. the status counts (``counts_by_status``) when the run was told they are
   due or allowed and tasks changed: the status line and the task board's
   total are then taken from this one read, applied in the same frame;
3. each wanted pane's ``fetch`` (hidden panes only get marked stale);
4. the agents' heartbeats when agents changed or the counts were read.

It returns a :class:`RunResult` that the refresher applies on the UI thread
in one go.  Everything the run is handed (:class:`Job`) is immutable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jetpack_tui.data.changes import ChangeSet

from ..messages import PaneData, Summary
from ..panes.base import FetchRequest

if TYPE_CHECKING:
    from jetpack_tui.data.protocol import DataLayer

    from ..panes.base import Pane

#: When the counts are read: never in this run, if tasks (or agents) changed, always.
NO, IF_CHANGED, YES = "no", "if_changed", "yes"


@dataclass(frozen=True)
class Target:
    pane: "Pane"
    view: Any
    generation: int
    reload: bool
    detail: bool
    active: bool


@dataclass(frozen=True)
class Job:
    number: int
    read_feed: bool
    cursor: int | None
    targets: tuple[Target, ...]
    summary: str = NO
    page_size: int = 200


@dataclass
class RunResult:
    job: int
    cursor: int | None
    #: What the feed said (tables touched, rows, reload).
    tables: frozenset[str] = frozenset()
    changed: int = 0
    reload: bool = False
    #: ``(pane id, message)`` in the order the panes fetched them.
    data: list[tuple[str, PaneData]] = field(default_factory=list)
    summary: Summary | None = None
    heartbeats: tuple[tuple[float | None, str], ...] | None = None
    error: str | None = None
    failed_panes: tuple[str, ...] = ()

    @property
    def feed_moved(self) -> bool:
        return bool(self.changed or self.reload)


def _describe(error: BaseException) -> str:
    return str(error) or error.__class__.__name__


def read_summary(dl: "DataLayer", now: float) -> Summary:
    started = time.perf_counter()
    counts = dl.tasks.counts_by_status()
    return Summary(tasks=counts, at=now, cost=time.perf_counter() - started)


def run_job(dl: "DataLayer", job: Job, now: float) -> RunResult:
    """Worker thread: one refresh (see the module docstring)."""
    result = RunResult(job=job.number, cursor=job.cursor)
    failed: list[str] = []
    try:
        changes = ChangeSet()
        if job.read_feed:
            changes, result.cursor = dl.changes_since(job.cursor)
        result.tables, result.changed, result.reload = frozenset(changes.tables), len(changes), changes.reload
        counted = changes.reload or bool(changes.tables & {"tasks"})
        if job.summary == YES or (job.summary == IF_CHANGED and counted):
            result.summary = read_summary(dl, now)
        for target in job.targets:
            reload = target.reload or (changes.reload and target.active)
            wanted = target.active and target.pane.wants(changes)
            if not (reload or target.detail or wanted):
                continue
            request = FetchRequest(changes=changes, view=target.view, generation=target.generation, now=now,
                                   reload=reload, detail=target.detail, active=target.active,
                                   page_size=job.page_size, summary=result.summary)
            try:
                for message in target.pane.fetch(dl, request) or ():
                    result.data.append((target.pane.PANE_ID, message))
            except Exception as exc:  # noqa: BLE001 - one pane failing must not stop the others
                failed.append(target.pane.PANE_ID)
                result.error = result.error or f"{target.pane.TITLE}: {exc.__class__.__name__}: {exc}"
        if result.summary is not None or changes.reload or "agents" in changes.tables:
            result.heartbeats = tuple((agent.last_heartbeat, agent.status) for agent in dl.agents.list())
    except Exception as exc:  # noqa: BLE001 - reported on the status line, data kept
        result.error = _describe(exc)
        result.cursor = job.cursor
        result.data.clear()
    result.failed_panes = tuple(failed)
    return result
