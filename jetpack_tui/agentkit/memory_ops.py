"""Memory operations of one agent: store what it learned, find it again.

Mixed into :class:`~.ops.AgentOps`.  The memory is recorded as this
agent's; search fuses keywords and vectors (see :mod:`jetpack_tui.data.memories`).
A memory's type is any short label (``MEMORY_TYPES`` are the well-known ones,
offered as suggestions); the type filter of a search takes the same labels.
"""

from __future__ import annotations

from typing import Any

from jetpack_tui.data.memory_models import check_memory_type

from . import limits, views


class MemoryOps:
    dl: Any
    agent_id: str

    def store_memory(self, content: Any, type: Any = "general", importance: Any = 0.5, task_id: Any = None,
                     metadata: Any = None) -> dict[str, Any]:
        memory = self.dl.memories.store(
            limits.text(content, "content"),
            type=check_memory_type(type),
            importance=importance,  # the DataLayer checks it is a number in [0, 1]
            task_id=limits.ident(task_id, "task_id", optional=True),
            metadata=limits.json_object(metadata, "metadata"),
            agent_id=self.agent_id,
        )
        return {"memory": views.memory(memory)}

    def search_memory(self, query: Any, k: Any = 5, types: Any = None) -> dict[str, Any]:
        kinds = [check_memory_type(kind) for kind in limits.items(types, "types", optional=True)]
        hits = self.dl.memories.search(limits.text(query, "query", limit=limits.MAX_SHORT),
                                       k=limits.count(k, "k", high=50), type=kinds or None)
        return {"memories": [views.hit(h) for h in hits]}
