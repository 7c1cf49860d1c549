"""How a DataLayer error is told to an agent: a kind and one clear sentence.

Both front doors use this: the MCP server turns it into a tool error
(``"conflict: task t-1 is claimed by bob"``) and the shell verbs into one
line on stderr plus an exit status.  The sentence never carries a
traceback or a secret: the Turso token is scrubbed from it should a lower
layer ever have echoed it.
"""

from __future__ import annotations

import os

from jetpack_tui.data import (
    ClosedError,
    ConflictError,
    InvalidInputError,
    JetpackError,
    NotFoundError,
    PrimaryUnavailableError,
    ReadOnlyError,
    StaleLeaseError,
    StorageBusyError,
)

#: ``(class, kind)``, most specific first.
KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (InvalidInputError, "invalid"),
    (NotFoundError, "not found"),
    (StaleLeaseError, "not held"),
    (ConflictError, "conflict"),
    (StorageBusyError, "busy"),
    (PrimaryUnavailableError, "unavailable"),
    (ReadOnlyError, "read-only"),
    (ClosedError, "closed"),
    (JetpackError, "storage"),
)
#: Longest message handed out (a conflict can list many reservations).
MAX_MESSAGE = 2_000


def kind_of(error: BaseException) -> str:
    for cls, kind in KINDS:
        if isinstance(error, cls):
            return kind
    return "internal"


def scrub(text: str, environ: dict[str, str] | None = None) -> str:
    """The message on one line, cut, with the Turso token (if any) replaced."""
    env = os.environ if environ is None else environ
    token = env.get("TURSO_AUTH_TOKEN")
    if token and len(token) >= 4:
        text = text.replace(token, "***")
    line = " ".join(text.split())
    return line if len(line) <= MAX_MESSAGE else line[:MAX_MESSAGE] + "…"


def describe(error: BaseException) -> str:
    """``"<kind>: <message>"`` for any error an operation may raise."""
    kind = kind_of(error)
    if kind == "internal":
        return f"internal error ({type(error).__name__}); the server logged it and keeps serving"
    return f"{kind}: {scrub(str(error))}"
