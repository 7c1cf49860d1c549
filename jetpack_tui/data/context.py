"""Settings and the engine shared by the sub-interfaces of one DataLayer."""

from __future__ import annotations

from dataclasses import dataclass

from .backend import Engine
from .models import Liveness


@dataclass
class StoreContext:
    engine: Engine
    #: This process's explicit liveness rule, overriding the one stored in the
    #: database (``None``: use the database's, see :mod:`.settings`).
    liveness: Liveness | None = None
    #: Default lease of a claimed task, in seconds.
    lease_ttl: float = 120.0
    #: First retry delay after a failure; doubles with every attempt.
    retry_base: float = 2.0
    #: Cap of the retry delay.
    retry_max: float = 300.0
