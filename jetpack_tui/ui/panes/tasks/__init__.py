"""The task board: paged in SQL, updated by id from the change feed."""

from .pane import TasksPane

__all__ = ["TasksPane"]
