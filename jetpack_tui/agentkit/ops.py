"""One agent's operations over the DataLayer: the body shared by the MCP
server's tools and the ``jetpack-tui agent`` verbs.

``AgentOps(dl, "ada", tokens=...)`` is bound to one agent id for its whole
life: no method takes an agent id, so whatever drives it (a model through
MCP, a shell script) can act only as that agent.  Each method checks its
inputs (:mod:`.limits`), makes one or a few DataLayer calls and returns a
JSON object (:mod:`.views`); DataLayer errors pass through typed, and each
front door words them its own way (:mod:`.errors`).
"""

from __future__ import annotations

from typing import Any

from jetpack_tui.data import InvalidInputError

from . import limits, views
from .file_ops import FileOps
from .mail_ops import MailOps
from .memory_ops import MemoryOps
from .task_ops import TaskOps

#: Unread messages shown by start_session.
INBOX_PREVIEW = 5


class AgentOps(TaskOps, MailOps, FileOps, MemoryOps):
    """Everything one agent may do, and nothing an operator does."""

    def __init__(self, dl: Any, agent_id: str, *, tokens: Any, skills: list[str] | None = None,
                 lease_ttl: float | None = None, session_id: str | None = None) -> None:
        self.dl = dl
        self.agent_id = limits.ident(agent_id, "agent id")  # type: ignore[assignment]
        self.tokens = tokens
        self.skills = None if skills is None else limits.items(skills, "skills")
        self.lease_ttl = limits.ttl(lease_ttl, "lease ttl")
        self.session_id = session_id

    # -- session ------------------------------------------------------------------------
    def join(self, status: str = "idle") -> dict[str, Any]:
        """Register (or re-register) this agent, keeping its known skills unless new ones were given."""
        known = self.dl.agents.find(self.agent_id)
        skills = self.skills if self.skills is not None else (list(known.skills) if known else [])
        agent = self.dl.agents.register(self.agent_id, skills=skills, session_id=self.session_id, status=status)
        return views.agent(agent)

    def ensure_joined(self) -> None:
        """Register when the agent is unknown or new skills were given; else just a heartbeat."""
        if self.skills is not None or self.dl.agents.find(self.agent_id) is None:
            self.join()
        else:
            self._beat()

    def start_session(self) -> dict[str, Any]:
        """Who I am, my inbox, the ready tasks I can do, what I hold."""
        held = set(self.tokens.held(self.dl, self.agent_id))
        me = self.join(status="busy" if held else "idle")
        unread = self.dl.messages.receive(self.agent_id, unread_only=True, limit=INBOX_PREVIEW)
        mine = self.dl.tasks.list(claimed_by=self.agent_id, status=["claimed", "in_progress"], limit=limits.MAX_ROWS)
        return {
            "agent": me,
            "inbox": {**self.inbox_counts(), "latest_unread": [views.delivery(d) for d in unread]},
            "ready_tasks": self.ready_for_me(),
            "my_tasks": [{**views.task_brief(t), "held_in_session": t.id in held} for t in mine],
            "my_reservations": self.my_reservations(),
        }

    def heartbeat(self, status: Any = None) -> dict[str, Any]:
        """Say I am alive now and extend the leases of the tasks I hold."""
        label = limits.text(status, "status", limit=limits.MAX_ID, optional=True)
        agent = self.dl.agents.heartbeat(self.agent_id, status=label)
        return {"agent": views.agent(agent), **self.renew_tasks()}

    def leave(self) -> None:
        """Mark the agent stopped.  Its tasks stay claimed: their leases expire as usual
        and the queue takes them back, so nothing is stolen from the agent's work."""
        self._beat(status="stopped", clear_task=True)


def split_skills(text: str | None) -> list[str] | None:
    """``"python, sql"`` -> ``["python", "sql"]``; ``None`` when not given."""
    if text is None:
        return None
    skills = [s.strip() for s in text.split(",") if s.strip()]
    if not skills:
        raise InvalidInputError("--skills must name at least one skill (comma-separated)")
    return skills
