"""Identifiers that are unique across machines without coordination.

No autoincrement: replicas on different hosts create rows offline, so ids are
random (64 bits) with a short prefix naming the kind of row for humans.
"""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """``task-3f9a0c12d4e5b6a7`` style id: readable prefix, 64 random bits."""
    return f"{prefix}-{secrets.token_hex(8)}"
