"""Low-level mail writes shared by the task operations and ``dl.messages``.

Operator actions notify the agents they affect in the same transaction as
the change itself, so the mail and the change land together or not at all.
"""

from __future__ import annotations

from typing import Any

from . import clock
from .backend import Tx
from .ids import new_id
from .jsonvalues import dump_json


def insert_message(
    tx: Tx,
    *,
    from_agent: str,
    to_agent: str | None,
    type: str,
    payload: Any,
    recipients: list[str],
    thread_id: str | None = None,
    task_id: str | None = None,
) -> tuple[str, str]:
    """Insert a message and one delivery row per recipient; returns ``(id, thread_id)``.

    A message without a thread starts one: its thread id is its own id.
    """
    message_id = new_id("msg")
    thread = thread_id or message_id
    moment = clock.now()
    tx.execute(
        "INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id, timestamp, task_id, sent_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (message_id, type, from_agent, to_agent, dump_json(payload, what="payload"), thread,
         clock.to_db_text(moment), task_id, moment),
    )
    for recipient in dict.fromkeys(recipients):
        tx.execute(
            "INSERT INTO message_recipients(message_id, agent_id) VALUES (?, ?)",
            (message_id, recipient),
        )
    return message_id, thread


def notify_agents(tx: Tx, agents: list[str | None], type: str, payload: dict[str, Any], *, by: str,
                  task_id: str | None = None) -> None:
    """Tell each affected agent (once) what an operator did."""
    for agent in dict.fromkeys(a for a in agents if a):
        insert_message(tx, from_agent=by, to_agent=agent, type=type, payload=payload,
                       recipients=[agent], task_id=task_id)


def release_task_reservations(tx: Tx, task_id: str, *, agent_id: str | None = None) -> int:
    """Release the active file reservations held for a task (optionally by one agent)."""
    moment = clock.now()
    if agent_id is None:
        return tx.execute(
            "UPDATE file_reservations SET status='released', released_at=? WHERE task_id=? AND status='active'",
            (moment, task_id),
        )
    return tx.execute(
        "UPDATE file_reservations SET status='released', released_at=? "
        "WHERE task_id=? AND agent_id=? AND status='active'",
        (moment, task_id, agent_id),
    )
