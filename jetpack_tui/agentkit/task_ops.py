"""Task operations of one agent: claim, start, complete, fail, create, read.

Mixed into :class:`~.ops.AgentOps`.  The agent's identity is the object's,
never an argument, and tokens come from its token book (see :mod:`.tokens`),
so these operations can only ever act for this one agent.
"""

from __future__ import annotations

from typing import Any

from jetpack_tui.data import ConflictError, InvalidInputError, NotFoundError, StaleLeaseError, clock
from jetpack_tui.data.models import PRIORITIES, TASK_STATUSES

from . import limits, views
from .tokens import not_held

#: Ready tasks scanned for ones this agent's skills fit (start_session).
READY_SCAN = 200


def skills_fit(required: list[str], skills: list[str]) -> bool:
    """The claim's rule: every required skill is one of the agent's (case-insensitive)."""
    have = {s.lower() for s in skills}
    return all(s.lower() in have for s in required)


class TaskOps:
    dl: Any
    agent_id: str
    tokens: Any
    lease_ttl: float | None

    # -- helpers ----------------------------------------------------------------
    def _beat(self, **fields: Any) -> None:
        """Tell the swarm what this agent does now (a missing agent row is not an error here)."""
        try:
            self.dl.agents.heartbeat(self.agent_id, **fields)
        except NotFoundError:
            pass

    def _my_skills(self) -> list[str]:
        me = self.dl.agents.find(self.agent_id)
        return list(me.skills) if me is not None else []

    def _task_id(self, task_id: Any) -> str:
        """The named task, or the one task this agent holds when none is named."""
        if task_id is not None:
            return limits.ident(task_id, "task_id")  # type: ignore[return-value]
        held = sorted(self.tokens.held(self.dl, self.agent_id))
        if len(held) == 1:
            return held[0]
        if not held:
            raise InvalidInputError("you hold no task: name the task (or claim one first)")
        raise InvalidInputError(f"you hold {len(held)} tasks ({', '.join(held[:10])}): name the one you mean")

    def _holder(self, task_id: str, action: Any) -> Any:
        """Run ``action(token)`` with this agent's token; a lost task leaves the book."""
        token = self.tokens.token(self.dl, self.agent_id, task_id)
        try:
            return action(token)
        except StaleLeaseError as error:
            self.tokens.forget(task_id)
            raise not_held(task_id, self.agent_id, error.current) from None

    def _after_release(self, task_id: str) -> None:
        self.tokens.forget(task_id)
        if not self.tokens.held(self.dl, self.agent_id):
            self._beat(status="idle", clear_task=True)

    # -- claim --------------------------------------------------------------------
    def claim_task(self, task_id: Any = None) -> dict[str, Any]:
        """The best ready task this agent can do (or ``task_id``); ``task`` is null when there is none."""
        if task_id is None:
            task = self.dl.tasks.claim(self.agent_id, ttl=self.lease_ttl)
            if task is None and self.dl.tasks.count_expired_claims():
                # Nobody else runs a janitor in a swarm of MCP agents: an idle
                # claimer returns expired claims to the queue, then tries again.
                self.dl.tasks.reclaim_expired(by=self.agent_id)
                task = self.dl.tasks.claim(self.agent_id, ttl=self.lease_ttl)
        else:
            task = self._claim_named(limits.ident(task_id, "task_id"))
        if task is None:
            return {"claimed": False, "task": None, "message": "no ready task fits this agent's skills"}
        self.tokens.granted(task)
        self._beat(status="busy", current_task=task.id)
        return {"claimed": True, "task": views.task(task), "message": f"claimed {task.id}"}

    def _claim_named(self, task_id: str) -> Any:
        current = self.dl.tasks.get(task_id)
        if current.claimed_by == self.agent_id and current.owned:
            return current  # assigned to this agent (by an operator, or before a restart): take it up
        try:  # the DataLayer refuses what is not ready, not for these skills, or backing off
            return self.dl.tasks.claim(self.agent_id, task_id, ttl=self.lease_ttl)
        except ConflictError as error:
            now = error.current
            if now is not None and now.claimed_by == self.agent_id and now.owned:
                return now
            raise

    # -- holder operations -----------------------------------------------------------
    def start_task(self, task_id: Any = None) -> dict[str, Any]:
        name = self._task_id(task_id)
        task = self._holder(name, lambda token: self.dl.tasks.start(name, self.agent_id, token))
        self._beat(status="busy", current_task=name)
        return {"task": views.task(task)}

    def complete_task(self, task_id: Any = None, result: Any = None) -> dict[str, Any]:
        name = self._task_id(task_id)
        value = limits.json_value(result, "result")
        task = self._holder(name, lambda token: self.dl.tasks.complete(name, self.agent_id, token, result=value))
        self._after_release(name)
        return {"task": views.task(task)}

    def fail_task(self, task_id: Any = None, error: Any = None, retry: bool = True) -> dict[str, Any]:
        name = self._task_id(task_id)
        reason = limits.text(error, "error")
        if not isinstance(retry, bool):
            raise InvalidInputError("retry must be true or false")
        task = self._holder(name, lambda token: self.dl.tasks.fail(name, self.agent_id, token, reason, retry=retry))
        self._after_release(name)
        will_retry = task.status == "pending"
        return {"task": views.task(task), "will_retry": will_retry}

    def renew_tasks(self) -> dict[str, list[str]]:
        """Extend the lease of every task held; tasks lost meanwhile leave the book."""
        renewed, lost = [], []
        for task_id, token in self.tokens.held(self.dl, self.agent_id).items():
            try:
                self.dl.tasks.renew(task_id, self.agent_id, token, ttl=self.lease_ttl)
                renewed.append(task_id)
            except (StaleLeaseError, NotFoundError):
                self.tokens.forget(task_id)
                lost.append(task_id)
        return {"renewed": renewed, "lost": lost}

    # -- planning and reading -----------------------------------------------------------
    def create_task(self, title: Any, description: Any = None, priority: Any = "medium",
                    required_skills: Any = None, dependencies: Any = None, parent_id: Any = None) -> dict[str, Any]:
        task = self.dl.tasks.create(
            limits.text(title, "title", limit=limits.MAX_SHORT),
            description=limits.text(description, "description", optional=True),
            priority=limits.choice(priority, "priority", PRIORITIES),
            required_skills=limits.items(required_skills, "required_skills", optional=True),
            dependencies=limits.items(dependencies, "dependencies", optional=True),
            parent_id=limits.ident(parent_id, "parent_id", optional=True),
            by=self.agent_id,
        )
        return {"task": views.task(task)}

    def list_tasks(self, ready: Any = None, status: Any = None, text: Any = None, mine: bool = False,
                   limit: Any = 50) -> dict[str, Any]:
        if ready is not None and not isinstance(ready, bool):
            raise InvalidInputError("ready must be true, false or null")
        found = self.dl.tasks.list(
            ready=ready,
            status=None if status is None else limits.choice(status, "status", TASK_STATUSES),
            text=limits.text(text, "text", limit=limits.MAX_SHORT, optional=True),
            claimed_by=self.agent_id if mine is True else None,
            limit=limits.count(limit, "limit"),
        )
        return {"tasks": [views.task_brief(t) for t in found], "count": len(found)}

    def get_task(self, task_id: Any) -> dict[str, Any]:
        name = limits.ident(task_id, "task_id")
        task = self.dl.tasks.get(name)
        out: dict[str, Any] = {"task": views.task(task), "held_by_me": name in self.tokens.held(self.dl, self.agent_id)}
        if task.status == "pending":
            out["blockers"] = views.blockers(self.dl.tasks.blockers(name))
            skills = self._my_skills()
            missing = [s for s in task.required_skills if not skills_fit([s], skills)]
            if missing:
                out["skills_missing"] = missing
        return out

    def get_task_context(self, task_id: Any, k: Any = 5) -> dict[str, Any]:
        name = limits.ident(task_id, "task_id")
        return views.task_context(self.dl.memories.get_task_context(name, k=limits.count(k, "k", high=50)))

    def ready_for_me(self, limit: int = 10) -> list[dict[str, Any]]:
        """Ready tasks whose skills this agent has, best first (among the top :data:`READY_SCAN`)."""
        skills, moment = self._my_skills(), clock.now()
        ready = self.dl.tasks.list(ready=True, limit=READY_SCAN)
        return [views.task_brief(t) for t in ready
                if skills_fit(t.required_skills, skills) and (t.available_at or 0) <= moment][:limit]
