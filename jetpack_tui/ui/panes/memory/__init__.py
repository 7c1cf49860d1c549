"""Memory pane: search what the swarm learned."""

from .pane import MemoryPane

__all__ = ["MemoryPane"]
