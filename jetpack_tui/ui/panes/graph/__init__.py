"""Graph pane: the dependency graph, critical path, bottlenecks, stuck work."""

from .pane import GraphPane

__all__ = ["GraphPane"]
