"""``dl.messages``: agent mail (the seed's send / broadcast / receive).

Every message has one delivery row per recipient (``message_recipients``), so
each recipient's read and ack state is its own: one agent reading a broadcast
does not mark it read for the others.  A broadcast reaches the agents
registered when it is sent (not the sender) and is written in one
``engine.write`` transaction: a crash leaves it delivered to all or to none.
Senders and recipients need not be registered (``operator``, ``system``),
but ``send`` refuses an address nobody has ever used (not a registered
agent, not ``operator``/``system``, never a sender or recipient): a typo such as ``nobody-xyz`` would
otherwise swallow the mail without a word.  ``unknown_ok=True`` leaves mail
for an agent that has not started yet.  Deregistering an agent keeps its mail.

Payloads are strict JSON on write and lenient on read (see
:mod:`.mail_models`): broken JSON from another client is shown, never raised.
"""

from __future__ import annotations

from typing import Any

from . import clock
from .context import StoreContext
from .backend import Tx
from .errors import InvalidInputError, NotFoundError
from .jsonvalues import dump_json
from .mail_models import (
    BROADCAST,
    DELIVERY_SELECT,
    MESSAGE_SELECT,
    Delivery,
    Message,
    Thread,
    delivery_from_row,
    delivery_page_sql,
    message_from_row,
    message_page_sql,
    sent_sql,
    thread_from_row,
)
from .mail_rows import insert_message

_SENT = sent_sql("m")
_ORDER_OLDEST = f" ORDER BY {_SENT}, m.rowid"

#: Addresses that are never agents but always valid: the dashboard's user
#: and the swarm's own machinery.
WELL_KNOWN_ADDRESSES = frozenset({"operator", "system"})
#: A registered agent, or an address that has sent or received mail (all
#: three lookups are indexed).
_KNOWN_ADDRESS_SQL = ("SELECT 1 FROM agents WHERE id = ? UNION ALL SELECT 1 FROM message_recipients"
                      " WHERE agent_id = ? UNION ALL SELECT 1 FROM messages WHERE from_agent = ? LIMIT 1")


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what} must be a non-empty string, not {value!r}")
    return value


def _optional_name(value: Any, what: str) -> str | None:
    return None if value is None else _name(value, what)


def _since(value: Any) -> float | None:
    if value is None:
        return None
    moment = clock.parse_timestamp(value)
    if moment is None:
        raise InvalidInputError(f"since must be a timestamp (epoch seconds or ISO text), not {value!r}")
    return moment


def _page(limit: Any, offset: Any) -> tuple[int, int]:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise InvalidInputError(f"limit must be a non-negative integer, not {limit!r}")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidInputError(f"offset must be a non-negative integer, not {offset!r}")
    return limit, offset


def _filters(alias: str, *, agent=None, type=None, thread_id=None, task_id=None,
             since=None) -> tuple[list[str], list[Any]]:
    """WHERE clauses over ``messages {alias}``.

    ``type`` is exact, or a family such as ``"operator.*"`` (prefix match);
    ``agent`` matches the sender, the addressee and every recipient.
    """
    clauses: list[str] = []
    params: list[Any] = []
    if agent is not None:
        clauses.append(f"({alias}.from_agent = ? OR {alias}.to_agent = ? OR EXISTS (SELECT 1 FROM"
                       f" message_recipients a WHERE a.message_id = {alias}.id AND a.agent_id = ?))")
        params += [agent, agent, agent]
    if type is not None and type != "*":
        _name(type, "type")
        if type.endswith(".*"):
            prefix = type[:-1]
            clauses.append(f"substr({alias}.type, 1, ?) = ?")
            params += [len(prefix), prefix]
        else:
            clauses.append(f"{alias}.type = ?")
            params.append(type)
    if thread_id is not None:
        clauses.append(f"({alias}.thread_id = ? OR ({alias}.thread_id IS NULL AND {alias}.id = ?))")
        params += [thread_id, thread_id]
    if task_id is not None:
        clauses.append(f"{alias}.task_id = ?")
        params.append(task_id)
    moment = _since(since)
    if moment is not None:
        clauses.append(f"{sent_sql(alias)} > ?")
        params.append(moment)
    return clauses, params


def _where(clauses: list[str]) -> str:
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


