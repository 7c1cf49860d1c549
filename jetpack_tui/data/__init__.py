"""The Jetpack DataLayer: the durable store every agent of a swarm shares.

Never imports Textual: agents use this package as a library.
"""

from .changes import ChangeSet
from .errors import (
    ClosedError,
    ConflictError,
    InvalidInputError,
    JetpackError,
    NotFoundError,
    PrimaryUnavailableError,
    ReadOnlyError,
    SchemaMismatchError,
    StaleLeaseError,
    StorageBusyError,
    StorageError,
)
from .local import DEFAULT_PATH, LocalDataLayer, create_local_data_layer
from .models import Agent, Blockers, Lease, Liveness, Task, TaskEvent
from .protocol import DataLayer

__all__ = [
    "Agent", "Blockers", "ChangeSet", "ClosedError", "ConflictError", "DataLayer", "DEFAULT_PATH",
    "InvalidInputError", "JetpackError", "Lease", "Liveness", "LocalDataLayer", "NotFoundError",
    "PrimaryUnavailableError", "ReadOnlyError", "SchemaMismatchError", "StaleLeaseError",
    "StorageBusyError", "StorageError", "Task", "TaskEvent", "create_local_data_layer",
]
