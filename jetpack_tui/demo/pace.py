"""Timing of the demo swarm, and the lifeline every demo process holds.

:class:`Pace` derives every delay from one ``speed`` multiplier, so
``--speed 20`` runs the same story twenty times faster (tests use it).  The
base values are chosen so that at speed 1 a dying agent is visibly stale,
then dead (its task an orphan), and only then reclaimed when its lease runs
out: ``stale_after < dead_after < lease_ttl``.

:class:`Lifeline` is how a child process knows to stop: SIGTERM/SIGINT/
SIGHUP set a flag, and the parent's death is noticed by polling
``os.getppid()`` (a re-parented child sees another parent), at least every
:data:`SLICE` seconds even while it "works" or hangs.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

from jetpack_tui.data.models import Liveness

#: Longest uninterrupted sleep of a demo process (how fast it notices stop).
SLICE = 0.1
#: Exit status of an agent that "died" on purpose (crash or hang).
DIED = 70
#: Exit status of an agent that found itself deregistered and stopped.
DEREGISTERED = 71


@dataclass(frozen=True)
class Pace:
    speed: float = 1.0

    def __post_init__(self) -> None:
        if not (isinstance(self.speed, (int, float)) and 0 < self.speed <= 1000):
            raise ValueError(f"speed must be a number in (0, 1000], not {self.speed!r}")

    def _s(self, base: float) -> float:
        return max(0.005, base / self.speed)

    @property
    def heartbeat(self) -> float:
        return self._s(2.0)

    @property
    def lease_ttl(self) -> float:
        return self._s(40.0)

    @property
    def renew_every(self) -> float:
        return self.lease_ttl / 4

    @property
    def step(self) -> tuple[float, float]:
        """Duration range of one work step (a task is 3-8 steps)."""
        return self._s(1.0), self._s(2.5)

    @property
    def idle(self) -> float:
        return self._s(1.0)

    @property
    def mail_every(self) -> float:
        return self._s(3.0)

    @property
    def janitor_every(self) -> float:
        return self._s(3.0)

    @property
    def plan_every(self) -> float:
        return self._s(2.0)

    @property
    def respawn_after(self) -> float:
        return self._s(8.0)

    @property
    def retry_base(self) -> float:
        return self._s(4.0)

    @property
    def hang_for(self) -> float:
        return self.lease_ttl * 1.5

    @property
    def liveness(self) -> Liveness:
        """The demo's rule, stored in its database (``dl.settings``) for every reader."""
        return Liveness(stale_after=self._s(8.0), dead_after=self._s(20.0))

    @property
    def forget_after(self) -> float:
        """Dead agents are deregistered this long after their last heartbeat."""
        return self._s(120.0)


class Lifeline:
    """Stop flag of a child process: signals and the parent's death."""

    def __init__(self, parent_pid: int | None) -> None:
        self.parent_pid = parent_pid
        self.stopping = False
        for name in ("SIGTERM", "SIGINT", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None:
                signal.signal(sig, self._on_signal)

    def _on_signal(self, _signum: int, _frame: object) -> None:
        self.stopping = True

    def alive(self) -> bool:
        if self.stopping:
            return False
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            self.stopping = True
        return not self.stopping

    def sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; ``False`` (early) as soon as it must stop."""
        deadline = time.monotonic() + max(0.0, seconds)
        while self.alive():
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(SLICE, left))
        return False
