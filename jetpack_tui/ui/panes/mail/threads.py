"""The thread list: one row per thread, keyed by thread id, newest activity first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text

from ...safe_text import cell
from ...timefmt import ago
from ..kit.keyed_table import Col, KeyedTable, key_cell


def render_thread(thread: Any, now: float, style: Callable[[str], str]) -> tuple[Text, ...]:
    unread = Text(str(thread.unread) if thread.unread else "", style="bold" if thread.unread else "")
    pending = Text(str(thread.ack_pending) if thread.ack_pending else "", style=style("warn"))
    return (
        key_cell(thread.id, thread.id, style="bold" if thread.unread else ""),
        cell(ago(thread.last_activity, now) or "?"),
        cell(", ".join(thread.participants), limit=60),
        cell(str(thread.message_count)),
        unread,
        pending,
        cell(thread.last_type or "", limit=40),
        cell(thread.task_id or "", limit=40),
    )


class ThreadTable(KeyedTable[Any]):
    COLUMNS = (
        Col("thread", "thread", auto=True),
        Col("last", "last", 4),
        Col("who", "participants", 20, grow=True),
        Col("count", "msgs", 4, drop=3),
        Col("unread", "unread", 6, drop=2),
        Col("ack", "to ack", 6),
        Col("type", "last type", auto=True, cap=30, drop=1),
        Col("task", "task", auto=True, cap=30, drop=4),
    )
