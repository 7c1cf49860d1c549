"""Agent mail as callers see it: messages, per-recipient deliveries, threads.

Rows may come from other clients (the seed's ``messages`` table has no
``sent_at`` and a free-form ``timestamp``; ``payload`` may hold broken JSON),
so decoding never raises: unreadable values are replaced by ``None``, named
in ``problems`` and the stored text is kept in ``raw`` for display.  The SQL
fragments that the decoders expect live here too, next to the column order
they depend on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .clock import parse_timestamp
from .jsonvalues import as_text, read_json, read_list

#: ``to_agent`` of a broadcast (the seed's convention).
BROADCAST = "*"

#: Types the swarm uses; others are allowed (free-form), these are documented.
KNOWN_TYPES = (
    "task.claimed", "task.completed", "task.failed", "task.handoff", "task.help_needed",
    "file.lock_request", "agent.started", "agent.stopped",
)


def sent_sql(alias: str) -> str:
    """SQL: the epoch a message was sent, from ``sent_at`` or the seed's text
    ``timestamp`` (ISO text, epoch seconds or milliseconds); NULL if unreadable.

    Used for ordering and ``since`` filters so rows written by any client
    sort together with ours.
    """
    ts = f"{alias}.timestamp"
    number = f"(CASE WHEN CAST({ts} AS REAL) > 1e11 THEN CAST({ts} AS REAL) / 1000.0 ELSE CAST({ts} AS REAL) END)"
    return (
        f"(CASE WHEN typeof({alias}.sent_at) IN ('integer', 'real') THEN {alias}.sent_at"
        f" WHEN typeof({ts}) IN ('integer', 'real') THEN {number}"
        f" WHEN typeof({ts}) = 'text' AND {ts} <> '' AND {ts} NOT GLOB '*[^0-9.]*' THEN {number}"
        f" ELSE (julianday({ts}) - 2440587.5) * 86400.0 END)"
    )


#: Message columns then three delivery aggregates (recipients, read, acked).
MESSAGE_COLUMNS = ("id", "type", "from_agent", "to_agent", "payload", "thread_id", "timestamp",
                   "task_id", "sent_at")
MESSAGE_FIELDS = (
    ", ".join(f"m.{c}" for c in MESSAGE_COLUMNS)
    + ", (SELECT count(*) FROM message_recipients c WHERE c.message_id = m.id)"
    + ", (SELECT count(c.read_at) FROM message_recipients c WHERE c.message_id = m.id)"
    + ", (SELECT count(c.acked_at) FROM message_recipients c WHERE c.message_id = m.id)"
)
MESSAGE_SELECT = f"SELECT {MESSAGE_FIELDS} FROM messages m"
#: A delivery: the message (as :data:`MESSAGE_SELECT`) then recipient, read_at, acked_at.
DELIVERY_FIELDS = f"{MESSAGE_FIELDS}, r.agent_id, r.read_at, r.acked_at"
DELIVERY_SELECT = f"SELECT {DELIVERY_FIELDS} FROM message_recipients r JOIN messages m ON m.id = r.message_id"


# Paged reads choose the page first (row ids and sort key only), then compute
# the per-message delivery counts for the rows of that page alone: computed
# for every candidate before sorting, they cost 15x more at 20k messages.
# The counts come from a LEFT JOIN + GROUP BY, not MESSAGE_FIELDS' correlated
# subqueries: behind a derived table those took pyturso 111 ms for 50 rows of
# 30k messages (local 5 ms); the join takes 9 ms there and the same locally.
def message_page_sql(where: str, newest_first: bool) -> str:
    """One page of ``messages m`` matching ``where``; params: where's, limit, offset."""
    d = "DESC" if newest_first else "ASC"
    columns = ", ".join(f"m.{c}" for c in MESSAGE_COLUMNS)
    return (f"SELECT {columns}, count(c.message_id), count(c.read_at), count(c.acked_at)"
            f" FROM (SELECT m.rowid AS rid, {sent_sql('m')} AS at FROM messages m{where}"
            f" ORDER BY at {d}, rid {d} LIMIT ? OFFSET ?) p JOIN messages m ON m.rowid = p.rid"
            " LEFT JOIN message_recipients c ON c.message_id = m.id"
            f" GROUP BY p.rid ORDER BY p.at {d}, p.rid {d}")


def delivery_page_sql(where: str) -> str:
    """The oldest deliveries matching ``where`` (over ``r`` and ``m``); params: where's, limit."""
    return (f"SELECT {DELIVERY_FIELDS} FROM (SELECT r.rowid AS rrid, m.rowid AS rid, {sent_sql('m')} AS at"
            f" FROM message_recipients r JOIN messages m ON m.id = r.message_id{where} ORDER BY at, rid LIMIT ?) p"
            " JOIN message_recipients r ON r.rowid = p.rrid JOIN messages m ON m.rowid = p.rid ORDER BY p.at, p.rid")


