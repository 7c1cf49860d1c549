"""The session's pulse: heartbeats and lease renewals on a background thread.

A model does not call ``heartbeat`` on a timer, and it may think for
minutes between two tool calls.  While the MCP session lives, this thread
keeps the agent alive on the dashboard and extends the leases of the tasks
the session holds, so work is only taken back when the session is really
gone (the process was killed, or the client closed it).

It shares the process's one DataLayer with the tool calls (the engine's
lock makes that safe); each beat is one or two short writes.  A failure is
logged on stderr and retried at the next beat, never raised: a busy or
unreachable database must not end the session.  When an operator
deregisters the agent, the keeper stops beating (re-registering behind the
operator's back would undo the action); ``start_session`` joins again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from jetpack_tui.agentkit import describe
from jetpack_tui.data import JetpackError, NotFoundError

log = logging.getLogger("jetpack_tui.mcp")


class Keeper:
    def __init__(self, ops: Any, *, heartbeat_every: float, renew_every: float) -> None:
        self.ops = ops
        self.heartbeat_every = heartbeat_every
        self.renew_every = renew_every
        self.beats = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._since_renew = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="jetpack-mcp-keeper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.heartbeat_every):
            self.beat()

    def beat(self) -> None:
        """One heartbeat, plus a renewal of held task leases when one is due."""
        try:
            self.ops.dl.agents.heartbeat(self.ops.agent_id)
        except NotFoundError:
            pass  # deregistered by an operator: its tasks went back to the queue; do not come back uninvited
        except JetpackError as error:
            log.warning("heartbeat failed, retrying at the next beat: %s", describe(error))
        self._since_renew += self.heartbeat_every
        if self._since_renew >= self.renew_every:
            self._since_renew = 0.0
            try:
                lost = self.ops.renew_tasks()["lost"]
                if lost:
                    log.warning("lost the lease of %s (taken back or reassigned)", ", ".join(lost))
            except JetpackError as error:
                log.warning("lease renewal failed, retrying at the next beat: %s", describe(error))
        self.beats += 1
