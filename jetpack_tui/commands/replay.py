"""``jetpack-tui replay --at TIME`` / ``--between T1 T2``: the swarm as it was.

Rebuilt from the audit log (``task_events``), read-only: the database is
never created, upgraded or written (history checkpoints another process
stored are used; none are stored from here).  TIME is ISO 8601 (local time
unless it has an offset), ``-2h`` / ``-30m`` / ``-1h30m``, ``2h ago``,
``now`` or epoch seconds.  Exit status: 0 printed, 2 a bad TIME or a
database that cannot be read (one line on stderr).

``--json`` documents (``schema``/``version`` name them; fields are only
ever added within a version)::

    {"schema": "jetpack-tui/replay", "version": 1, "database": str,
     "at": float, "event_id": int | null, "event_at": float | null,
     "complete": bool, "notes": [str],
     "counts": {status | "ready" | "blocked" | "unknown": int},
     "tasks_total": int,
     "tasks": [{"id", "title": str | null, "status": str | null, "state": str,
                "owner": str | null, "basis": "log" | "inferred" | "unrecorded" | "unknown"}],
     "agents": {"heartbeats_since": float | null, "note": str,
                "list": [{"id", "liveness", "last_seen": float | null, "basis", "busy": int}]}}

    {"schema": "jetpack-tui/replay-diff", "version": 1, "database": str,
     "from": {"at", "event_id"}, "to": {"at", "event_id"}, "notes": [str],
     "events_total": int, "by_kind": {kind: int},
     "events": [{"id", "task_id", "at", "actor", "action", "from_status", "to_status",
                 "from_owner", "to_owner"}],
     "moved_total": int,
     "moved": [{"task_id", "before": {"status", "owner"}, "after": {"status", "owner"}}]}

Unfinished tasks are listed first; ``--limit`` bounds every list (0: no bound).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from jetpack_tui.data import JetpackError, clock
from jetpack_tui.data.insight import Insight
from jetpack_tui.data.insight.moments import HELP, LEADING_DASH_DIGIT, MomentError, parse_moment
from jetpack_tui.data.insight.source import EngineReader, by_ids, text

from ._cli_support import CommandError, add_db_option, fail, one_line, open_for_reading, store_target
from ._replay_render import render_diff, render_state

UNFINISHED_FIRST = ("pending", "claimed", "in_progress", None)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay", help="the swarm as it was at a moment, or what changed between two (from the audit log)",
        description=f"Rebuild the swarm from the audit log, read-only. TIME: {HELP}.")
    # "--at -2h": a value, not an option (argparse reads a leading dash as an option otherwise).
    parser._negative_number_matcher = LEADING_DASH_DIGIT  # noqa: SLF001 - argparse's negative-number rule
    add_db_option(parser)
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", metavar="TIME", help="the moment to show")
    when.add_argument("--between", nargs=2, metavar=("T1", "T2"), help="list the changes between two moments")
    parser.add_argument("--json", action="store_true", help="machine-readable output (schema in the docs)")
    parser.add_argument("--limit", type=int, default=1000, metavar="N", help="items per list (default 1000, 0: all)")


def _titles(dl: Any, ids: list[str]) -> dict[str, str | None]:
    rows = by_ids(EngineReader(dl.engine), "SELECT id, title FROM tasks WHERE id IN (SELECT value FROM json_each(?))",
                  ids)
    return {text(i) or "": text(t) for i, t in rows}


def state_document(dl: Any, insight: Insight, moment: float, limit: int) -> dict[str, Any]:
    state = insight.state_at(moment)
    tasks = sorted(state, key=lambda t: (t.status not in UNFINISHED_FIRST, UNFINISHED_FIRST.index(t.status)
                                         if t.status in UNFINISHED_FIRST else 0))
    shown = tasks if limit == 0 else tasks[:limit]
    titles = _titles(dl, [t.id for t in shown])
    agents = state.agents
    return {
        "schema": "jetpack-tui/replay", "version": 1, "database": dl.location, "at": moment,
        "event_id": state.event_id, "event_at": state.event_at, "complete": state.complete, "notes": state.notes,
        "counts": state.counts, "tasks_total": len(tasks),
        "tasks": [{"id": t.id, "title": titles.get(t.id), "status": t.status, "state": t.state, "owner": t.owner,
                   "basis": t.basis} for t in shown],
        "agents": {"heartbeats_since": agents.heartbeats_since if agents else None,
                   "note": agents.note if agents else "",
                   "list": [{"id": a.id, "liveness": a.liveness, "last_seen": a.last_seen, "basis": a.basis,
                             "busy": a.busy} for a in (agents.agents if agents else [])][:limit or None]},
    }


def diff_document(dl: Any, insight: Insight, start: float, end: float, limit: int) -> dict[str, Any]:
    changes = insight.diff(start, end, limit=limit or 1_000_000_000)
    return {
        "schema": "jetpack-tui/replay-diff", "version": 1, "database": dl.location,
        "from": {"at": min(start, end), "event_id": changes.start.event_id},
        "to": {"at": max(start, end), "event_id": changes.end.event_id},
        "notes": sorted(set(changes.start.notes + changes.end.notes)),
        "events_total": changes.events_total, "by_kind": changes.by_kind,
        "events": [{"id": e.id, "task_id": e.task_id, "at": e.at, "actor": e.actor, "action": e.action,
                    "from_status": e.from_status, "to_status": e.to_status, "from_owner": e.from_owner,
                    "to_owner": e.to_owner} for e in changes.events],
        "moved_total": changes.moved_total,
        "moved": [{"task_id": m.task_id, "before": {"status": m.before[0], "owner": m.before[1]},
                   "after": {"status": m.after[0], "owner": m.after[1]}} for m in changes.moved],
    }


def run(args: argparse.Namespace) -> int:
    if args.limit < 0:
        return fail(f"--limit must not be negative, not {args.limit}")
    now = clock.now()
    try:
        moments = [parse_moment(value, now) for value in ([args.at] if args.at is not None else args.between)]
    except MomentError as error:
        return fail(str(error))
    try:
        target = store_target(args)
        dl = open_for_reading(args, target)
    except CommandError as error:
        return fail(str(error))
    path = None if target.turso else target.path
    try:
        insight = Insight(dl, persist=False)
        if args.at is not None:
            doc = state_document(dl, insight, moments[0], args.limit)
            output = json.dumps(doc, indent=2) if args.json else render_state(doc, now)
        else:
            doc = diff_document(dl, insight, moments[0], moments[1], args.limit)
            output = json.dumps(doc, indent=2) if args.json else render_diff(doc, now)
    except JetpackError as error:
        return fail(one_line(str(error), path))
    finally:
        dl.close()
    return emit(output)


def emit(output: str) -> int:
    """Print; a reader that went away (``| head``) is not an error."""
    try:
        print(output, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
    return 0
