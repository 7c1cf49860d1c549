"""``enter`` on an agent: everything about it, read in a worker — its fields,
the tasks it holds, its leases and reservations, and its latest mail."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from jetpack_tui.data.mail_models import Message
from jetpack_tui.data.models import OWNED_STATUSES, Agent, Lease, Task
from jetpack_tui.data.reservation_models import Reservation

from jetpack_tui.data.protocol import DataLayer

from ..panes.mail.payload import render_payload
from ..safe_text import block, clean, shorten
from ..timefmt import ago, left
from .read_view import ReadView

MAIL = 30
HELD = 200


@dataclass(frozen=True)
class AgentDetail:
    agent: Agent | None
    tasks: list[Task]
    leases: list[Lease]
    reservations: list[Reservation]
    mail: list[Message]


def _heading(out: Text, title: str) -> None:
    out.append(f"\n{title}\n", style="bold underline")


def render_agent_detail(detail: AgentDetail, liveness: str, now: float) -> Text:
    agent = detail.agent
    if agent is None:
        return Text("This agent is no longer registered.", style="italic")
    out = Text()
    out.append(f"{clean(agent.id)} · {liveness} · last heartbeat "
               f"{ago(agent.last_heartbeat, now) + ' ago' if agent.last_heartbeat else 'never'}\n", style="bold")
    for name, value in (("name", agent.name or "—"), ("status", agent.status),
                        ("skills", ", ".join(agent.skills) or "—"), ("session", agent.session_id or "—"),
                        ("reported task", agent.current_task or "—")):
        out.append(f"{name:>14}: ", style="bold")
        out.append_text(block(value, limit=2000))
        out.append("\n")
    _heading(out, f"Tasks it holds ({len(detail.tasks)})")
    for task in detail.tasks:
        out.append(f"{clean(task.id)} [{task.state}] v{task.version} lease "
                   f"{left(task.lease_expires_at, now) or '—'}  {shorten(clean(task.title), 80)}\n")
    _heading(out, f"Leases ({len(detail.leases)})")
    for lease in detail.leases:
        out.append(f"{clean(lease.resource)}  token {lease.token}  expires {left(lease.expires_at, now) or '—'}\n")
    _heading(out, f"Reservations ({len(detail.reservations)})")
    for r in detail.reservations:
        out.append(f"{clean(r.reservation_type):<6} {clean(r.file_path or '?')}  task {clean(r.task_id or '—')}"
                   f"  expires {left(r.expires_at, now) or 'never'}\n")
    _heading(out, f"Latest mail ({len(detail.mail)})")
    for message in detail.mail:
        out.append(f"{ago(message.sent_at, now) or '?'} ago  {clean(message.from_agent or '?')} → "
                   f"{clean(message.to_agent or '?')}  {clean(message.type)}\n", style="dim")
        out.append_text(render_payload(message, unfolded=False))
        out.append("\n")
    return out


class AgentScreen(ReadView[None]):
    BOX = "agent-box"

    def __init__(self, agent_id: str, liveness: str) -> None:
        super().__init__(f"Agent {shorten(clean(agent_id), 60)}")
        self.agent_id = agent_id
        self.liveness = liveness

    def read(self, dl: DataLayer) -> AgentDetail:
        agent_id = self.agent_id
        return AgentDetail(
            agent=dl.agents.find(agent_id),
            tasks=dl.tasks.list(claimed_by=agent_id, status=list(OWNED_STATUSES), limit=HELD),
            leases=dl.leases.list(agent_id=agent_id),
            reservations=dl.reservations.list(agent_id=agent_id, limit=HELD),
            mail=dl.messages.list(agent=agent_id, limit=MAIL))

    def render_result(self, detail: AgentDetail, now: float) -> Text:
        return render_agent_detail(detail, self.liveness, now)
