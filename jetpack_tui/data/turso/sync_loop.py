"""The background sync: every ``interval`` seconds, push queued writes and
pull, then tell subscribers (the dashboard refreshes after each sync).

One thread per DataLayer.  Syncs start every ``interval`` seconds (the time
a sync took is deducted from the wait, so a change shows within about
``interval`` + one pull), yet the next starts only after the previous one
finished: they never overlap and a slow primary slows the loop instead of
piling up work.  The pull itself runs on the engine thread (pyturso: one
connection per thread); this thread only paces it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ..errors import ClosedError

log = logging.getLogger(__name__)


class SyncLoop:
    def __init__(self, sync: Callable[[], object], interval: float) -> None:
        self._sync = sync
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jetpack-turso-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        took = 0.0
        while not self._stop.wait(max(self.interval - took, 0.0)):
            started = time.monotonic()
            try:
                self._sync()
            except ClosedError:
                return
            except Exception:  # noqa: BLE001 - keep syncing; the report carries errors
                log.exception("background sync failed")
            took = time.monotonic() - started
