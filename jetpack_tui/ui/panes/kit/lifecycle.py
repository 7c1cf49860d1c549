"""Skip UI updates once the app is shutting down.

The app's one-second tick and late refresh answers can reach a pane while
Textual is already removing its widgets; querying them then raises
``NoMatches``.  Handlers wrapped with :func:`while_running` do nothing once
the app stopped running or the pane left the DOM.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def while_running(method: F) -> F:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            running = self.app.is_running and self.is_attached
        except Exception:  # noqa: BLE001 - no active app any more
            return None
        return method(self, *args, **kwargs) if running else None

    return wrapper  # type: ignore[return-value]
