"""A memory in full (the drawer and the ``enter`` view): content, every
field, metadata as pretty JSON (raw and flagged when broken), problems."""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

from rich.text import Text

from ...safe_text import block, clean, shorten
from ...timefmt import ago


def _when(epoch: float | None, now: float) -> str:
    if epoch is None:
        return "—"
    stamp = _dt.datetime.fromtimestamp(epoch, tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{stamp} ({ago(epoch, now)} ago)"


def _metadata(memory: Any) -> Text:
    raw = memory.raw.get("metadata")
    if raw is not None:
        out = Text("⚑ not valid JSON — shown raw\n", style="bold")
        out.append_text(block(raw))
        return out
    if memory.metadata is None:
        return Text("—")
    return block(json.dumps(memory.metadata, indent=2, ensure_ascii=False))


def render_memory(memory: Any, now: float, *, content_limit: int | None = None) -> Text:
    out = Text()
    out.append(f"{clean(memory.type)} · importance {memory.importance:.2f} · {shorten(clean(memory.id), 60)}\n",
               style="bold")
    if memory.problems:
        out.append("⚑ flagged: " + "; ".join(clean(p) for p in memory.problems) + "\n", style="bold")
    out.append_text(block(memory.content, limit=content_limit) if content_limit else block(memory.content))
    out.append("\n\n")
    fields = (("agent", memory.agent_id or "—"), ("task", memory.task_id or "—"),
              ("created", memory.raw.get("created_at") or _when(memory.created_at, now)),
              ("embedding", f"{memory.embedding_status} ({memory.embedder or 'no embedder'})"))
    for name, value in fields:
        out.append(f"{name:>10}: ", style="bold")
        out.append(shorten(clean(value), 200) + "\n")
    out.append(f"{'metadata':>10}: ", style="bold")
    out.append_text(_metadata(memory))
    return out
