"""Every binding of the dashboard carries an id, so the config can remap it."""

from textual.binding import Binding
from textual.dom import DOMNode

from jetpack_tui.ui.keymap import _subclasses, binding_ids, unknown_ids


def test_every_binding_has_a_unique_id():
    binding_ids()  # imports every pane and widget
    missing, owners = [], {}
    for cls in _subclasses(DOMNode):
        if not cls.__module__.startswith("jetpack_tui."):
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            if not isinstance(binding, Binding) or not binding.id:
                missing.append(f"{cls.__module__}.{cls.__qualname__}: {binding}")
                continue
            owners.setdefault(binding.id, set()).add(cls.__qualname__)
    assert not missing
    assert {"app.quit", "app.palette", "app.pause", "tasks.claim", "dashboard.next_pane"} <= set(owners)


def test_unknown_ids_are_reported():
    assert unknown_ids({"tasks.claim": "C", "tasks.clam": "K"}, binding_ids()) == ["tasks.clam"]
