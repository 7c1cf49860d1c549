"""The agents table: one row per agent, keyed by agent id.

Heartbeat age and liveness are coloured with the theme's success / warning
/ error colours (see :mod:`..kit.palette`) and change with time, so the
table re-renders them every second (``KeyedTable.retick``).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from ...safe_text import cell, clean, shorten
from ...timefmt import span
from ..kit.keyed_table import Col, KeyedTable, key_cell
from .data import AgentRow, working_on

FLAG = "⚑ "


def _holding(items: tuple, label: Callable[[object], str]) -> Text:
    if not items:
        return Text("—", style="dim")
    first = shorten(clean(label(items[0])), 60)
    more = f" +{len(items) - 1}" if len(items) > 1 else ""
    return Text(f"{len(items)} {first}{more}", no_wrap=True, overflow="ellipsis")


def render_row(row: AgentRow, now: float, style: Callable[[str], str]) -> tuple[Text, ...]:
    agent = row.agent
    flag = FLAG if agent.problems else ""
    heartbeat = ("not seen" if row.past else "never") if row.age is None else span(row.age)
    return (
        key_cell(agent.id, flag + clean(agent.id), style="bold" if agent.problems else ""),
        Text(row.liveness, style=style(row.liveness)),
        Text(heartbeat, style=style(row.liveness)),
        cell(agent.status, limit=16),
        cell(agent.raw.get("skills") if "skills" in agent.raw else ", ".join(agent.skills), limit=40),
        working_on(row),
        _holding(row.tasks, lambda t: t.id),
        _holding(row.reservations, lambda r: r.file_path or "?"),
        _holding(row.leases, lambda l: l.resource),
    )


class AgentTable(KeyedTable[AgentRow]):
    COLUMNS = (
        Col("id", "agent", auto=True),
        Col("liveness", "liveness", 8),
        Col("heartbeat", "heartbeat", 9),
        Col("status", "status", 8, drop=4),
        Col("skills", "skills", auto=True, cap=30, drop=5),
        Col("current", "working on", auto=True, cap=40),
        Col("tasks", "tasks held", auto=True, cap=40, drop=1),
        Col("reservations", "reservations", 16, grow=True, drop=2),
        Col("leases", "leases", auto=True, cap=40, drop=3),
    )
