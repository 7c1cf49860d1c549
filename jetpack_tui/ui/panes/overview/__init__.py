"""Overview pane: the swarm at a glance; each figure jumps to its explanation."""

from .pane import OverviewPane

__all__ = ["OverviewPane"]
