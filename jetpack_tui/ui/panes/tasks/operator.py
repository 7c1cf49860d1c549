"""The operator's actions on tasks: assign to an agent, release, retry (or
un-cancel), cancel, change priority.

Each one captures the task *as the operator saw it* when the key was
pressed; the DataLayer call carries ``expected_version=seen.version``, so if
another process changed the row meanwhile (even while a dialog was open)
the action is refused and the app shows what changed.  Release and retry
act on the marked tasks when there are marks (each still guarded by its own
version), else on the selected one.  Reads (the agent list, what a cancel
would strand) and writes run in thread workers through the app's one
:class:`~jetpack_tui.ui.actions.ActionRunner`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text

from jetpack_tui.data.models import OWNED_STATUSES, PRIORITIES, Task

from ...actions import ActionRunner
from ...modals.agent_picker import AgentPicker
from ...modals.confirm import ConfirmScreen
from ...safe_text import clean, shorten

if TYPE_CHECKING:
    from jetpack_tui.data.protocol import DataLayer

    from .pane import TasksPane

#: Actions that write; disabled (and refused with a word) in read-only mode.
WRITE_ACTIONS = frozenset({"assign", "release", "retry", "cancel_task", "priority"})
#: Tasks listed by name in a confirmation; the rest are counted.
LISTED = 12
#: Dependents read before a cancel (counted as "200+" beyond).
DEPENDENTS = 200


def _describe(task: Task) -> str:
    owner = f", held by {clean(task.claimed_by)}" if task.claimed_by else ""
    return f"{clean(task.id)}: {shorten(clean(task.title), 100)} ({task.state}{owner}, version {task.version})"


def _listing(tasks: list[Task]) -> str:
    lines = [_describe(t) for t in tasks[:LISTED]]
    if len(tasks) > LISTED:
        lines.append(f"… and {len(tasks) - LISTED} more")
    return "\n".join(lines)


class TaskOperator:
    def __init__(self, pane: "TasksPane") -> None:
        self.pane = pane

    @property
    def _runner(self) -> ActionRunner:
        return self.pane.jetpack.actions

    @property
    def _dl(self) -> "DataLayer":
        return self.pane.jetpack.dl

    @property
    def _by(self) -> str:
        return self.pane.jetpack.operator

    def _seen(self) -> Task | None:
        task = self.pane.selected_task()
        if task is None:
            self.pane.notify("no task selected", severity="warning")
        return task

    def _confirm(self, title: str, body: str, then: Callable[[], None], *, yes: str, danger: bool = False) -> None:
        def answered(answer: bool | None) -> None:
            if answer:
                then()

        self.pane.app.push_screen(ConfirmScreen(title, Text(body), yes=yes, danger=danger), answered)

    def _many(self, action: str, tasks: list[Task], call: Callable[[Task], Any]) -> None:
        if len(tasks) == 1:
            self._runner.write(action, tasks[0], lambda: call(tasks[0]))
        else:
            self._runner.write_many(action, [(t.id, lambda t=t: call(t)) for t in tasks])

    # -- assign ---------------------------------------------------------------------
    def assign(self) -> None:
        """Claim a pending task for an agent, or give a claimed one to another."""
        seen = self._seen()
        if seen is None:
            return
        if seen.status not in ("pending", *OWNED_STATUSES):
            self.pane.notify(f"{clean(seen.id)} is {seen.status}: only pending or claimed tasks can be assigned",
                             severity="warning", markup=False)
            return
        dl, by = self._dl, self._by
        if seen.status == "pending":
            def write(agent: str) -> None:
                self._runner.write("assign", seen, lambda: dl.tasks.claim_for(
                    agent, seen.id, by=by, expected_version=seen.version))
            title = f"Assign {clean(seen.id)} to…"
        else:
            def write(agent: str) -> None:
                self._runner.write("reassign", seen, lambda: dl.tasks.reassign(
                    seen.id, agent, by=by, expected_version=seen.version))
            title = f"Reassign {clean(seen.id)} (held by {clean(seen.claimed_by or '?')}) to…"

        def open_picker(agents: list[Any]) -> None:
            self.pane.app.push_screen(AgentPicker(title, seen, agents), lambda agent: agent is not None and write(agent))

        self._runner.read(dl.agents.list, open_picker, what="agents")

    # -- release / retry (the marked tasks, or the selected one) ----------------------------
    def release(self, tasks: list[Task]) -> None:
        held = [t for t in tasks if t.status in OWNED_STATUSES]
        if not held:
            what = f"{clean(tasks[0].id)} is {tasks[0].status}" if len(tasks) == 1 else "none of the marked tasks is"
            self.pane.notify(f"release: {what} not claimed", severity="warning", markup=False)
            return
        skipped = len(tasks) - len(held)
        note = f"\n\n{skipped} marked task(s) are not claimed and are left alone." if skipped else ""
        dl, by = self._dl, self._by
        title = f"Release {clean(held[0].id)} back to the queue?" if len(held) == 1 else \
            f"Release {len(held)} tasks back to the queue?"
        self._confirm(title, _listing(held) + note, lambda: self._many(
            "release", held, lambda t: dl.tasks.release(t.id, by=by, expected_version=t.version)), yes="Release")

    def retry(self, tasks: list[Task]) -> None:
        """Failed tasks go back to the queue with fresh attempts; cancelled ones are un-cancelled (asked first)."""
        wanted = [t for t in tasks if t.status in ("failed", "cancelled")]
        if not wanted:
            what = f"{clean(tasks[0].id)} is {tasks[0].status}" if len(tasks) == 1 else "none of the marked tasks is"
            self.pane.notify(f"retry: {what} failed or cancelled", severity="warning", markup=False)
            return
        dl, by = self._dl, self._by

        def run() -> None:
            self._many("retry", wanted, lambda t: dl.tasks.retry(t.id, by=by, expected_version=t.version))

        cancelled = [t for t in wanted if t.status == "cancelled"]
        if not cancelled and len(wanted) == 1:
            run()
            return
        body = _listing(wanted)
        if cancelled:
            body += (f"\n\n{len(cancelled)} of them are cancelled: retrying un-cancels them, they go back "
                     "to the queue and agents may claim them again.")
        title = f"Un-cancel {clean(cancelled[0].id)}?" if cancelled and len(wanted) == 1 else \
            f"Retry {len(wanted)} task(s)?"
        self._confirm(title, body, run, yes="Un-cancel" if cancelled and len(wanted) == 1 else "Retry")

    # -- cancel: says what it would strand ------------------------------------------------
    def cancel(self) -> None:
        seen = self._seen()
        if seen is None:
            return
        if seen.status in ("completed", "cancelled"):
            self.pane.notify(f"cancel: {clean(seen.id)} is already {seen.status}", severity="warning", markup=False)
            return
        dl, by = self._dl, self._by

        def confirm(dependents: list[Task]) -> None:
            body = _describe(seen)
            if dependents:
                many = f"{len(dependents)}{'+' if len(dependents) >= DEPENDENTS else ''}"
                body += (f"\n\n{many} unfinished task(s) depend on it and can never become ready "
                         f"while it is cancelled:\n" + _listing(dependents))
            else:
                body += "\n\nNo unfinished task depends on it."
            self._confirm(f"Cancel {clean(seen.id)}?", body, lambda: self._runner.write(
                "cancel", seen, lambda: dl.tasks.cancel(seen.id, by=by, reason=f"cancelled by {by}",
                                                         expected_version=seen.version)),
                yes="Cancel task", danger=True)

        self._runner.read(lambda: dl.tasks.dependents(seen.id, limit=DEPENDENTS), confirm, what="dependents")

    def shift_priority(self, step: int) -> None:
        """``step`` -1 raises (towards critical), +1 lowers."""
        seen = self._seen()
        if seen is None:
            return
        index = PRIORITIES.index(seen.priority) if seen.priority in PRIORITIES else len(PRIORITIES) - 1
        new = PRIORITIES[max(0, min(len(PRIORITIES) - 1, index + step))]
        if new == seen.priority:
            self.pane.notify(f"{clean(seen.id)} is already {new}", markup=False)
            return
        dl, by = self._dl, self._by
        self._runner.write("priority", seen, lambda: dl.tasks.set_priority(
            seen.id, new, by=by, expected_version=seen.version))
