"""Agents pane: who is alive, what they hold, and the operator's levers."""

from .pane import AgentsPane

__all__ = ["AgentsPane"]
