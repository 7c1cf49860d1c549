"""Compatibility name: the Hrana client lives in :mod:`.turso.hrana`."""

from .turso.hrana import HranaClient, HranaError, PrimaryUnreachable, StepOutcome, Value  # noqa: F401
from .turso.hrana_wire import decode_value, encode_value  # noqa: F401
