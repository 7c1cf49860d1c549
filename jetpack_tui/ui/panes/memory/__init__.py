"""Memory pane: hybrid search over what the swarm learned; the task context screen."""

from .pane import MemoryPane
from .task_context import TaskContextScreen

__all__ = ["MemoryPane", "TaskContextScreen"]
