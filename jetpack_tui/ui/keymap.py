"""Key remapping from the config's ``[keys]`` table (``binding id = "key"``).

Every binding of the dashboard has an id (``app.quit``, ``tasks.assign``…)
and :meth:`textual.app.App.set_keymap` applies the table.  Mistakes are
reported when the app starts (:func:`keymap_problems`) instead of passing
silently:

* an id no binding declares (a typo);
* a remapped key that another binding of the same place already uses —
  mapping ``tasks.assign`` to ``r`` would hide Release on the board.  A
  "place" is what is active together: a pane with its table, the dashboard
  screen and the app; or one dialog.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.binding import Binding
from textual.keys import _normalize_key_list
from textual.dom import DOMNode


def bindings_of(classes: Iterable[type[Any]]) -> list[Binding]:
    found: list[Binding] = []
    for cls in classes:
        for klass in cls.__mro__:
            for binding in klass.__dict__.get("BINDINGS", None) or ():
                if isinstance(binding, Binding) and binding.id and binding not in found:
                    found.append(binding)
    return found


def ids_of(classes: Iterable[type[Any]]) -> set[str]:
    return {binding.id for binding in bindings_of(classes) if binding.id}


def _subclasses(root: type) -> set[type]:
    seen: set[type] = set()
    todo = [root]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return seen


def _ours() -> list[type]:
    from . import app  # noqa: F401 - imports every pane, screen and widget module
    from .panes import registry  # noqa: F401

    return [cls for cls in _subclasses(DOMNode) if cls.__module__.startswith("jetpack_tui.")]


def binding_ids() -> set[str]:
    """Every remappable binding id of the dashboard's (imported) classes."""
    return ids_of(_ours())


def unknown_ids(keys: dict[str, str], known: set[str]) -> list[str]:
    """Ids in the config that no binding declares (probably typos)."""
    return sorted(set(keys) - known)


def places() -> list[tuple[str, list[type]]]:
    """``(name, classes)`` of every set of bindings that are active together."""
    from textual.screen import ModalScreen

    from .app import JetpackApp
    from .panes.registry import PANES
    from .screens.dashboard import DashboardScreen

    from .widgets.time_bar import TimeBar

    out: list[tuple[str, list[type]]] = []
    for pane in PANES:
        parts = [cls for cls in getattr(pane, "PARTS", ()) if isinstance(cls, type)]
        out.append((f"the {pane.TITLE} pane", [*parts, pane, DashboardScreen, JetpackApp]))
    out.append(("the time bar", [TimeBar, DashboardScreen, JetpackApp]))
    for modal in sorted((c for c in _ours() if issubclass(c, ModalScreen)), key=lambda c: c.__name__):
        out.append((f"the {modal.__name__} dialog", [modal]))
    return out


def _keys(binding: Binding, keymap: dict[str, str]) -> list[str]:
    remapped = keymap.get(binding.id or "")
    return _normalize_key_list(remapped if remapped is not None else binding.key).split(",")


def collisions(keymap: dict[str, str]) -> list[str]:
    """One line per key that a remapping made ambiguous in one place."""
    problems: list[str] = []
    for place, classes in places():
        by_key: dict[str, list[str]] = {}
        for binding in bindings_of(classes):
            for key in _keys(binding, keymap):
                ids = by_key.setdefault(key, [])
                if binding.id not in ids:
                    ids.append(binding.id or "")
        for key, ids in by_key.items():
            remapped = [i for i in ids if i in keymap]
            if len(ids) > 1 and remapped:
                others = ", ".join(i for i in ids if i != remapped[0])
                problems.append(f"[keys] {remapped[0]} = {key!r} collides with {others} in {place}: "
                                "only one of them can have that key")
    return problems


def keymap_problems(keymap: dict[str, str]) -> list[str]:
    """Everything wrong with ``keymap`` (empty when it is fine)."""
    problems = []
    unknown = unknown_ids(keymap, binding_ids())
    if unknown:
        problems.append(f"[keys] names unknown bindings: {', '.join(unknown)}")
    return problems + collisions({k: v for k, v in keymap.items() if k not in unknown})