class Messages:
    """Agent mail of one DataLayer."""

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx
        self._engine = ctx.engine

    # -- writes -------------------------------------------------------------
    @staticmethod
    def _get(tx: Tx, message_id: str) -> Message:
        row = tx.row(MESSAGE_SELECT + " WHERE m.id = ?", (message_id,))
        if row is None:
            raise NotFoundError(f"no message {message_id!r}")
        return message_from_row(row)

    def _post(self, from_agent: str, to_agent: str, type: str, payload: Any, recipients_sql: str | None,
              recipients: list[str], thread_id: str | None, task_id: str | None,
              unknown_ok: bool = True) -> Message:
        _name(from_agent, "from_agent")
        if from_agent.strip() == BROADCAST:
            raise InvalidInputError(f"{BROADCAST!r} is the broadcast address, not a sender")
        _name(type, "type")
        _optional_name(thread_id, "thread_id")
        _optional_name(task_id, "task_id")
        dump_json(payload, what="payload")  # refuse before opening a transaction

        def write(tx: Tx) -> Message:
            if thread_id is not None and tx.value(
                    "SELECT 1 FROM messages WHERE thread_id = ? OR id = ? LIMIT 1", (thread_id, thread_id)) is None:
                raise NotFoundError(f"no thread {thread_id!r} to reply to")
            if (not unknown_ok and to_agent not in WELL_KNOWN_ADDRESSES
                    and tx.value(_KNOWN_ADDRESS_SQL, (to_agent, to_agent, to_agent)) is None):
                raise NotFoundError(f"no agent {to_agent!r}: it is not registered and has never sent or "
                                    "received mail (check the id, or pass unknown_ok=True to leave mail "
                                    "for an agent that has not started yet)")
            names = recipients if recipients_sql is None else [r[0] for r in tx.rows(recipients_sql, (from_agent,))]
            message_id, _thread = insert_message(
                tx, from_agent=from_agent, to_agent=to_agent, type=type, payload=payload,
                recipients=names, thread_id=thread_id, task_id=task_id)
            return self._get(tx, message_id)

        return self._engine.write(write)

    def send(self, from_agent: str, to_agent: str, type: str, payload: Any = None, *,
             thread_id: str | None = None, task_id: str | None = None, unknown_ok: bool = False) -> Message:
        """Send to one agent: a registered one, or any address already used
        in mail (the operator, ``system``); :class:`NotFoundError` for an
        address nobody has used unless ``unknown_ok`` (the mail then waits).

        Without ``thread_id`` the message starts a thread (its id); with one
        it is a reply in that thread (which must exist).
        """
        _name(to_agent, "to_agent")
        if to_agent.strip() == BROADCAST:
            raise InvalidInputError("to send to every agent use broadcast()")
        return self._post(from_agent, to_agent, type, payload, None, [to_agent], thread_id, task_id,
                          unknown_ok=unknown_ok)

    def broadcast(self, from_agent: str, type: str, payload: Any = None, *,
                  thread_id: str | None = None, task_id: str | None = None) -> Message:
        """Send to every agent registered now except the sender, atomically."""
        return self._post(from_agent, BROADCAST, type, payload,
                          "SELECT id FROM agents WHERE id IS NOT NULL AND id <> ? ORDER BY id", [],
                          thread_id, task_id)

    def _mark(self, message_id: str, agent_id: str, ack: bool) -> Delivery:
        moment = clock.now()
        sets = "read_at = coalesce(read_at, ?)" + (", acked_at = coalesce(acked_at, ?)" if ack else "")
        pending = "(read_at IS NULL OR acked_at IS NULL)" if ack else "read_at IS NULL"
        params = (moment, moment) if ack else (moment,)

        def write(tx: Tx) -> Delivery:
            # Only rows still pending are touched, so repeating is a no-op
            # (no new change-feed entry, the first read/ack time is kept).
            tx.execute(f"UPDATE message_recipients SET {sets} WHERE message_id = ? AND agent_id = ? AND {pending}",
                       (*params, message_id, agent_id))
            row = tx.row(DELIVERY_SELECT + " WHERE r.message_id = ? AND r.agent_id = ?", (message_id, agent_id))
            if row is None:
                self._get(tx, message_id)  # NotFoundError when the message itself is missing
                raise NotFoundError(f"{agent_id!r} is not a recipient of message {message_id!r}")
            return delivery_from_row(row)

        return self._engine.write(write)

    def mark_read(self, message_id: str, agent_id: str) -> Delivery:
        """Mark one recipient's delivery read (idempotent; others are untouched)."""
        return self._mark(message_id, agent_id, ack=False)

    def ack(self, message_id: str, agent_id: str) -> Delivery:
        """Acknowledge (and so also read) a delivery; only a recipient may.

        Raises :class:`NotFoundError` for a missing message or a non-recipient.
        Idempotent: the first ack time is kept.
        """
        return self._mark(message_id, agent_id, ack=True)

    # -- reads --------------------------------------------------------------
    def get(self, message_id: str) -> Message:
        return self._engine.read(lambda tx: self._get(tx, message_id))

    def receive(self, agent_id: str, *, since: Any = None, unread_only: bool = False,
                limit: int = 100) -> list[Delivery]:
        """An agent's inbox, oldest first: each message with this agent's own
        read/ack state.  ``since`` (epoch or ISO text) keeps later messages only."""
        _name(agent_id, "agent_id")
        limit, _ = _page(limit, 0)
        clauses, params = _filters("m", since=since)
        clauses.insert(0, "r.agent_id = ?")
        params.insert(0, agent_id)
        if unread_only:
            clauses.append("r.read_at IS NULL")
        sql = delivery_page_sql(_where(clauses))
        return [delivery_from_row(r) for r in self._engine.rows(sql, (*params, limit))]

    def deliveries(self, message_id: str) -> list[Delivery]:
        """Every recipient's state for one message (who has read / acked it)."""
        rows = self._engine.rows(DELIVERY_SELECT + " WHERE r.message_id = ? ORDER BY r.agent_id", (message_id,))
        return [delivery_from_row(r) for r in rows]

    def thread(self, thread_id: str, *, limit: int | None = None) -> list[Message]:
        """The messages of a thread in the order they were sent (empty if none);
        with ``limit``, only the newest ``limit`` of them (still oldest first)."""
        clauses, params = _filters("m", thread_id=thread_id)
        if limit is not None:  # the newest ``limit``, newest first in SQL, turned back to sent order
            return self.list(thread_id=thread_id, newest_first=True, limit=limit)[::-1]
        rows = self._engine.rows(MESSAGE_SELECT + _where(clauses) + _ORDER_OLDEST, params)
        return [message_from_row(r) for r in rows]

    def for_task(self, task_id: str, *, limit: int | None = None) -> list[Message]:
        """Messages about a task, oldest first; with ``limit``, the latest ``limit`` of them."""
        clauses, params = _filters("m", task_id=task_id)
        if limit is None:
            rows = self._engine.rows(MESSAGE_SELECT + _where(clauses) + _ORDER_OLDEST, params)
            return [message_from_row(r) for r in rows]
        rows = self._engine.rows(message_page_sql(_where(clauses), True), (*params, _page(limit, 0)[0], 0))
        return [message_from_row(r) for r in reversed(rows)]

    def list(self, *, agent: str | None = None, type: str | None = None, thread_id: str | None = None,
             task_id: str | None = None, since: Any = None, newest_first: bool = True,
             limit: int = 100, offset: int = 0) -> list[Message]:
        """Messages for the dashboard: filters are ANDed; SQL does the paging."""
        limit, offset = _page(limit, offset)
        clauses, params = _filters("m", agent=agent, type=type, thread_id=thread_id, task_id=task_id, since=since)
        sql = message_page_sql(_where(clauses), newest_first)
        return [message_from_row(r) for r in self._engine.rows(sql, (*params, limit, offset))]

    def count(self, *, agent: str | None = None, type: str | None = None, thread_id: str | None = None,
              task_id: str | None = None, since: Any = None) -> int:
        clauses, params = _filters("m", agent=agent, type=type, thread_id=thread_id, task_id=task_id, since=since)
        return int(self._engine.value("SELECT count(*) FROM messages m" + _where(clauses), params) or 0)

    def unread_count(self, agent_id: str | None = None) -> int:
        """Deliveries not yet read (by ``agent_id``, or by anyone)."""
        return self._pending("read_at", agent_id)

    def unacked_count(self, agent_id: str | None = None) -> int:
        """Deliveries not yet acknowledged (by ``agent_id``, or by anyone): the overview's figure."""
        return self._pending("acked_at", agent_id)

    def _pending(self, column: str, agent_id: str | None) -> int:
        sql = f"SELECT count(*) FROM message_recipients WHERE {column} IS NULL"
        if agent_id is None:
            return int(self._engine.value(sql) or 0)
        return int(self._engine.value(sql + " AND agent_id = ?", (agent_id,)) or 0)

    # -- threads ------------------------------------------------------------
    @staticmethod
    def _thread_filter(agent: str | None, type: str | None, awaiting_ack: bool = False) -> tuple[str, list[Any]]:
        clauses, params = _filters("m", agent=agent, type=type)
        having: list[str] = []
        if clauses:
            # "Some message of the thread matches", in the grouping pass itself:
            # ``HAVING tid IN (SELECT …)`` re-ran the subquery per group on Turso (7 s at 10k threads).
            having.append("max(CASE WHEN " + " AND ".join(clauses) + " THEN 1 ELSE 0 END) = 1")
        if awaiting_ack:
            # Some delivery of the thread not acked yet (by ``agent``, if given).
            having.append("max(EXISTS (SELECT 1 FROM message_recipients k WHERE k.message_id = m.id"
                          " AND k.acked_at IS NULL AND (? IS NULL OR k.agent_id = ?))) = 1")
            params += [agent, agent]
        return (" HAVING " + " AND ".join(having)) if having else "", params

    def threads(self, *, agent: str | None = None, type: str | None = None, limit: int = 50,
                offset: int = 0, awaiting_ack: bool = False) -> list[Thread]:
        """Threads by newest activity.  With ``agent``: the threads it takes
        part in, with *its* unread / ack-pending counts; else totals over all
        recipients.  ``type`` keeps threads holding a message of that type;
        ``awaiting_ack`` keeps threads with a delivery not acked yet (by
        ``agent`` when given), filtered in the same grouping pass.

        One statement, the same on libSQL and Turso: one grouping pass picks
        the page (``MATERIALIZED``: Turso otherwise re-runs a CTE per
        reference), then the page's messages and deliveries are aggregated with
        window functions and joins (Turso's engine cannot resolve a correlated
        subquery over a CTE: "no such column: p.tid")."""
        limit, offset = _page(limit, offset)
        having, params = self._thread_filter(agent, type, awaiting_ack)
        sql = f"""
WITH page AS MATERIALIZED (
  SELECT coalesce(m.thread_id, m.id) AS tid, min({_SENT}) AS first_at, max({_SENT}) AS last_at, count(*) AS n
  FROM messages m GROUP BY tid{having}
  ORDER BY last_at DESC, tid DESC LIMIT ? OFFSET ?),
msgs AS (
  SELECT p.tid AS tid, m.id AS id, m.type AS type, m.from_agent AS from_agent, m.task_id AS task_id,
         {_SENT} AS at, m.rowid AS rid
  FROM page p JOIN messages m ON m.thread_id = p.tid
  UNION ALL
  SELECT p.tid, m.id, m.type, m.from_agent, m.task_id, {_SENT}, m.rowid
  FROM page p JOIN messages m ON m.id = p.tid AND m.thread_id IS NULL),
lines AS (
  SELECT x.tid AS tid, x.type AS type, x.from_agent AS from_agent, x.task_id AS task_id, x.at AS at, x.rid AS rid,
         r.message_id IS NOT NULL AS delivered, r.agent_id AS agent_id, r.read_at AS read_at, r.acked_at AS acked_at
  FROM msgs x LEFT JOIN message_recipients r ON r.message_id = x.id),
heads AS (
  SELECT tid, max(CASE WHEN up = 1 THEN type END) AS first_type, max(CASE WHEN down = 1 THEN type END) AS last_type,
         max(CASE WHEN tk = 1 THEN task_id END) AS task_id,
         sum(CASE WHEN mine AND read_at IS NULL THEN 1 ELSE 0 END) AS unread,
         sum(CASE WHEN mine AND acked_at IS NULL THEN 1 ELSE 0 END) AS pending
  FROM (SELECT tid, type, task_id, read_at, acked_at, delivered AND (? IS NULL OR agent_id = ?) AS mine,
               row_number() OVER (PARTITION BY tid ORDER BY at, rid) AS up,
               row_number() OVER (PARTITION BY tid ORDER BY at DESC, rid DESC) AS down,
               row_number() OVER (PARTITION BY tid ORDER BY task_id IS NULL, at, rid) AS tk
        FROM lines)
  GROUP BY tid),
people AS (
  SELECT tid, json_group_array(who) AS who FROM (
    SELECT tid, from_agent AS who FROM lines WHERE from_agent IS NOT NULL
    UNION SELECT tid, agent_id FROM lines WHERE agent_id IS NOT NULL)
  GROUP BY tid)
SELECT p.tid, p.first_at, p.last_at, p.n, h.first_type, h.last_type, h.task_id, coalesce(w.who, '[]'),
       coalesce(h.unread, 0), coalesce(h.pending, 0)
FROM page p LEFT JOIN heads h ON h.tid = p.tid LEFT JOIN people w ON w.tid = p.tid
ORDER BY p.last_at DESC, p.tid DESC"""
        rows = self._engine.rows(sql, (*params, limit, offset, agent, agent))
        return [thread_from_row(r) for r in rows]

    def thread_count(self, *, agent: str | None = None, type: str | None = None,
                     awaiting_ack: bool = False) -> int:
        """How many threads :meth:`threads` would page through."""
        having, params = self._thread_filter(agent, type, awaiting_ack)
        sql = f"SELECT count(*) FROM (SELECT coalesce(m.thread_id, m.id) AS tid FROM messages m GROUP BY tid{having})"
        return int(self._engine.value(sql, params) or 0)
