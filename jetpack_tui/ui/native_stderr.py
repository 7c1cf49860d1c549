"""Keep native libraries' stderr noise off the dashboard's screen.

Textual draws on ``sys.__stderr__``.  A Rust panic inside the libSQL binding
(it panics on TEXT that is not UTF-8, which the DataLayer then recovers from)
prints its message straight to file descriptor 2, over the dashboard.  While
the app runs, fd 2 points at a log file and Textual gets a private duplicate
of the terminal, so recovered faults are logged, not painted on screen.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def native_stderr_to(log_path: str) -> Iterator[None]:
    """Point fd 2 at ``log_path`` and ``sys.__stderr__`` at the terminal."""
    try:
        sys.stderr.flush()
        terminal_fd = os.dup(2)
        os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except (OSError, ValueError, io.UnsupportedOperation):
        yield  # no real fd 2 (e.g. under a test runner capturing output): nothing to protect
        return
    terminal = os.fdopen(terminal_fd, "w", buffering=1, encoding=getattr(sys.__stderr__, "encoding", None) or "utf-8",
                         errors="replace", closefd=False)
    saved_dunder, saved_stderr = sys.__stderr__, sys.stderr
    os.environ.setdefault("RUST_BACKTRACE", "0")
    os.dup2(log_fd, 2)
    sys.__stderr__ = terminal  # type: ignore[misc]
    sys.stderr = terminal
    try:
        yield
    finally:
        terminal.flush()
        os.dup2(terminal_fd, 2)
        sys.__stderr__ = saved_dunder  # type: ignore[misc]
        sys.stderr = saved_stderr
        os.close(terminal_fd)
        os.close(log_fd)


def run_app(app: Any, log_path: str) -> int:
    """Run the dashboard with native stderr sent to ``log_path``; its exit code."""
    with native_stderr_to(log_path):
        app.run()
    return int(app.return_code or 0)


def log_path_for(location: str) -> str:
    """The log beside the database (or replica) file."""
    return os.path.join(os.path.dirname(os.path.abspath(location)) or ".", "jetpack-tui.log")
