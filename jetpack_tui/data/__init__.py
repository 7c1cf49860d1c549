"""The Jetpack DataLayer: the durable store every agent of a swarm shares.

Never imports Textual: agents use this package as a library.
"""

from .agents import ReleaseReport
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
from .embedders import Embedder, EmbedderError, HashEmbedder, OpenAIEmbedder, embedder_from_env
from .local import DEFAULT_PATH, LocalDataLayer, create_local_data_layer
from .mail_models import Delivery, Message, Thread
from .memory_models import Memory, MemoryHit
from .models import LIVENESS_STATES, Agent, Blockers, Lease, Liveness, Task, TaskEvent
from .protocol import DataLayer
from .reservation_models import Reservation, ReservationConflict, ReservationConflictError, ReservationResult
from .settings import LIVENESS, Setting, SettingValue
from .task_context import TaskContext



def create_turso_data_layer(*args, **kwargs):
    """Turso mode (see :mod:`jetpack_tui.data.turso`); imported on first use
    so local-only agents never load pyturso."""
    from .turso import create_turso_data_layer as create

    return create(*args, **kwargs)


__all__ = [
    "Embedder", "EmbedderError", "HashEmbedder", "OpenAIEmbedder", "embedder_from_env", "Memory", "MemoryHit",
    "TaskContext", "ReleaseReport", "LIVENESS", "LIVENESS_STATES", "Setting", "SettingValue",
    "Agent", "Blockers", "ChangeSet", "Delivery", "Message", "Thread", "Reservation", "ReservationConflict",
    "ReservationConflictError", "ReservationResult", "ClosedError", "ConflictError", "DataLayer", "DEFAULT_PATH",
    "InvalidInputError", "JetpackError", "Lease", "Liveness", "LocalDataLayer", "NotFoundError",
    "PrimaryUnavailableError", "ReadOnlyError", "SchemaMismatchError", "StaleLeaseError",
    "StorageBusyError", "StorageError", "Task", "TaskEvent", "create_local_data_layer", "create_turso_data_layer",
]
