"""Requests to the primary, each one self-contained, and waiting while busy.

No transaction here spans two HTTP requests: on Turso Cloud (sqld) a
request without a baton runs on a fresh stream, so a ``BEGIN`` sent in one
request would not be seen by the next and would hold the write lock until
the stream expired.  Every write is therefore ONE batch --
``BEGIN IMMEDIATE``, steps each conditioned on the one before, ``COMMIT``,
and a ``ROLLBACK`` that runs iff ``BEGIN`` succeeded and ``COMMIT`` did not
(:func:`~.hrana_wire.atomic_steps`, :mod:`.plan`).

"Busy" (another client holds the write lock, or -- on tursodb's single
shared connection -- has a transaction open) is retried with jittered
exponential back-off until ``busy_deadline``, then
:class:`~jetpack_tui.data.errors.StorageBusyError`, as a locked file is in
local mode.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..driver import translate
from ..errors import StorageBusyError, StorageError
from .hrana import HranaClient, StepOutcome
from .hrana_wire import atomic_steps
from .plan import is_busy

T = TypeVar("T")


class Backoff:
    """Jittered exponential sleeps until a deadline, reporting the wait."""

    def __init__(self, deadline: float, on_busy: Callable[[float], None] | None, what: str) -> None:
        self.started = time.monotonic()
        self.deadline = deadline
        self.on_busy = on_busy
        self.what = what
        self.pause = 0.004

    def wait(self) -> None:
        """Sleep before the next attempt, or raise :class:`StorageBusyError`."""
        waited = time.monotonic() - self.started
        if waited >= self.deadline:
            raise StorageBusyError(f"{self.what} for {waited:.1f} s")
        if self.on_busy is not None and waited > 0.5:
            self.on_busy(waited)
        time.sleep(self.pause * (0.5 + random.random()))
        self.pause = min(self.pause * 2, 0.05)


class PrimarySession:
    """Self-contained requests to the primary, with busy back-off."""

    def __init__(self, client: HranaClient, *, where: str, busy_deadline: float = 10.0) -> None:
        self.client = client
        self.where = where
        self.busy_deadline = busy_deadline
        #: Called with seconds waited while another client holds the primary.
        self.on_busy: Callable[[float], None] | None = None

    def backoff(self, what: str | None = None) -> Backoff:
        return Backoff(self.busy_deadline, self.on_busy,
                       what or f"{self.where}: the primary stayed busy with another client's transaction")

    def send(self, steps: Sequence[tuple[str, Sequence[Any], Any]]) -> list[StepOutcome]:
        """One request: the steps of one batch."""
        return self.client.steps(steps)

    def batch(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple]]:
        """Run statements atomically in one request, retrying while busy."""
        backoff = self.backoff()
        while True:
            outcomes = self.send(atomic_steps(statements))
            if outcomes[0].error is not None:
                if not is_busy(outcomes[0].error):
                    raise translate(Exception(outcomes[0].error), self.where)
                backoff.wait()
                continue
            failed = next((o.error for o in outcomes[1:-1] if o.error is not None), None)
            rollback = outcomes[-1].error
            if rollback is not None and "no transaction is active" not in rollback.lower():
                raise StorageError(f"{self.where}: ROLLBACK failed: {rollback}")
            if failed is not None:
                if is_busy(failed):
                    backoff.wait()
                    continue
                raise translate(Exception(failed), self.where)
            return [outcomes[i + 1].rows or [] for i in range(len(statements))]

    def statement(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """One writing statement as its own transaction (the claim hot path)."""
        return self.batch([(sql, tuple(params))])[0]
