"""Operator actions of the panes: a DataLayer write in a thread worker.

The write gets the row the operator saw (``seen``).  Outcomes come back on
the UI thread: success → a notification and ``then(result)``; a
:class:`~jetpack_tui.data.errors.ConflictError` (the row changed since it
was seen; nothing was overwritten) → the shared
:class:`~jetpack_tui.ui.widgets.conflict.ConflictScreen` with what changed;
any other refusal → an error notification.  Never on the UI thread, never
in read-only mode (refused here as well as hidden by ``check_action``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jetpack_tui.data.errors import ConflictError, JetpackError

from ...safe_text import clean, shorten
from ...widgets.conflict import ConflictScreen


def call_ui(app: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """``fn(*args)`` on the UI thread; dropped when the app already stopped."""
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
              done: Callable[[Any], str | None] | None = None) -> None:
    """Run ``fn()`` (DataLayer writes only) in a thread worker.

    ``done(result)`` runs on the UI thread and may return the text of the
    success notification.
    """
    app = widget.app
    if refuse_read_only(app, action):
        return

    def succeeded(result: Any) -> None:
        message = done(result) if done is not None else None
        app.notify(shorten(clean(message or f"{action}: done ({target})"), 300), markup=False)

    def conflicted(error: ConflictError) -> None:
        app.push_screen(ConflictScreen(action, target, seen, error.current, str(error)))

    def failed(error: str) -> None:
        app.notify(shorten(clean(f"{action} failed: {error}"), 300), severity="error", markup=False, timeout=8)

    def work() -> None:
        try:
            result = fn()
        except ConflictError as error:
            call_ui(app, conflicted, error)
            return
        except JetpackError as error:
            call_ui(app, failed, str(error))
            return
        except Exception as error:  # noqa: BLE001 - an action must never take the dashboard down
            call_ui(app, failed, f"{error.__class__.__name__}: {error}")
            return
        call_ui(app, succeeded, result)

    widget.run_worker(work, thread=True, group="operator-actions", name=action, exit_on_error=False)


def run_read(widget: Any, what: str, fn: Callable[[], Any], then: Callable[[Any], None]) -> None:
    """``fn()`` (DataLayer reads) in a thread worker, ``then(result)`` on the UI thread;
    errors become a notification (and ``then`` is not called)."""
    app = widget.app

    def work() -> None:
        try:
            result = fn()
        except Exception as error:  # noqa: BLE001 - reported, never raised into the UI
            call_ui(app, app.notify, shorten(clean(f"{what}: {error}"), 300), severity="error", markup=False)
            return
        call_ui(app, then, result)

    widget.run_worker(work, thread=True, group="pane-reads", name=what, exit_on_error=False)
