"""The operator's actions on the selected task: claim for an agent, reassign,
release, retry, cancel, change priority.

Each one captures the task *as the operator saw it* when the key was
pressed; the DataLayer call carries ``expected_version=seen.version``, so if
another process changed the row meanwhile (even while a dialog was open)
the action is refused and the app shows what changed.  Reads (the agent
list) and writes run in thread workers via :class:`~jetpack_tui.ui.actions.ActionRunner`.
In read-only mode these actions are hidden (``check_action``) and the
DataLayer refuses them too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from jetpack_tui.data.models import OWNED_STATUSES, PRIORITIES, Task

from ...actions import ActionRunner
from ...safe_text import clean, shorten
from ...modals.agent_picker import AgentPicker
from ...modals.confirm import ConfirmScreen

if TYPE_CHECKING:
    from .pane import TasksPane

#: Actions that write; hidden in read-only mode.
WRITE_ACTIONS = frozenset({"claim", "reassign", "release", "retry", "cancel_task", "priority"})


def _describe(task: Task) -> Text:
    owner = f", held by {task.claimed_by}" if task.claimed_by else ""
    return Text(f"{clean(task.id)}: {shorten(clean(task.title), 120)}\n({task.state}{clean(owner)}, version {task.version})")


class TaskOperator:
    def __init__(self, pane: "TasksPane") -> None:
        self.pane = pane

    @property
    def _runner(self) -> ActionRunner:
        return self.pane.jetpack.actions

    @property
    def _dl(self):
        return self.pane.jetpack.dl

    @property
    def _by(self) -> str:
        return self.pane.jetpack.operator

    def _seen(self) -> Task | None:
        task = self.pane.selected_task()
        if task is None:
            self.pane.notify("no task selected", severity="warning")
        return task

    def _pick_agent(self, title: str, task: Task, then) -> None:
        def open_picker(agents) -> None:
            self.pane.app.push_screen(AgentPicker(title, task, agents),
                                      lambda agent: agent is not None and then(agent))

        self._runner.read(self._dl.agents.list, open_picker, what="agents")

    def claim(self) -> None:
        seen = self._seen()
        if seen is None:
            return
        if seen.status != "pending":
            self.pane.notify(f"{clean(seen.id)} is {seen.status}: use reassign (a)", severity="warning", markup=False)
            return
        dl, by = self._dl, self._by
        self._pick_agent(
            f"Claim {clean(seen.id)} for…", seen,
            lambda agent: self._runner.write("claim", seen, lambda: dl.tasks.claim_for(
                agent, seen.id, by=by, expected_version=seen.version)))

    def reassign(self) -> None:
        seen = self._seen()
        if seen is None:
            return
        dl, by = self._dl, self._by
        self._pick_agent(
            f"Reassign {clean(seen.id)} to…", seen,
            lambda agent: self._runner.write("reassign", seen, lambda: dl.tasks.reassign(
                seen.id, agent, by=by, expected_version=seen.version)))

    def _confirmed(self, action: str, seen: Task, title: str, call, *, yes: str, danger: bool = False) -> None:
        def answered(yes_: bool | None) -> None:
            if yes_:
                self._runner.write(action, seen, call)

        self.pane.app.push_screen(ConfirmScreen(title, _describe(seen), yes=yes, danger=danger), answered)

    def release(self) -> None:
        seen = self._seen()
        if seen is None:
            return
        if seen.status not in OWNED_STATUSES:
            self.pane.notify(f"{clean(seen.id)} is {seen.status}, not claimed", severity="warning", markup=False)
            return
        dl, by = self._dl, self._by
        self._confirmed("release", seen, f"Release {clean(seen.id)} back to the queue?",
                        lambda: dl.tasks.release(seen.id, by=by, expected_version=seen.version), yes="Release")

    def cancel(self) -> None:
        seen = self._seen()
        if seen is None:
            return
        dl, by = self._dl, self._by
        self._confirmed("cancel", seen, f"Cancel {clean(seen.id)}?",
                        lambda: dl.tasks.cancel(seen.id, by=by, reason=f"cancelled by {by}",
                                                expected_version=seen.version),
                        yes="Cancel task", danger=True)

    def retry(self) -> None:
        seen = self._seen()
        if seen is None:
            return
        dl, by = self._dl, self._by
        self._runner.write("retry", seen, lambda: dl.tasks.retry(seen.id, by=by, expected_version=seen.version))

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
