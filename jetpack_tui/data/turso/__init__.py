"""Turso mode of the DataLayer: a pyturso replica, writes decided on the primary.

See :mod:`.engine` for the design, :mod:`.primary` for how transactions run
on the tursodb sync server, :mod:`.outbox` for offline writes.
"""

from .engine import TursoEngine
from .layer import DEFAULT_REPLICA, TursoDataLayer, create_turso_data_layer
from .status import SyncReport, SyncStatus

__all__ = ["DEFAULT_REPLICA", "SyncReport", "SyncStatus", "TursoDataLayer", "TursoEngine",
           "create_turso_data_layer"]
