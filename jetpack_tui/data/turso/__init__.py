"""Turso mode of the DataLayer: a pyturso replica, writes decided on the primary.

See :mod:`.engine` for the design, :mod:`.plan` for the one request each
write is on the primary, :mod:`.hrana` for the protocol, :mod:`.offline`
and :mod:`.outbox` for writes made while the primary is unreachable.
"""

from .engine import TursoEngine
from .layer import DEFAULT_REPLICA, TursoDataLayer, create_turso_data_layer
from .status import SyncReport, SyncStatus

__all__ = ["DEFAULT_REPLICA", "SyncReport", "SyncStatus", "TursoDataLayer", "TursoEngine",
           "create_turso_data_layer"]
