"""``jetpack-tui status [--json] [--db PATH]``: a snapshot of the swarm for scripts.

Read-only: the database is opened with ``read_only=True`` (never created,
never upgraded) and read through the public DataLayer API only.  Exit
status: 0 snapshot printed, 2 the database is missing, foreign, too new or
needs an upgrade (one line on stderr).

JSON schema (``--json``; ``schema``/``version`` name it, fields are only
ever added within a version).  All times are epoch seconds (float) or
``null``; ids and titles are the stored text::

    {
      "schema": "jetpack-tui/status", "version": 1,
      "generated_at": float,
      "database": {"path": str, "schema_version": int},
      "tasks": {"total": int, "ready": int, "blocked": int,
                "by_status": {"pending": int, "claimed": int, "in_progress": int,
                              "completed": int, "failed": int, "cancelled": int,
                              "other": int}},          # other = unknown statuses
      "agents": {"total": int, "alive": int, "stale": int, "dead": int, "stopped": int},
      "mail": {"messages": int, "threads": int, "unread": int, "unacked": int},
      "reservations": {"active": int, "conflicts": int},
      "memories": {"total": int | null},             # null: not countable here
      "ready_tasks": [{"id", "title", "priority", "required_skills": [str]}],
      "orphans": [{"id", "title", "status", "claimed_by",
                   "owner": "dead" | "stopped" | "unregistered", "lease_expires_at"}],
      "expired_claims": [{"id", "title", "status", "claimed_by", "lease_expires_at"}],
      "stale_agents": [{"id", "name", "liveness": "stale" | "dead",
                        "last_heartbeat", "current_task"}],
      "conflicts": [{"path": str, "first": RES, "second": RES}]
    }
    RES = {"id", "agent_id", "task_id", "file_path", "reservation_type"}

Lists hold at most ``--limit`` items (default 50); the counts are exact.
Liveness follows the database's stored rule (``jetpack-tui settings``) unless
a config file names one.  ``stopped`` agents said goodbye and gave their
work back: they are counted, never listed in ``stale_agents``; a task still
held by one (another client marked it stopped without releasing) is an
orphan with ``"owner": "stopped"``.
:data:`SCHEMA` is the same schema as JSON Schema, checked by the tests.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from jetpack_tui.data import JetpackError, clock
from jetpack_tui.data.models import LIVENESS_STATES, TASK_STATUSES

from ._cli_support import CommandError, add_db_option, fail, one_line, open_for_reading, printable, store_target

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_INT = {"type": "integer", "minimum": 0}
_TIME = {"type": ["number", "null"]}


def _obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": sorted(properties), "properties": properties}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


_RES = _obj({"id": _STR, "agent_id": _NSTR, "task_id": _NSTR, "file_path": _NSTR, "reservation_type": _STR})
SCHEMA: dict[str, Any] = _obj({
    "schema": {"const": "jetpack-tui/status"},
    "version": {"const": 1},
    "generated_at": {"type": "number"},
    "database": _obj({"path": _STR, "schema_version": _INT}),
    "tasks": _obj({"total": _INT, "ready": _INT, "blocked": _INT,
                   "by_status": _obj({name: _INT for name in (*TASK_STATUSES, "other")})}),
    "agents": _obj({"total": _INT, **{name: _INT for name in LIVENESS_STATES}}),
    "mail": _obj({"messages": _INT, "threads": _INT, "unread": _INT, "unacked": _INT}),
    "reservations": _obj({"active": _INT, "conflicts": _INT}),
    "memories": _obj({"total": {"type": ["integer", "null"], "minimum": 0}}),
    "ready_tasks": _list(_obj({"id": _STR, "title": _STR, "priority": _STR, "required_skills": _list(_STR)})),
    "orphans": _list(_obj({"id": _STR, "title": _STR, "status": _STR, "claimed_by": _NSTR,
                           "owner": {"enum": ["dead", "stopped", "unregistered"]}, "lease_expires_at": _TIME})),
    "expired_claims": _list(_obj({"id": _STR, "title": _STR, "status": _STR, "claimed_by": _NSTR,
                                  "lease_expires_at": _TIME})),
    "stale_agents": _list(_obj({"id": _STR, "name": _NSTR, "liveness": {"enum": ["stale", "dead"]},
                                "last_heartbeat": _TIME, "current_task": _NSTR})),
    "conflicts": _list(_obj({"path": _STR, "first": _RES, "second": _RES})),
})


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("status", help="print a snapshot of the swarm (--json for scripts)",
                                   description="A read-only snapshot of the swarm: counts, ready tasks, "
                                               "orphans, stale agents, reservation conflicts.")
    add_db_option(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output (schema in the docs)")
    parser.add_argument("--limit", type=int, default=50, metavar="N", help="items per list (default 50)")


def _reservation(r: Any) -> dict[str, Any]:
    return {"id": r.id, "agent_id": r.agent_id, "task_id": r.task_id, "file_path": r.file_path,
            "reservation_type": r.reservation_type}


def _memory_count(dl: Any) -> int | None:
    counter = getattr(dl.memories, "count", None)
    if not callable(counter):
        return None
    return int(counter())


def _owner(liveness: dict[str, str], agent_id: str | None) -> str:
    """Why an orphan's owner cannot work on it (read a moment before the orphans)."""
    if agent_id not in liveness:
        return "unregistered"
    return "stopped" if liveness[agent_id] == "stopped" else "dead"


