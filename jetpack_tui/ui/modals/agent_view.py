"""``enter`` on an agent: everything about it, read again in a worker — its
fields, the tasks it holds, its leases and reservations (as the drawer shows
them, :func:`~..panes.agents.detail.render_agent`) and its latest mail."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from jetpack_tui.data.mail_models import Message
from jetpack_tui.data.models import OWNED_STATUSES

from jetpack_tui.data.protocol import DataLayer

from ..panes.agents.data import AgentRow, Holdings, make_row
from ..panes.agents.detail import render_agent
from ..panes.mail.payload import render_payload
from ..safe_text import clean, shorten
from ..timefmt import ago
from .read_view import ReadView

MAIL = 30
HELD = 200


@dataclass(frozen=True)
class AgentDetail:
    """The agent as read now (``row``: what it holds) and its latest mail."""

    row: AgentRow | None
    mail: list[Message]


def render_agent_detail(detail: AgentDetail, now: float) -> Text:
    if detail.row is None:
        return Text("This agent is no longer registered.", style="italic")
    out = render_agent(detail.row, now)
    out.append(f"\nLatest mail ({len(detail.mail)})\n", style="bold underline")
    for message in detail.mail:
        out.append(f"{ago(message.sent_at, now) or '?'} ago  {clean(message.from_agent or '?')} → "
                   f"{clean(message.to_agent or '?')}  {clean(message.type)}\n", style="dim")
        out.append_text(render_payload(message, unfolded=False))
        out.append("\n")
    return out


class AgentScreen(ReadView[None]):
    BOX = "agent-box"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"Agent {shorten(clean(agent_id), 60)}")
        self.agent_id = agent_id

    def read(self, dl: DataLayer) -> AgentDetail:
        agent = dl.agents.find(self.agent_id)
        if agent is None:
            return AgentDetail(None, [])
        tasks = dl.tasks.list(claimed_by=agent.id, status=list(OWNED_STATUSES), limit=HELD)
        holdings = Holdings(tasks={agent.id: tuple(tasks)},
                            reservations={agent.id: tuple(dl.reservations.list(agent_id=agent.id, limit=HELD))},
                            leases={agent.id: tuple(dl.leases.list(agent_id=agent.id))})
        row = make_row(agent, holdings, self.jetpack.settings.liveness, self.jetpack.clock())
        return AgentDetail(row, dl.messages.list(agent=agent.id, limit=MAIL))

    def render_result(self, detail: AgentDetail, now: float) -> Text:
        return render_agent_detail(detail, now)
