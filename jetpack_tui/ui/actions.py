"""The one way back: operator actions run in a thread worker, never on the UI thread.

Every pane and every dialog goes through the app's one :class:`ActionRunner`
(``app.actions``): ``write`` / ``write_many`` for operator actions (refused
with a word in read-only mode), ``read`` for what a dialog needs to show.

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

from .safe_text import clean, shorten
from .timetravel import PAST_REFUSAL

if TYPE_CHECKING:
    from .app import JetpackApp

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


class ActionsDone(Message):
    """One action on several rows (a marked selection): what happened to each.

    ``conflicts`` are ``(target, reason)`` of rows that changed since the
    operator saw them (nothing was done to those), ``failures`` ``(target, error)``.
    """

    def __init__(self, action: str, done: list[str], conflicts: list[tuple[str, str]],
                 failures: list[tuple[str, str]]) -> None:
        super().__init__()
        self.action = action
        self.done = done
        self.conflicts = conflicts
        self.failures = failures

    def describe(self) -> str:
        parts = [f"{self.action}: {len(self.done)} done"]
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} refused, changed since you saw them: "
                         + ", ".join(target for target, _ in self.conflicts[:8]))
        if self.failures:
            parts.append(f"{len(self.failures)} failed: "
                         + "; ".join(f"{target}: {error}" for target, error in self.failures[:3]))
        return " · ".join(parts)


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


def refusal(app: "JetpackApp") -> str | None:
    """Why an operator action cannot run now, or ``None`` when it can."""
    if app.read_only:
        return "refused, the database is open read-only (--read-only)"
    if app.time.past:
        return PAST_REFUSAL
    return None


class ActionRunner:
    """Runs DataLayer calls for operator actions in a thread worker."""

    #: Seconds between two "still waiting for the lock" notes.
    WAIT_NOTE_EVERY = 2.0

    def __init__(self, app: "JetpackApp") -> None:
        self.app = app
        self._noted: float | None = None
        engine = app.dl.engine
        if engine.on_busy is None:
            engine.on_busy = self._waiting

    def _waiting(self, waited: float) -> None:
        """The writing thread: a write retries while another process holds
        the lock; tell the operator (throttled; post_message is thread-safe
        and never blocks the writer)."""
        if self._noted is not None and self._noted <= waited < self._noted + self.WAIT_NOTE_EVERY:
            return
        self._noted = waited
        self.app.post_message(ActionWaiting(waited))

    def refuse_read_only(self, what: str) -> bool:
        """True (and a word to the operator) when the dashboard cannot write:
        the database is read-only, or the dashboard shows the past."""
        reason = refusal(self.app)
        if reason is not None:
            self.app.notify(f"{what}: {reason}", severity="warning", markup=False)
            return True
        return False

    def _to_ui(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.app.call_from_thread(fn, *args)
        except RuntimeError:  # the app exited while the worker ran
            pass

    def read(self, fn: Callable[[], Any], then: Callable[[Any], None], *, what: str = "read",
             on_error: Callable[[str], None] | None = None) -> None:
        """``fn()`` (DataLayer reads) in a thread, then ``then(result)`` on the UI
        thread; a failure goes to ``on_error(text)`` there, else to the app."""

        def work() -> None:
            try:
                result = fn()
            except Exception as error:  # noqa: BLE001 - shown, never raised into the UI
                text = str(error) or error.__class__.__name__
                if on_error is not None:
                    self._to_ui(on_error, text)
                else:
                    self.app.post_message(ActionFailed(what, "", text))
                return
            self._to_ui(then, result)

        self.app.run_worker(work, thread=True, group="actions", name=what, exit_on_error=False)

    def write(self, action: str, seen: Any, fn: Callable[[], Any], *, target: str | None = None,
              note: Callable[[Any], str | None] | None = None) -> None:
        """``fn()`` (a DataLayer write carrying what the operator saw, e.g.
        ``expected_version=seen.version``) in a thread; refused at once when
        read-only.  ``note(result)`` may return a warning to show (a write that
        only partly applied)."""
        label = target if target is not None else str(getattr(seen, "id", ""))
        if self.refuse_read_only(action):
            return

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
            text = note(result) if note is not None else None
            if text:
                self._to_ui(self.app.notify, shorten(clean(text), 400), severity="warning", markup=False, timeout=10)

        self.app.run_worker(work, thread=True, group="actions", name=action, exit_on_error=False)

    def write_many(self, action: str, calls: list[tuple[str, Callable[[], Any]]]) -> None:
        """``(target, fn)`` one after the other in one thread; each ``fn`` carries
        the version the operator saw of its row, so each is refused on its own
        when that row changed.  One :class:`ActionsDone` reports them all."""
        if self.refuse_read_only(action):
            return

        def work() -> None:
            done: list[str] = []
            conflicts: list[tuple[str, str]] = []
            failures: list[tuple[str, str]] = []
            for target, fn in calls:
                try:
                    fn()
                except ConflictError as error:
                    conflicts.append((target, str(error)))
                except JetpackError as error:
                    failures.append((target, str(error)))
                else:
                    done.append(target)
            self.app.post_message(ActionsDone(action, done, conflicts, failures))

        self.app.run_worker(work, thread=True, group="actions", name=action, exit_on_error=False)