def snapshot(dl: Any, *, limit: int = 50) -> dict[str, Any]:
    """The status document (see the module docstring) of an open DataLayer."""
    moment = clock.now()
    counts = dl.tasks.counts_by_status()
    by_status = {name: int(counts.get(name, 0)) for name in TASK_STATUSES}
    total = int(dl.tasks.count())
    by_status["other"] = total - sum(by_status.values())
    agents = dl.agents.list()
    live = dict.fromkeys(LIVENESS_STATES, 0)
    for agent in agents:
        live[agent.liveness] += 1
    liveness = {agent.id: agent.liveness for agent in agents}
    owned = dl.tasks.list(status=["claimed", "in_progress"], order_by="lease_expires_at", limit=None)
    orphans = dl.agents.orphaned_tasks()
    conflicts = dl.reservations.conflicts()
    ready = dl.tasks.list(ready=True, limit=limit)
    return {
        "schema": "jetpack-tui/status", "version": 1, "generated_at": moment,
        "database": {"path": dl.location, "schema_version": int(dl.schema_version())},
        "tasks": {"total": total, "ready": int(counts.get("ready", 0)), "blocked": int(counts.get("blocked", 0)),
                  "by_status": by_status},
        "agents": {"total": len(agents), **live},
        "mail": {"messages": int(dl.messages.count()), "threads": int(dl.messages.thread_count()),
                 "unread": int(dl.messages.unread_count()), "unacked": int(dl.messages.unacked_count())},
        "reservations": {"active": int(dl.reservations.count()), "conflicts": len(conflicts)},
        "memories": {"total": _memory_count(dl)},
        "ready_tasks": [{"id": t.id, "title": t.title, "priority": t.priority,
                         "required_skills": list(t.required_skills)} for t in ready],
        "orphans": [{"id": t.id, "title": t.title, "status": t.status, "claimed_by": t.claimed_by,
                     "owner": _owner(liveness, t.claimed_by),
                     "lease_expires_at": t.lease_expires_at} for t in orphans[:limit]],
        "expired_claims": [{"id": t.id, "title": t.title, "status": t.status, "claimed_by": t.claimed_by,
                            "lease_expires_at": t.lease_expires_at} for t in owned
                           if t.lease_expires_at is not None and t.lease_expires_at < moment][:limit],
        "stale_agents": [{"id": a.id, "name": a.name, "liveness": a.liveness, "last_heartbeat": a.last_heartbeat,
                          "current_task": a.current_task} for a in agents if a.liveness in ("stale", "dead")][:limit],
        "conflicts": [{"path": c.path, "first": _reservation(c.first), "second": _reservation(c.second)}
                      for c in conflicts[:limit]],
    }


def render(doc: dict[str, Any]) -> str:
    """A short human summary of a status document (text shown literally)."""
    t, a, m, r = doc["tasks"], doc["agents"], doc["mail"], doc["reservations"]
    s = t["by_status"]
    lines = [
        f"{printable(doc['database']['path'])} (schema {doc['database']['schema_version']})",
        f"tasks   {t['total']}: {t['ready']} ready, {t['blocked']} blocked, {s['claimed']} claimed,"
        f" {s['in_progress']} in progress, {s['completed']} completed, {s['failed']} failed,"
        f" {s['cancelled']} cancelled" + (f", {s['other']} unknown status" if s["other"] else ""),
        f"agents  {a['total']}: {a['alive']} alive, {a['stale']} stale, {a['dead']} dead, {a['stopped']} stopped",
        f"mail    {m['messages']} messages in {m['threads']} threads, {m['unread']} unread, {m['unacked']} unacked",
        f"files   {r['active']} active reservations, {r['conflicts']} conflicts",
    ]
    if doc["memories"]["total"] is not None:
        lines.append(f"memory  {doc['memories']['total']} memories")
    for item in doc["orphans"]:
        lines.append(f"orphan  {printable(item['id'])} {printable(item['title'], 60)}"
                     f" (owner {printable(item['claimed_by'])} {item['owner']})")
    for item in doc["expired_claims"]:
        lines.append(f"expired {printable(item['id'])} claimed by {printable(item['claimed_by'])}, awaiting reclaim")
    for c in doc["conflicts"]:
        lines.append(f"conflict {printable(c['path'])}: {printable(c['first']['agent_id'])}"
                     f" vs {printable(c['second']['agent_id'])}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.limit < 0:
        return fail(f"--limit must not be negative, not {args.limit}")
    try:
        target = store_target(args)
        dl = open_for_reading(args, target)
    except CommandError as error:
        return fail(str(error))
    try:
        doc = snapshot(dl, limit=args.limit)
    except JetpackError as error:
        return fail(one_line(str(error), None if target.turso else target.path))
    finally:
        dl.close()
    print(json.dumps(doc, indent=2) if args.json else render(doc))
    return 0
