"""Text of ``jetpack-tui replay``: the documents of :mod:`.replay` for a terminal.

Everything that came from the database goes through :func:`printable`
(control characters escaped, long values cut), so a task titled with
terminal escapes is shown, never obeyed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._cli_support import printable

STATUS_ORDER = ("ready", "blocked", "pending", "claimed", "in_progress", "completed", "failed", "cancelled", "unknown")


def when(moment: float | None, now: float) -> str:
    """Local time, and how long ago."""
    if moment is None:
        return "-"
    stamp = datetime.fromtimestamp(moment).strftime("%Y-%m-%d %H:%M:%S")
    ago = now - moment
    if ago < 0:
        return f"{stamp} (in the future)"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if ago >= size:
            return f"{stamp} ({ago / size:.1f}{unit} ago)"
    return f"{stamp} ({ago:.0f}s ago)"


def _counts(counts: dict[str, int]) -> str:
    shown = [(name, counts[name]) for name in STATUS_ORDER if counts.get(name)]
    if "ready" in counts:
        shown = [(n, c) for n, c in shown if n != "pending"]
    shown += [(printable(name, 40), n) for name, n in sorted(counts.items())
              if name not in STATUS_ORDER and n]
    return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in shown) or "none"


def render_state(doc: dict[str, Any], now: float) -> str:
    total = sum(n for name, n in doc["counts"].items() if name not in ("ready", "blocked"))
    event = f"after audit event #{doc['event_id']}" if doc["event_id"] is not None else "before any audit event"
    lines = [f"{printable(doc['database'])}: the swarm at {when(doc['at'], now)}, {event}",
             f"tasks   {total}: {_counts(doc['counts'])}"]
    agents = doc["agents"]
    live: dict[str, int] = {}
    for agent in agents["list"]:
        live[agent["liveness"]] = live.get(agent["liveness"], 0) + 1
    lines.append(f"agents  {len(agents['list'])}: " + (", ".join(f"{n} {k}" for k, n in sorted(live.items()))
                                                       or "none"))
    for note in doc["notes"] + ([agents["note"]] if agents["note"] else []):
        lines.append(f"note    {note}")
    if doc["tasks"]:
        lines.append(f"{'TASK':24} {'STATE':12} {'OWNER':16} TITLE")
    for task in doc["tasks"]:
        basis = "" if task["basis"] == "log" else f"  [{task['basis']}]"
        lines.append(f"{printable(task['id'], 24):24} {task['state']:12} {printable(task['owner'] or '-', 16):16} "
                     f"{printable(task['title'] or '', 60)}{basis}")
    hidden = doc["tasks_total"] - len(doc["tasks"])
    if hidden:
        lines.append(f"… {hidden} more task(s) (--limit 0 lists all)")
    for agent in agents["list"]:
        seen = when(agent["last_seen"], doc["at"]).replace(" ago", " before") if agent["last_seen"] else "no record"
        busy = f", {agent['busy']} task(s)" if agent["busy"] else ""
        lines.append(f"agent   {printable(agent['id'], 24):24} {agent['liveness']:8} last seen {seen}{busy}")
    return "\n".join(lines)


def render_diff(doc: dict[str, Any], now: float) -> str:
    first, last = doc["from"], doc["to"]
    lines = [f"{printable(doc['database'])}: changes from {when(first['at'], now)} to {when(last['at'], now)}",
             f"events  {doc['events_total']}: " + (", ".join(f"{n} {kind}" for kind, n in
                                                            sorted(doc["by_kind"].items(), key=lambda kv: -kv[1]))
                                                  or "none")]
    for note in doc.get("notes", []):
        lines.append(f"note    {note}")
    lines.append(f"moved   {doc['moved_total']} task(s)")
    for moved in doc["moved"]:
        before = "(new)" if moved["before"]["status"] is None else _state(moved["before"])
        lines.append(f"  {printable(moved['task_id'], 24):24} {before} -> {_state(moved['after'])}")
    if doc["moved_total"] > len(doc["moved"]):
        lines.append(f"  … {doc['moved_total'] - len(doc['moved'])} more (--limit)")
    for event in doc["events"]:
        stamp = datetime.fromtimestamp(event["at"]).strftime("%H:%M:%S") if event["at"] is not None else "?"
        lines.append(f"  {stamp} {printable(event['task_id'], 24):24} {printable(event['action'] or '?', 14):14} "
                     f"{event['from_status'] or '(new)'} -> {printable(event['to_status'], 20)}"
                     f"  by {printable(event['actor'] or '?', 24)}")
    if doc["events_total"] > len(doc["events"]):
        lines.append(f"  … {doc['events_total'] - len(doc['events'])} more event(s) (--limit)")
    return "\n".join(lines)


def _state(side: dict[str, Any]) -> str:
    owner = f" ({printable(side['owner'], 24)})" if side["owner"] else ""
    return f"{printable(side['status'] or 'gone', 20)}{owner}"
