"""Operator actions of the panes, through the app's one way back.

Writes go through :class:`~jetpack_tui.ui.actions.ActionRunner`
(``app.actions``): the DataLayer call runs in a thread worker and its
outcome comes back to the app as ``ActionSucceeded`` / ``ActionConflicted``
(the shared conflict screen shows what changed; nothing was overwritten) /
``ActionFailed`` — the same path as the task board's actions.  These
helpers add what every pane needs around it: refusal in read-only mode
(the actions are hidden there too, by ``check_action``) and an optional
note posted from the worker when a write only partly applied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...safe_text import clean, shorten


def call_ui(app: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """``fn(*args)`` on the UI thread from a worker; dropped when the app already stopped."""
    try:
        app.call_from_thread(fn, *args, **kwargs)
    except RuntimeError:  # the app exited while the worker ran
        pass


def refuse_read_only(app: Any, what: str) -> bool:
    """True (and a notification) when the app is read-only."""
    if getattr(app, "read_only", False):
        app.notify(f"{what}: refused, the database is open read-only", severity="warning", markup=False)
        return True
    return False


def run_write(widget: Any, action: str, target: str, seen: Any, fn: Callable[[], Any], *,
              note: Callable[[Any], str | None] | None = None) -> None:
    """Run ``fn()`` (DataLayer writes carrying what the operator saw) in a worker.

    ``note(result)`` runs in the worker after success; a text it returns is
    shown as a warning (e.g. "2 tasks were left alone: they changed").
    """
    app = widget.app
    if refuse_read_only(app, action):
        return

    def work() -> Any:
        result = fn()
        text = note(result) if note is not None else None
        if text:
            call_ui(app, app.notify, shorten(clean(text), 400), severity="warning", markup=False, timeout=10)
        return result

    app.actions.write(action, seen, work, target=target)


def run_read(widget: Any, what: str, fn: Callable[[], Any], then: Callable[[Any], None]) -> None:
    """``fn()`` (DataLayer reads) in a worker, ``then(result)`` on the UI thread."""
    widget.app.actions.read(fn, then, what=what)
