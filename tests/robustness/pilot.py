"""The one wait helper of the attack suite's dashboard tests."""

from __future__ import annotations

import time


async def wait_for(pilot, condition, what: str, timeout: float = 30.0) -> None:
    """Let the app run until ``condition()`` holds; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)