@dataclass(frozen=True)
class Message:
    """One message.  ``to_agent`` is ``"*"`` for a broadcast.

    ``recipients``/``read_count``/``acked_count`` count its delivery rows
    (one per recipient), so the dashboard can show "3/5 acked".
    """

    id: str
    type: str
    from_agent: str | None
    to_agent: str | None
    payload: Any
    thread_id: str
    task_id: str | None = None
    sent_at: float | None = None
    recipients: int = 0
    read_count: int = 0
    acked_count: int = 0
    problems: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_broadcast(self) -> bool:
        return self.to_agent == BROADCAST

    @property
    def starts_thread(self) -> bool:
        return self.thread_id == self.id

    @property
    def payload_ok(self) -> bool:
        """False when the stored payload is not valid JSON (see ``raw['payload']``)."""
        return "payload" not in self.raw


@dataclass(frozen=True)
class Delivery:
    """A message as one recipient has it: its own read and ack state."""

    message: Message
    agent_id: str
    read_at: float | None = None
    acked_at: float | None = None

    @property
    def read(self) -> bool:
        return self.read_at is not None

    @property
    def acked(self) -> bool:
        return self.acked_at is not None


@dataclass(frozen=True)
class Thread:
    """A conversation: the first message and every reply carrying its id.

    ``unread``/``ack_pending`` count delivery rows without ``read_at`` /
    ``acked_at`` — for one agent when the listing was asked for an agent,
    else over every recipient.
    """

    id: str
    first_type: str | None
    last_type: str | None
    task_id: str | None
    started_at: float | None
    last_activity: float | None
    participants: tuple[str, ...]
    message_count: int
    unread: int
    ack_pending: int


def _epoch(raw: Any) -> float | None:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    return None


def _count(raw: Any) -> int:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else 0


def message_from_row(row: tuple) -> Message:
    """Decode a row of :data:`MESSAGE_SELECT` (or the head of a delivery row); never raises."""
    values = dict(zip(MESSAGE_COLUMNS, row))
    problems: list[str] = []
    raw: dict[str, Any] = {}
    message_id = as_text(values["id"]) or ""
    payload, ok = read_json(values["payload"])
    if not ok:
        problems.append("payload: not valid JSON")
        raw["payload"] = as_text(values["payload"])
    sent = _epoch(values["sent_at"])
    if sent is None:
        sent = parse_timestamp(values["timestamp"])
        if sent is None and values["timestamp"] is not None:
            problems.append("timestamp: unreadable")
            raw["timestamp"] = as_text(values["timestamp"])
    if values["sent_at"] is not None and _epoch(values["sent_at"]) is None:
        problems.append("sent_at: not a number")
        raw["sent_at"] = as_text(values["sent_at"])
    type_ = as_text(values["type"])
    if not type_:
        problems.append("type: empty")
    return Message(
        id=message_id,
        type=type_ or "",
        from_agent=as_text(values["from_agent"]),
        to_agent=as_text(values["to_agent"]),
        payload=payload,
        thread_id=as_text(values["thread_id"]) or message_id,
        task_id=as_text(values["task_id"]),
        sent_at=sent,
        recipients=_count(row[len(MESSAGE_COLUMNS)]),
        read_count=_count(row[len(MESSAGE_COLUMNS) + 1]),
        acked_count=_count(row[len(MESSAGE_COLUMNS) + 2]),
        problems=tuple(problems),
        raw=raw,
    )


def delivery_from_row(row: tuple) -> Delivery:
    """Decode a row of :data:`DELIVERY_SELECT`; never raises."""
    tail = len(MESSAGE_COLUMNS) + 3
    return Delivery(
        message=message_from_row(row),
        agent_id=as_text(row[tail]) or "",
        read_at=_epoch(row[tail + 1]),
        acked_at=_epoch(row[tail + 2]),
    )


def thread_from_row(row: tuple) -> Thread:
    """Decode a row of the thread listing (see ``Messages.threads``); never raises."""
    tid, first_at, last_at, count, first_type, last_type, task_id, people, unread, pending = row
    participants, _ok = read_list(people)
    return Thread(
        id=as_text(tid) or "",
        first_type=as_text(first_type),
        last_type=as_text(last_type),
        task_id=as_text(task_id),
        started_at=_epoch(first_at),
        last_activity=_epoch(last_at),
        participants=tuple(sorted(p for p in participants if p)),
        message_count=_count(count),
        unread=_count(unread),
        ack_pending=_count(pending),
    )
