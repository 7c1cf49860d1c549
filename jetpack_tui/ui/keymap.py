"""Key remapping from the config's ``[keys]`` table (``binding id = "key"``).

Every binding of the dashboard has an id (``app.quit``, ``tasks.claim``…) and
:meth:`textual.app.App.set_keymap` applies the table.  :func:`binding_ids`
finds every id declared by the dashboard's classes (any widget or screen
defined under ``jetpack_tui``, so new panes are covered without a list here),
so a typo in the config is reported instead of silently doing nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode


def ids_of(classes: Iterable[type[Any]]) -> set[str]:
    found: set[str] = set()
    for cls in classes:
        for klass in cls.__mro__:
            for binding in getattr(klass, "BINDINGS", None) or ():
                if isinstance(binding, Binding) and binding.id:
                    found.add(binding.id)
    return found


def _subclasses(root: type) -> set[type]:
    seen: set[type] = set()
    todo = [root]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return seen


def binding_ids() -> set[str]:
    """Every remappable binding id of the dashboard's (imported) classes."""
    from . import app  # noqa: F401 - imports every pane, screen and widget module
    from .panes import registry  # noqa: F401

    ours = [cls for cls in _subclasses(DOMNode) if cls.__module__.startswith("jetpack_tui.")]
    return ids_of(ours)


def unknown_ids(keys: dict[str, str], known: set[str]) -> list[str]:
    """Ids in the config that no binding declares (probably typos)."""
    return sorted(set(keys) - known)
