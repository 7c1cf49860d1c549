"""Which agents were alive at a moment, as far as it can be known.

Heartbeats are not kept as history: ``agents`` holds only the latest.  What
remains is the change feed (``change_log``), where every heartbeat is a row
update of ``agents``, kept for the last 50k changes of the whole database
(an hour or so of a busy swarm), and the audit log, where an agent's claims,
starts and completions prove it was alive then.  So:

* within the change feed's horizon, liveness at T is exact (the same
  thresholds as the live dashboard, applied to the last beat before T);
* before it, an agent that acted in the audit log within ``dead_after`` of T
  is known to be alive (or stale); for the rest it is ``unknown``;
* who owned work at T is always known (the audit log), so "busy" is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...models import Liveness
from ..snapshot import heartbeat_of
from ..source import Reader, number, text


@dataclass(frozen=True)
class AgentThen:
    id: str
    #: ``alive`` / ``stale`` / ``dead``, or ``unknown`` before the heartbeat records.
    liveness: str
    last_seen: float | None
    #: ``heartbeat`` (a recorded beat), ``activity`` (an audit event by it), ``none``.
    basis: str
    #: Tasks it owned (claimed or in progress) at T.
    busy: int = 0


@dataclass
class AgentsThen:
    agents: list[AgentThen] = field(default_factory=list)
    #: The oldest change the change feed still holds (heartbeats before are gone).
    heartbeats_since: float | None = None
    note: str = ""

    def counts(self) -> dict[str, int]:
        result = {"alive": 0, "stale": 0, "dead": 0, "unknown": 0, "busy": 0}
        for agent in self.agents:
            result[agent.liveness] = result.get(agent.liveness, 0) + 1
            result["busy"] += 1 if agent.busy else 0
        return result


def agents_at(reader: Reader, moment: float, liveness: Liveness, busy: dict[str, int]) -> AgentsThen:
    window = (moment - liveness.dead_after, moment)
    first = reader.rows("SELECT at FROM change_log ORDER BY seq LIMIT 1")
    horizon = number(first[0][0]) if first else None
    knowable = horizon is not None and horizon <= window[0]
    seen: dict[str, tuple[float, str]] = {}
    gone: set[str] = set()
    for agent_id, op, at in reader.rows(
            "SELECT row_id, op, max(at) FROM change_log WHERE tbl = 'agents' AND at <= ? GROUP BY row_id", (moment,)):
        key, when = text(agent_id) or "", number(at)
        if op == "delete":
            gone.add(key)
        elif when is not None and when > window[0]:
            seen[key] = (when, "heartbeat")
    for actor, at in reader.rows("SELECT actor, max(at) FROM task_events WHERE at > ? AND at <= ? GROUP BY actor",
                                 window):
        key, when = text(actor), number(at)
        if key and when is not None and (key not in seen or seen[key][0] < when):
            seen[key] = (when, seen[key][1] if key in seen else "activity")
    registered: set[str] = set()
    for agent_id, registered_at, text_beat, epoch_beat in reader.rows(
            "SELECT id, registered_at, last_heartbeat, heartbeat_at FROM agents"):
        key, since = text(agent_id) or "", number(registered_at)
        if since is None or since <= moment:
            registered.add(key)
        beat = heartbeat_of(text_beat, epoch_beat)
        if beat is not None and window[0] < beat <= moment and (key not in seen or seen[key][0] < beat):
            seen[key] = (beat, "heartbeat")
    result = AgentsThen(heartbeats_since=horizon)
    names = (registered - gone) | set(seen) | {owner for owner, n in busy.items() if n}
    for name in sorted(names):
        if name in seen:
            when, basis = seen[name]
            state = liveness.classify(max(0.0, moment - when))
        else:
            when, basis, state = None, "none", "dead" if knowable else "unknown"
        result.agents.append(AgentThen(name, state, when, basis, busy.get(name, 0)))
    if not knowable:
        result.note = ("heartbeat records do not reach back to this moment (the change feed keeps the last "
                       "50,000 changes): liveness comes from audit activity only")
    return result
