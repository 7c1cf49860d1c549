"""A bounded wait for tests that watch other processes: poll ``predicate``
until it is truthy, fail loudly with ``what`` after ``timeout`` seconds
(never a fixed sleep that hides a race).  ``from waiting import wait_until``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, *, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
