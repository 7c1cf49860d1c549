"""The results table: one row per memory, keyed by memory id, best first."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from ...safe_text import cell
from ..kit.keyed_table import Col, KeyedTable, key_cell
from .data import Result


def why(result: Result) -> str:
    parts = []
    if result.keyword_rank is not None:
        parts.append(f"kw#{result.keyword_rank}")
    if result.vector_rank is not None:
        parts.append(f"vec#{result.vector_rank}")
        if result.vector_score is not None:
            parts.append(f"{result.vector_score:.2f}")
    return " ".join(parts)


def render_result(result: Result, now: float, style: Callable[[str], str]) -> tuple[Text, ...]:
    memory = result.memory
    flag = "⚑ " if memory.problems else ""
    importance = memory.raw.get("importance")
    first_line = memory.content.strip().splitlines()[0] if memory.content.strip() else ""
    return (
        key_cell(memory.id, flag + memory.id, style="bold" if memory.problems else ""),
        Text("" if result.score is None else f"{result.score:.4f}"),
        cell(why(result), style="dim"),
        cell(memory.type, limit=20),
        cell(importance, style=style("warn")) if importance is not None else Text(f"{memory.importance:.2f}"),
        cell(memory.agent_id or "", limit=24),
        cell(memory.task_id or "", limit=24),
        cell(first_line, limit=400),
    )


class ResultTable(KeyedTable[Result]):
    COLUMNS = (
        Col("id", "memory", auto=True),
        Col("score", "score", 6, drop=3),
        Col("why", "why", 16, drop=4),
        Col("type", "type", auto=True, cap=20),
        Col("importance", "imp", 4, drop=5),
        Col("agent", "agent", auto=True, cap=24, drop=1),
        Col("task", "task", auto=True, cap=24, drop=2),
        Col("content", "content", 24, grow=True),
    )
