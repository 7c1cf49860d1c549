"""A timeout for pyturso's HTTP calls, which have none of their own.

pyturso 0.8.3 calls ``urllib.request.urlopen`` without a timeout, so
``pull()``/``push()``/``connect()`` against a host that accepts and never
answers (or a black-holed link) block forever.  The only knob is the
process-wide ``socket.setdefaulttimeout``.  It is set only while a sync call
runs, only if nobody set a default before, and restored when the last
overlapping call ends (several engines may sync at once).  Sockets created
with an explicit timeout (our Hrana client, most libraries) are unaffected.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0
_saved: float | None = None


@contextlib.contextmanager
def network_timeout(seconds: float) -> Iterator[None]:
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = socket.getdefaulttimeout()
            if _saved is None:
                socket.setdefaulttimeout(seconds)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                socket.setdefaulttimeout(_saved)
