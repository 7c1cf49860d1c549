"""``dl.agents``: registration, heartbeats, liveness, clean stops and deregistration.

Liveness is derived from heartbeat age against the database's liveness rule
(:data:`.settings.LIVENESS`, unless this DataLayer was given an override),
never stored, so it is true at the moment it is read and the same for every
reader of one database.  An agent that stopped cleanly (:meth:`Agents.stop`)
is ``stopped`` whatever its heartbeat's age: neither alive nor dead.

Stopping and deregistering both put the agent's tasks back in the queue and
release its leases and reservations in one transaction, so nothing is left
orphaned; a stopped agent stays listed (and may register again), a
deregistered one is gone.  Its mail is kept either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import clock, settings
from .context import StoreContext
from .backend import Tx
from .errors import ConflictError, InvalidInputError, NotFoundError
from .inputs import check_agent_id
from .jsonvalues import as_text, dump_string_list, read_list
from .mail_rows import notify_agents
from .models import LIVENESS_STATES, STOPPED, Agent, Liveness, Task
from .task_rows import RETURNING, task_from_row

AGENT_COLUMNS = ("id", "name", "status", "skills", "session_id", "last_heartbeat", "heartbeat_at",
                 "current_task", "registered_at", "version")
AGENT_SELECT = "SELECT " + ", ".join(AGENT_COLUMNS) + " FROM agents"
_OWNED = "('claimed', 'in_progress')"


@dataclass
class ReleaseReport:
    """What :meth:`Agents.release_all` gave back, all in one transaction."""

    agent_id: str
    tasks: list[Task] = field(default_factory=list)
    reservations: int = 0
    leases: int = 0

    def describe(self) -> str:
        return (f"{self.agent_id}: released {len(self.tasks)} task(s), {self.reservations} reservation(s), "
                f"{self.leases} lease(s)")


class Agents:
    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self._engine = ctx.engine

    def _rule(self, tx: Tx) -> Liveness:
        return self._ctx.liveness or settings.read(tx, settings.LIVENESS)

    def liveness_rule(self) -> Liveness:
        """The thresholds this DataLayer classifies with: its override, else
        the database's stored rule, else the default."""
        return self._engine.read(self._rule)

    def _decode(self, row: tuple, rule: Liveness) -> Agent:
        values = dict(zip(AGENT_COLUMNS, row))
        problems: list[str] = []
        raw: dict[str, Any] = {}
        skills, ok = read_list(values["skills"])
        if not ok:
            problems.append("skills: not a JSON array of strings")
            raw["skills"] = as_text(values["skills"])
        text_beat = clock.parse_timestamp(values["last_heartbeat"])
        if values["last_heartbeat"] is not None and text_beat is None:
            problems.append("last_heartbeat: unreadable timestamp")
            raw["last_heartbeat"] = as_text(values["last_heartbeat"])
        epoch_beat = values["heartbeat_at"] if isinstance(values["heartbeat_at"], (int, float)) else None
        beats = [b for b in (text_beat, epoch_beat) if b is not None]
        last = max(beats) if beats else None
        status = as_text(values["status"]) or "idle"
        return Agent(
            id=as_text(values["id"]) or "",
            name=as_text(values["name"]),
            status=status,
            skills=skills,
            session_id=as_text(values["session_id"]),
            last_heartbeat=last,
            current_task=as_text(values["current_task"]),
            registered_at=values["registered_at"] if isinstance(values["registered_at"], (int, float)) else None,
            version=values["version"] if isinstance(values["version"], int) else 1,
            liveness=rule.of(last, status, clock.now()),
            problems=tuple(problems),
            raw=raw,
        )

    def register(self, id: str, *, name: str | None = None, skills: Iterable[str] = (),
                 session_id: str | None = None, status: str = "idle") -> Agent:
        """Register an agent, or update it when the id exists (counts as a heartbeat)."""
        check_agent_id(id, "an agent id")
        if not isinstance(status, str) or not status.strip():
            raise InvalidInputError(f"an agent status must be a non-empty string, not {status!r}")
        skills_json = dump_string_list(list(skills), what="skills")
        moment = clock.now()

        def write(tx: Tx) -> Agent:
            tx.execute(
                "INSERT INTO agents(id, name, status, skills, session_id, last_heartbeat, heartbeat_at, registered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET name = coalesce(excluded.name, agents.name),"
                " status = excluded.status, skills = excluded.skills,"
                " session_id = coalesce(excluded.session_id, agents.session_id),"
                " last_heartbeat = excluded.last_heartbeat, heartbeat_at = excluded.heartbeat_at,"
                " version = agents.version + 1",
                (id, name, status, skills_json, session_id, clock.to_db_text(moment), moment, moment),
            )
            return self._decode(tx.row(AGENT_SELECT + " WHERE id = ?", (id,)), self._rule(tx))

        return self._engine.write(write)

    def heartbeat(self, id: str, *, status: str | None = None, current_task: str | None = None,
                  clear_task: bool = False) -> Agent:
        """Record that the agent is alive (and optionally what it is doing)."""
        if status is not None and (not isinstance(status, str) or not status.strip()):
            raise InvalidInputError(f"an agent status must be a non-empty string, not {status!r}")
        moment = clock.now()

        def write(tx: Tx) -> Agent:
            changed = tx.execute(
                "UPDATE agents SET last_heartbeat = ?, heartbeat_at = ?, status = coalesce(?, status),"
                " current_task = CASE WHEN ? THEN NULL ELSE coalesce(?, current_task) END WHERE id = ?",
                (clock.to_db_text(moment), moment, status, 1 if clear_task else 0, current_task, id),
            )
            if not changed:
                raise NotFoundError(f"no agent {id!r} (register it first)")
            return self._decode(tx.row(AGENT_SELECT + " WHERE id = ?", (id,)), self._rule(tx))

        return self._engine.write(write)

    def _read(self, sql: str, params: tuple = ()) -> list[Agent]:
        """Decode the agent rows ``sql`` selects, with the liveness rule read alongside."""
        def read(tx: Tx) -> list[Agent]:
            rule = self._rule(tx)
            return [self._decode(row, rule) for row in tx.rows(sql, params)]

        return self._engine.read(read)

    def get(self, id: str) -> Agent:
        found = self.find(id)
        if found is None:
            raise NotFoundError(f"no agent {id!r}")
        return found

    def find(self, id: str) -> Agent | None:
        found = self._read(AGENT_SELECT + " WHERE id = ?", (id,))
        return found[0] if found else None

    def list(self, *, liveness: str | None = None) -> list[Agent]:
        agents = self._read(AGENT_SELECT + " ORDER BY id")
        return [a for a in agents if liveness is None or a.liveness == liveness]

    def get_many(self, ids: Iterable[str]) -> dict[str, Agent]:
        from .jsonvalues import dump_json

        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        agents = self._read(AGENT_SELECT + " WHERE id IN (SELECT value FROM json_each(?))",
                            (dump_json(wanted, what="ids"),))
        return {agent.id: agent for agent in agents}

    def liveness_counts(self) -> dict[str, int]:
        """Agents per liveness (every one of :data:`~.models.LIVENESS_STATES`)."""
        counts = dict.fromkeys(LIVENESS_STATES, 0)
        for agent in self.list():
            counts[agent.liveness] += 1
        return counts

    def orphaned_tasks(self) -> list[Task]:
        """Tasks held by agents that are dead, stopped or no longer registered
        (a clean stop gives its work back; a client that only wrote
        ``status = 'stopped'`` leaves it here)."""
        from .task_rows import TASK_SELECT

        rows = self._engine.rows(TASK_SELECT + " WHERE t.status IN ('claimed', 'in_progress')")
        tasks = [task_from_row(r) for r in rows]
        owners = self.get_many(t.claimed_by for t in tasks if t.claimed_by)
        return [t for t in tasks
                if t.claimed_by not in owners or owners[t.claimed_by].liveness in ("dead", "stopped")]

    def _guard(self, tx: Tx, id: str, seen_heartbeat: float | None, seen_version: int | None) -> Agent:
        """The agent now; :class:`ConflictError` (with it) when it heartbeated
        after ``seen_heartbeat`` or re-registered (version moved) since the
        operator looked.  Runs inside the write, so check and act are one step."""
        row = tx.row(AGENT_SELECT + " WHERE id = ?", (id,))
        if row is None:
            raise NotFoundError(f"no agent {id!r}")
        current = self._decode(row, self._rule(tx))
        if seen_version is not None and current.version != seen_version:
            raise ConflictError(f"agent {id} registered again since you saw it "
                                f"(version {seen_version} → {current.version})", current)
        beat = current.last_heartbeat
        if seen_heartbeat is not None and beat is not None and beat > seen_heartbeat:
            raise ConflictError(f"agent {id} heartbeated since you saw it", current)
        return current

    @staticmethod
    def _free(tx: Tx, id: str, by: str, action: str, moment: float, *,
              uncount: bool) -> tuple[list[Task], int, int]:
        """Give back everything ``id`` holds: owned tasks (``uncount``: the
        attempt is not counted, as in an operator release), active
        reservations, live leases.  Returns (tasks, reservations, leases)."""
        rows = tx.rows(
            "UPDATE tasks SET status = 'pending', claimed_by = NULL, lease_expires_at = NULL,"
            " attempts = CASE WHEN ? THEN max(attempts - 1, 0) ELSE attempts END,"
            " version = version + 1, updated_at = ?, last_actor = ?,"
            f" last_action = ? WHERE claimed_by = ? AND status IN {_OWNED} " + RETURNING,
            (1 if uncount else 0, moment, by, action, id),
        )
        reservations = tx.execute(
            "UPDATE file_reservations SET status = 'released', released_at = ? WHERE agent_id = ? AND status = 'active'",
            (moment, id),
        )
        leases = tx.execute("UPDATE leases SET agent_id = NULL, released_at = ? WHERE agent_id = ?"
                            " AND released_at IS NULL", (moment, id))
        return [task_from_row(r) for r in rows], reservations, leases

    def release_all(self, id: str, *, by: str, seen_heartbeat: float | None = None,
                    seen_version: int | None = None) -> ReleaseReport:
        """Return everything a (dead) agent holds to the pool and tell it so,
        in ONE transaction; refused with :class:`ConflictError` when the agent
        heartbeated or re-registered since the operator saw it."""
        if not isinstance(by, str) or not by.strip():
            raise InvalidInputError("release_all needs the operator's identity (by=...)")

        def write(tx: Tx) -> ReleaseReport:
            self._guard(tx, id, seen_heartbeat, seen_version)
            moment = clock.now()
            tasks, reservations, leases = self._free(tx, id, by, "release_all", moment, uncount=True)
            report = ReleaseReport(id, tasks, reservations, leases)
            notify_agents(tx, [id], "operator.release_all",
                          {"by": by, "tasks": [t.id for t in tasks], "reservations": reservations,
                           "leases": leases}, by=by)
            return report

        return self._engine.write(write)

    def stop(self, id: str, *, by: str | None = None) -> ReleaseReport:
        """An agent's clean goodbye, in ONE transaction: its claimed tasks go
        back to the queue (the attempt is not counted: stopping is not
        failing), its reservations and leases are released, and it is marked
        ``stopped`` (liveness ``stopped``, no current task).  The task audit
        trail records ``stop`` by ``by`` (default: the agent itself).

        An agent no longer registered (deregistered while it worked) still
        gives back whatever it took meanwhile; no row is created for it.
        """
        if not isinstance(id, str) or not id.strip():
            raise InvalidInputError("stop needs the agent's id")

        def write(tx: Tx) -> ReleaseReport:
            moment = clock.now()
            tasks, reservations, leases = self._free(tx, id, by or id, "stop", moment, uncount=True)
            tx.execute("UPDATE agents SET status = ?, current_task = NULL, last_heartbeat = ?, heartbeat_at = ?,"
                       " version = version + 1 WHERE id = ?", (STOPPED, clock.to_db_text(moment), moment, id))
            return ReleaseReport(id, tasks, reservations, leases)

        return self._engine.write(write)

    def deregister(self, id: str, *, by: str | None = None, seen_heartbeat: float | None = None,
                   seen_version: int | None = None) -> list[Task]:
        """Remove an agent; its tasks go back to the queue, its leases and
        reservations are released, its mail stays.  Returns the released tasks.
        ``seen_heartbeat``/``seen_version`` refuse it (ConflictError) when the
        agent changed since the operator saw it, as in :meth:`release_all`."""

        def write(tx: Tx) -> list[Task]:
            self._guard(tx, id, seen_heartbeat, seen_version)
            tasks, _, _ = self._free(tx, id, by or id, "deregister", clock.now(), uncount=False)
            tx.execute("DELETE FROM agents WHERE id = ?", (id,))
            return tasks

        return self._engine.write(write)
