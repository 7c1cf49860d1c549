"""Key remapping from the config's ``[keys]`` table (``binding id = "key"``).

Every binding of the dashboard has an id (``app.quit``, ``tasks.claim``…);
:func:`binding_ids` lists them so a typo in the config is reported instead of
silently ignored, and :meth:`textual.app.App.set_keymap` applies the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.binding import Binding


def ids_of(classes: Iterable[type[Any]]) -> set[str]:
    found: set[str] = set()
    for cls in classes:
        for klass in cls.__mro__:
            for binding in getattr(klass, "BINDINGS", None) or ():
                if isinstance(binding, Binding) and binding.id:
                    found.add(binding.id)
    return found


def binding_ids() -> set[str]:
    """Every remappable binding id of the dashboard."""
    from .app import JetpackApp
    from .panes.registry import PANES
    from .screens.dashboard import DashboardScreen
    from .panes.tasks.table import TaskTable
    from .widgets.agent_picker import AgentPicker
    from .widgets.confirm import ConfirmScreen
    from .widgets.conflict import ConflictScreen
    from .widgets.help_screen import HelpScreen

    return ids_of([JetpackApp, DashboardScreen, *PANES, TaskTable, HelpScreen, ConfirmScreen, AgentPicker,
                   ConflictScreen])


def split_keymap(keys: dict[str, str], known: set[str]) -> tuple[dict[str, str], list[str]]:
    """The entries that name a known binding, and the unknown ids."""
    good = {k: v for k, v in keys.items() if k in known}
    return good, sorted(set(keys) - known)
