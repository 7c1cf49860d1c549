"""The one way back: operator actions run in a thread worker, never on the UI thread.

Each write carries the row the operator saw (``seen``) and passes
``expected_version=seen.version`` to the DataLayer.  The outcome comes back
as a typed message to the app: :class:`ActionSucceeded`,
:class:`ActionConflicted` (the row changed meanwhile: nothing was
overwritten, the operator is shown a diff of seen vs now) or
:class:`ActionFailed` (any other refusal, e.g. read-only).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable

from textual.message import Message

from jetpack_tui.data.errors import ConflictError, JetpackError

if TYPE_CHECKING:
    from textual.app import App

#: Fields compared for the "what changed" report (``raw`` is bookkeeping).
_SKIP = {"raw"}


class ActionSucceeded(Message):
    def __init__(self, action: str, target: str, result: Any) -> None:
        super().__init__()
        self.action = action
        self.target = target
        self.result = result


class ActionConflicted(Message):
    def __init__(self, action: str, target: str, seen: Any, current: Any, reason: str) -> None:
        super().__init__()
        self.action = action
        self.target = target
        self.seen = seen
        self.current = current
        self.reason = reason


class ActionWaiting(Message):
    """A write waits for another process's lock (posted from the waiting thread)."""

    def __init__(self, waited: float) -> None:
        super().__init__()
        self.waited = waited


class ActionFailed(Message):
    def __init__(self, action: str, target: str, error: str) -> None:
        super().__init__()
        self.action = action
        self.target = target
        self.error = error


def diff_rows(seen: Any, current: Any) -> list[tuple[str, Any, Any]]:
    """``(field, value seen, value now)`` for every field that differs."""
    if current is None:
        return [("(row)", "present", "deleted")]
    if seen is None or not dataclasses.is_dataclass(seen):
        return []
    changed = []
    for field in dataclasses.fields(seen):
        if field.name in _SKIP:
            continue
        before, after = getattr(seen, field.name, None), getattr(current, field.name, None)
        if before != after:
            changed.append((field.name, before, after))
    return changed


class ActionRunner:
    """Runs DataLayer calls for operator actions in a thread worker."""

    #: Seconds between two "still waiting for the lock" notes.
    WAIT_NOTE_EVERY = 2.0

    def __init__(self, app: "App") -> None:
        self.app = app
        self._noted: float | None = None
        engine = getattr(getattr(app, "dl", None), "engine", None)
        if engine is not None and getattr(engine, "on_busy", False) is None:
            engine.on_busy = self._waiting

    def _waiting(self, waited: float) -> None:
        """The writing thread: a write retries while another process holds
        the lock; tell the operator (throttled; post_message is thread-safe
        and never blocks the writer)."""
        if self._noted is not None and self._noted <= waited < self._noted + self.WAIT_NOTE_EVERY:
            return
        self._noted = waited
        self.app.post_message(ActionWaiting(waited))

    def read(self, fn: Callable[[], Any], then: Callable[[Any], None], *, what: str = "read") -> None:
        """``fn()`` in a thread, then ``then(result)`` on the UI thread."""

        def work() -> None:
            try:
                result = fn()
            except JetpackError as error:
                self.app.post_message(ActionFailed(what, "", str(error)))
                return
            self.app.call_from_thread(then, result)

        self.app.run_worker(work, thread=True, group="actions", name=what, exit_on_error=False)

    def write(self, action: str, seen: Any, fn: Callable[[], Any], *, target: str | None = None) -> None:
        """``fn()`` (a DataLayer write with ``expected_version=seen.version``) in a thread."""
        label = target if target is not None else str(getattr(seen, "id", ""))

        def work() -> None:
            try:
                result = fn()
            except ConflictError as error:
                self.app.post_message(ActionConflicted(action, label, seen, error.current, str(error)))
                return
            except JetpackError as error:
                self.app.post_message(ActionFailed(action, label, str(error)))
                return
            self.app.post_message(ActionSucceeded(action, label, result))

        self.app.run_worker(work, thread=True, group="actions", name=action, exit_on_error=False)
