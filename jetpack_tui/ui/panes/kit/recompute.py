"""An expensive read in a thread worker: never two at once, not too often.

The graph analysis (a quarter of a second at 10k tasks, seconds at 100k)
and the trends are too costly for the refresh worker's every run.  A
:class:`Recompute` runs one such job in its own thread worker:

* never overlapping: a request while one runs is kept and started when it
  returns (the latest request wins; older ones are dropped, not queued);
* at most once every ``min_interval`` seconds, and spending at most
  ``share`` of the time on it (a 2 s job waits 10 s at ``share=0.2``): a
  burst of changes costs one run per interval.  ``urgent`` skips the wait
  (the operator asked for something new: a moment, another task).

The job runs ``work(ask)`` in the thread and ``done(ask, result)`` on the UI
thread (``result`` is the exception when ``work`` raised).  Nothing is done
once the owner left the DOM or the app stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from textual.timer import Timer
from textual.widget import Widget

A = TypeVar("A")


class Recompute(Generic[A]):
    def __init__(self, owner: Widget, work: Callable[[A], Any], done: Callable[[A, Any], None], *, name: str,
                 min_interval: float = 2.0, share: float = 0.2) -> None:
        self.owner = owner
        self.work = work
        self.done = done
        self.name = name
        self.min_interval = min_interval
        self.share = share
        self.running = False
        self.runs = 0
        #: Seconds the last run took (wall).
        self.cost = 0.0
        self._wanted: A | None = None
        self._urgent = False
        self._started = -1e18
        self._timer: Timer | None = None

    @property
    def busy(self) -> bool:
        """A run is going or one is waiting to start."""
        return self.running or self._wanted is not None

    def request(self, ask: A, *, urgent: bool = False) -> None:
        self._wanted = ask
        self._urgent = self._urgent or urgent
        self._kick()

    def _wait(self) -> float:
        gap = max(self.min_interval, self.cost / self.share if self.share else 0.0)
        return self._started + gap - time.monotonic()

    def _kick(self) -> None:
        if self.running or self._wanted is None or not self._alive():
            return
        wait = self._wait()
        if wait > 0 and not self._urgent:
            if self._timer is None:
                self._timer = self.owner.set_timer(wait, self._timed, name=f"{self.name}-wait")
            return
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        ask, self._wanted, self._urgent = self._wanted, None, False
        self.running = True
        self._started = time.monotonic()
        app = self.owner.app
        self.owner.run_worker(lambda: self._run(app, ask), thread=True, group=self.name, name=self.name,
                              exit_on_error=False)

    def _timed(self) -> None:
        self._timer = None
        self._kick()

    def _alive(self) -> bool:
        try:
            return self.owner.is_attached and self.owner.app.is_running
        except Exception:  # noqa: BLE001 - no active app any more
            return False

    def _run(self, app: Any, ask: A) -> None:
        started = time.perf_counter()
        try:
            result: Any = self.work(ask)
        except Exception as error:  # noqa: BLE001 - shown by ``done``, never raised into the UI
            result = error
        cost = time.perf_counter() - started
        try:
            app.call_from_thread(self._finish, ask, result, cost)
        except RuntimeError:  # the app exited while the worker ran
            pass

    def _finish(self, ask: A, result: Any, cost: float) -> None:
        self.running = False
        self.runs += 1
        self.cost = cost
        if not self._alive():
            return
        self.done(ask, result)
        self._kick()
