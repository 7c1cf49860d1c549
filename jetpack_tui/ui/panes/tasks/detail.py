"""The task drawer's content: every field, why it is blocked, parent and
children, the dependency tree, claim history, its mail and reservations."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from rich.text import Text

from jetpack_tui.data.models import Task

from ...safe_text import block, clean, shorten
from ...timefmt import ago, left
from .messages import TaskDetail

FIELDS = ("id", "title", "status", "priority", "claimed_by", "session_id", "parent_id", "required_skills",
          "dependencies", "attempts", "max_attempts", "claim_token", "version", "last_actor", "last_action",
          "last_error", "result", "description")
TIMES = ("created_at", "updated_at", "claimed_at", "lease_expires_at", "available_at")


def _when(epoch: float | None, now: float) -> str:
    if epoch is None:
        return "—"
    stamp = _dt.datetime.fromtimestamp(epoch, tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    relative = left(epoch, now) + " left" if epoch > now else ago(epoch, now) + " ago"
    return f"{stamp} ({relative})"


def _heading(out: Text, title: str) -> None:
    out.append(f"\n{title}\n", style="bold underline")


def _task_line(task: Task | None, task_id: str = "") -> str:
    if task is None:
        return f"{clean(task_id)} — missing (no such task)"
    return f"{clean(task.id)} [{task.state}] {shorten(clean(task.title), 60)}"


def _value(task: Task, name: str) -> Any:
    if name in task.raw:
        return task.raw[name]
    value = getattr(task, name)
    if isinstance(value, list):
        return ", ".join(value) if value else "—"
    return "—" if value is None else value


def render_detail(detail: TaskDetail, now: float, stuck: list[str] | tuple[str, ...] = ()) -> Text:
    """``stuck``: why the task can never run (the board's last stuck check)."""
    task = detail.task
    out = Text()
    out.append(shorten(clean(task.title), 200) + "\n", style="bold")
    if task.problems:
        out.append("⚑ flagged: ", style="bold")
        out.append("; ".join(clean(p) for p in task.problems) + "\n")
    # What an operator asks first (why is it stuck?) comes before the field list.
    if stuck and task.status == "pending":
        _heading(out, "⚠ Stuck: it never runs unless someone acts")
        for line in stuck:
            out.append(f"{clean(line)}\n")
    _blockers(out, detail)
    _heading(out, "Dependency tree")
    for node in detail.dep_tree:
        out.append("  " * node.depth + "└ " + _task_line(node.task, node.id) + "\n")
    if not detail.dep_tree:
        out.append("no dependencies\n", style="dim")
    _heading(out, "Fields")
    for name in FIELDS:
        out.append(f"{name:>16}: ", style="bold")
        out.append_text(block(_value(task, name)))
        out.append("\n")
    for name in TIMES:
        out.append(f"{name:>16}: ", style="bold")
        raw = task.raw.get(name)
        out.append(clean(raw) + " (unreadable)" if raw is not None else _when(getattr(task, name), now))
        out.append("\n")
    _heading(out, "Parent and children")
    out.append("parent: " + (_task_line(detail.parent, task.parent_id or "") if task.parent_id else "—") + "\n")
    for child in detail.children:
        out.append("  child " + _task_line(child) + "\n")
    if not detail.children:
        out.append("no children\n", style="dim")
    _history(out, detail, now)
    _mail(out, detail, now)
    _reservations(out, detail, now)
    for note in detail.notes:
        out.append("\n" + clean(note), style="italic")
    return out


def _blockers(out: Text, detail: TaskDetail) -> None:
    blockers = detail.blockers
    if blockers is None:
        return
    _heading(out, "Why blocked" if blockers.blocked else "Ready")
    if not blockers.blocked:
        out.append("every dependency is completed\n")
    for dep, status in blockers.unfinished:
        out.append(f"waits for {clean(dep)} ({clean(status)})\n")
    for dep in blockers.missing:
        out.append(f"depends on {clean(dep)}, which does not exist\n")
    if blockers.cycle:
        out.append("on a dependency cycle: " + " → ".join(map(clean, blockers.cycle)) + "\n")
    if blockers.unreadable:
        out.append("its dependencies column is not a JSON array\n")


def _history(out: Text, detail: TaskDetail, now: float) -> None:
    _heading(out, f"Claim history ({len(detail.history)})")
    for event in detail.history:
        owner = ""
        if event.from_owner != event.to_owner:
            owner = f" owner {clean(event.from_owner or '—')} → {clean(event.to_owner or '—')}"
        out.append(f"{ago(event.at, now):>4} ago  {clean(event.action or '?'):<12} by {clean(event.actor or '?')}"
                   f"  {clean(event.from_status or '—')} → {clean(event.to_status or '—')}{owner}"
                   f"  token {event.claim_token if event.claim_token is not None else '—'}\n")


def _mail(out: Text, detail: TaskDetail, now: float) -> None:
    if detail.mail is None:
        return
    _heading(out, f"Mail ({len(detail.mail)})")
    for message in detail.mail:
        payload = message.raw.get("payload", message.payload)
        out.append(f"{ago(message.sent_at, now):>4} ago  {clean(message.from_agent or '?')} → "
                   f"{clean(message.to_agent or '?')}  {clean(message.type)}  ")
        out.append(shorten(clean(payload), 160) + "\n")


def _reservations(out: Text, detail: TaskDetail, now: float) -> None:
    if detail.reservations is None:
        return
    _heading(out, f"Reservations ({len(detail.reservations)})")
    for reservation in detail.reservations:
        out.append(f"{clean(reservation.state):<9} {clean(reservation.reservation_type):<7}"
                   f" {clean(reservation.file_path or '?')}  by {clean(reservation.agent_id or '?')}"
                   f"  expires {left(reservation.expires_at, now) or 'never'}\n")
