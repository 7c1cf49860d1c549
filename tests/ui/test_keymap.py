"""One keymap: every binding has an id, a key means one verb in every pane,
and remapping mistakes are reported when the app starts."""

from __future__ import annotations

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

from jetpack_tui.config import Settings
from jetpack_tui.ui.keymap import _subclasses, binding_ids, bindings_of, collisions, keymap_problems, places, unknown_ids
from jetpack_tui.ui.panes.registry import PANES

from .conftest import settled


def test_every_binding_has_an_id():
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
    assert {"app.quit", "app.quit_ctrl_c", "app.palette", "pane.filter", "pane.clear", "tasks.assign",
            "tasks.release", "reservations.release", "agents.release", "dashboard.next_pane"} <= set(owners)


def _verbs(pane) -> dict[str, str]:
    """key -> action name of what the pane, its parts, the screen and the app bind."""
    found: dict[str, str] = {}
    for binding in bindings_of([*pane.PARTS, pane]):
        for key in binding.key.split(","):
            found.setdefault(key, binding.action.split("(")[0])
    return found


def test_a_key_means_one_verb_in_every_pane():
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for pane in PANES:
        for key, verb in _verbs(pane).items():
            first = seen.setdefault(key, (verb, pane.PANE_ID))
            if first[0] != verb:
                clashes.append(f"{key!r}: {first[0]} in {first[1]}, {verb} in {pane.PANE_ID}")
    assert clashes == []
    assert seen["r"][0] == "release" and seen["m"][0] == "message" and seen["a"][0] == "assign"
    assert seen["t"][0] == "time_travel" and seen["u"][0] == "retry"  # t is time travel wherever it is bound


def test_no_key_is_bound_twice_in_one_place_by_default():
    assert collisions({}) == []
    for place, classes in places():
        assert classes, place
    names = [place for place, _classes in places()]
    assert {"the Graph pane", "the time bar", "the TrendsScreen dialog", "the DiffScreen dialog"} <= set(names)
    # a remapping that hides another key of the time bar is reported there
    assert any("time.diff = 'space' collides with time.mark in the time bar" in p
               for p in collisions({"time.diff": "space"}))


def test_unknown_ids_and_collisions_are_reported():
    assert unknown_ids({"tasks.assign": "C", "tasks.asign": "K"}, binding_ids()) == ["tasks.asign"]
    problems = keymap_problems({"tasks.assign": "r", "tasks.asign": "K"})
    assert problems[0] == "[keys] names unknown bindings: tasks.asign"
    assert any("tasks.assign = 'r' collides with tasks.release in the Tasks pane" in p for p in problems), problems
    assert keymap_problems({"tasks.assign": "C"}) == []
    # the same key for one verb in two panes is no collision
    assert keymap_problems({"tasks.release": "x", "reservations.release": "x"}) == []


@pytest.mark.anyio
async def test_keymap_mistakes_are_shown_when_the_app_starts(make_app):
    app = make_app(settings=Settings(operator="tester", keys={"tasks.assign": "r", "no.such": "z"}))
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot, app)
        shown = [n.message for n in app._notifications]
        assert any("unknown bindings: no.such" in m for m in shown)
        assert any("tasks.assign = 'r' collides with tasks.release" in m for m in shown)
