"""How one agent operation becomes one MCP tool.

:func:`add` registers a plain function (typed parameters with
``Field(description=...)``, a docstring, a ``dict`` result) on the server,
wrapped so that every error ends as a tool error the model can read and act
on: typed DataLayer errors as ``"<kind>: <sentence>"`` (see
:func:`jetpack_tui.agentkit.describe`), anything unexpected as a generic
sentence while the traceback goes to the server's log on stderr.  The
session never ends because of a bad call.

Tools are synchronous: the SDK runs them on worker threads, where the
DataLayer's lock serialises them with the keeper thread.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from jetpack_tui.agentkit import describe
from jetpack_tui.agentkit import limits
from jetpack_tui.data import JetpackError

log = logging.getLogger("jetpack_tui.mcp")

#: Parameter types shared by the tool modules (their bounds are :mod:`~jetpack_tui.agentkit.limits`').
TaskId = Annotated[str, Field(description="A task id, e.g. from list_tasks or claim_task.", max_length=limits.MAX_ID)]
MaybeTaskId = Annotated[str | None, Field(
    description="The task id. Leave out to mean the one task you hold (an error if you hold none or several).",
    max_length=limits.MAX_ID)]
RelatedTaskId = Annotated[str | None, Field(description="The task this is about, if any.", max_length=limits.MAX_ID)]
MessageId = Annotated[str, Field(description="A message id, e.g. from fetch_inbox.", max_length=limits.MAX_ID)]
ShortText = Annotated[str, Field(max_length=limits.MAX_SHORT)]
LongText = Annotated[str, Field(max_length=limits.MAX_TEXT)]
JsonData = Annotated[dict[str, Any] | None, Field(
    description=f"Optional structured fields (a JSON object, at most {limits.MAX_JSON:,} characters as JSON).")]
Limit = Annotated[int, Field(description="How many rows at most.", ge=1, le=limits.MAX_ROWS)]

READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
IDEMPOTENT = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                             open_world_hint=False)


def add(server: MCPServer, fn: Callable[..., dict[str, Any]], *, hints: ToolAnnotations = WRITE) -> None:
    """Register ``fn`` as the tool named ``fn.__name__``, errors turned into tool errors."""

    @functools.wraps(fn)
    def call(**kwargs: Any) -> dict[str, Any]:
        try:
            return fn(**kwargs)
        except JetpackError as error:
            raise ToolError(describe(error)) from None
        except Exception as error:  # a bug: keep serving, keep the traceback out of the model's context
            log.exception("tool %s failed", fn.__name__)
            raise ToolError(describe(error)) from None

    server.add_tool(call, name=fn.__name__, description=" ".join((fn.__doc__ or "").split()), annotations=hints)
