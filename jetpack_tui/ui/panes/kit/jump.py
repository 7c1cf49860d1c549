"""A row the command palette asked for before the pane had its rows.

The palette shows a pane and calls ``jump_to(id)`` at once; a pane that
was hidden (stale) has not reloaded yet.  The pane remembers the id and
tries again after each load; after a few loads without it the jump is
dropped and the operator is told.
"""

from __future__ import annotations

from collections.abc import Callable

TRIES = 3


class PendingJump:
    def __init__(self) -> None:
        self.key: str | None = None
        self._tries = 0

    def want(self, key: str) -> None:
        self.key, self._tries = key, 0

    def settle(self, select: Callable[[str], bool]) -> str | None:
        """Try ``select(key)`` after a load; returns the key when given up."""
        if self.key is None:
            return None
        if select(self.key):
            self.key = None
            return None
        self._tries += 1
        if self._tries < TRIES:
            return None
        key, self.key = self.key, None
        return key
