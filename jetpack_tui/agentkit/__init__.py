"""The agents' front door, shared: one agent's operations over the DataLayer.

:class:`AgentOps` is what both the MCP server (:mod:`jetpack_tui.mcp`) and the
``jetpack-tui agent`` shell verbs call, so every operation exists once.
Never imports Textual or the MCP SDK.
"""

from .errors import describe, kind_of
from .ops import AgentOps, split_skills
from .tokens import HeldTokens, StoredTokens

__all__ = ["AgentOps", "HeldTokens", "StoredTokens", "describe", "kind_of", "split_skills"]
