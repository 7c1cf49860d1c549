"""The command palette (``ctrl+p`` or ``:``): jump to a task or agent by id,
switch panes, and run any dashboard action.

Textual's own system commands (theme switching, keys, quit) stay available
alongside.  Looking an id up reads the database, so it runs in a thread
(``asyncio.to_thread``), never on the UI thread.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from rich.text import Text

from jetpack_tui.data.mail_models import Message
from jetpack_tui.data.models import Agent, Task
from jetpack_tui.data.protocol import DataLayer

from .safe_text import clean, for_markup, shorten

if TYPE_CHECKING:
    from .app import JetpackApp

MAX_HITS = 8


def _lookup(dl: DataLayer, query: str) -> tuple[list[Task], list[Agent], list[Message]]:
    """Worker thread: tasks and agents whose id (or title) matches, and the
    mail thread with exactly this id."""
    tasks = dl.tasks.list(text=query, limit=MAX_HITS, order_by="updated_at", descending=True)
    agent = dl.agents.find(query)
    agents = [agent] if agent is not None else [a for a in dl.agents.list() if query.lower() in a.id.lower()][:MAX_HITS]
    return tasks, agents, dl.messages.thread(query, limit=1)


class JetpackCommands(Provider):
    """Panes, actions and id lookups."""

    @property
    def jetpack(self) -> "JetpackApp":
        return self.app  # type: ignore[return-value]

    def _static_commands(self) -> list[tuple[str, Any, str]]:
        app = self.jetpack
        dashboard = app.dashboard
        commands: list[tuple[str, Any, str]] = []
        for pane in dashboard.panes:
            commands.append((f"Show {pane.TITLE}", partial(dashboard.action_show_pane, pane.PANE_ID),
                             f"switch to the {pane.TITLE} pane (key {pane.KEY})"))
        commands += [
            ("Pause / resume live refresh", app.action_toggle_pause, "stop applying changes (key p)"),
            ("Refresh now", app.action_force_refresh, "reload every pane (ctrl+r)"),
            ("Save screenshot", app.action_screenshot, f"SVG of the screen into {app.screenshot_dir} (f8)"),
            ("Help: keys of this pane", app.action_help, "(?)"),
            ("Trends over time", app.action_trends, "throughput, queue depth, agents, waits, retries (w on the Overview)"),
            ("Time travel: the swarm as it was", dashboard.open_time_bar,
             "move through the audit log; the board, agents and graph show the past (t)"),
        ]
        commands += dashboard.active_pane.palette_commands()
        return commands

    async def discover(self) -> Hits:
        for title, callback, help_text in self._static_commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._static_commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
        text = query.strip()
        if len(text) < 2:
            return
        try:
            tasks, agents, threads = await asyncio.to_thread(_lookup, self.jetpack.dl, text)
        except Exception:  # noqa: BLE001 - a lookup failing must not break the palette
            return
        for task in tasks:
            label = f"Task {clean(task.id)}: {shorten(clean(task.title), 60)}"
            score = 1.0 if task.id == text else 0.6
            yield Hit(score, Text(label), partial(self._jump, "tasks", task.id), text=label,
                      help=for_markup(f"{task.state} · {task.claimed_by or 'unclaimed'}"))
        for agent in agents:
            label = f"Agent {clean(agent.id)}"
            yield Hit(0.9 if agent.id == text else 0.5, Text(label), partial(self._jump, "agents", agent.id),
                      text=label, help=for_markup(f"{agent.liveness} · {', '.join(agent.skills)}"))
        for first in threads:
            label = f"Thread {clean(first.thread_id)}"
            yield Hit(1.0, Text(label), partial(self._jump, "mail", first.thread_id), text=label,
                      help=for_markup(f"{first.type} from {first.from_agent or '?'}"))

    def _jump(self, pane_id: str, key: str) -> None:
        dashboard = self.jetpack.dashboard
        dashboard.action_show_pane(pane_id)
        if not dashboard.active_pane.jump_to(key):
            self.app.notify(f"{pane_id}: cannot jump to {clean(key)} yet", markup=False)
