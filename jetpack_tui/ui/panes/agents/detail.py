"""The agent drawer: every field of the selected agent and what it holds."""

from __future__ import annotations

from rich.text import Text

from ...safe_text import block, clean, shorten
from ...timefmt import ago, left
from .data import AgentRow, working_on


def _heading(out: Text, title: str) -> None:
    out.append(f"\n{title}\n", style="bold underline")


def render_agent(row: AgentRow, now: float, note: str | None = None) -> Text:
    agent = row.agent
    out = Text()
    out.append(shorten(clean(agent.id), 120) + "\n", style="bold")
    if agent.problems:
        out.append("⚑ flagged: " + "; ".join(clean(p) for p in agent.problems) + "\n", style="bold")
    heartbeat = "never" if row.age is None else f"{ago(agent.last_heartbeat, now)} ago"
    fields = (("liveness", row.liveness), ("heartbeat", heartbeat), ("name", agent.name or "—"),
              ("status", agent.status), ("skills", agent.raw.get("skills") or ", ".join(agent.skills) or "—"),
              ("working on", working_on(row).plain), ("session", agent.session_id or "—"),
              ("registered", f"{ago(agent.registered_at, now)} ago" if agent.registered_at else "—"),
              ("version", agent.version))
    for name, value in fields:
        out.append(f"{name:>13}: ", style="bold")
        out.append_text(block(value, limit=4096))
        out.append("\n")
    if note:
        out.append(f"{'':>13}  {clean(note)}\n", style="italic")
    _heading(out, f"Tasks held ({len(row.tasks)})")
    for task in row.tasks:
        out.append(f"{clean(task.id)} [{clean(task.status)}] v{task.version} lease "
                   f"{left(task.lease_expires_at, now) or '—'}  {shorten(clean(task.title), 60)}\n")
    _heading(out, f"Reservations ({len(row.reservations)})")
    for reservation in row.reservations:
        out.append(f"{clean(reservation.reservation_type):<6} {clean(reservation.file_path or '?')}"
                   f"  expires {left(reservation.expires_at, now) or 'never'}\n")
    _heading(out, f"Leases ({len(row.leases)})")
    for lease in row.leases:
        out.append(f"{clean(lease.resource)} token {lease.token} expires {left(lease.expires_at, now) or '—'}\n")
    if not row.holds_anything:
        out.append("\nholds nothing\n", style="dim")
    return out
