"""An agent process driven over stdin/stdout (JSON lines), for tests that
run each replica on its own "host" (a network namespace).

Each request ``{"op": name, ...}`` gets one answer ``{"ok": true, "result":
...}`` or ``{"ok": false, "error": "<ErrorClass>", "message": ...}``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time

from jetpack_tui.data import JetpackError
from jetpack_tui.data.turso import create_turso_data_layer
from jetpack_tui.data.turso.hrana import HranaClient


class Agent:
    def __init__(self) -> None:
        self.dl = None
        self.url = ""
        self.name = ""
        self.synced = threading.Condition()

    def op_open(self, url: str, replica: str, agent: str, interval: float, timeout: float) -> str:
        self.url, self.name = url, agent
        deadline = time.monotonic() + 20
        while True:  # the primary may still be starting in its namespace
            try:
                self.dl = create_turso_data_layer(url, replica_path=replica, sync_interval=interval,
                                                  timeout=timeout, busy_deadline=30)
                break
            except JetpackError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.dl.on_sync(self._on_sync)
        return self.dl.location

    def _on_sync(self, _report) -> None:
        with self.synced:
            self.synced.notify_all()

    def op_register(self, skills: list[str]) -> str:
        return self.dl.agents.register(self.name, skills=skills).id

    def op_create(self, ids: list[str]) -> float:
        for task_id in ids:
            self.dl.tasks.create(f"task {task_id}", id=task_id, required_skills=["python"])
        return time.time()  # committed on the primary

    def op_claim_all(self) -> list:
        claimed = []
        while (task := self.dl.tasks.claim(self.name)) is not None:
            claimed.append([task.id, task.claim_token])
        return claimed

    def op_claim(self) -> str | None:
        task = self.dl.tasks.claim(self.name)
        return None if task is None else task.id

    def op_heartbeat(self, status: str) -> str:
        return self.dl.agents.heartbeat(self.name, status=status).status

    def op_agent_status(self, agent: str) -> str | None:
        found = self.dl.agents.find(agent)
        return None if found is None else found.status

    def op_count(self) -> int:
        return self.dl.tasks.count()

    def op_sync(self) -> dict:
        return dataclasses.asdict(self.dl.sync())

    def op_status(self) -> dict:
        status = self.dl.sync_status()
        return {"online": status.online, "stale_since": status.stale_since, "queued": status.queued,
                "last_error": status.last_error}

    def op_wait_task(self, task_id: str, timeout: float) -> float | None:
        """Block until a background sync makes ``task_id`` visible; the time it did."""
        deadline = time.monotonic() + timeout
        with self.synced:
            while self.dl.tasks.find(task_id) is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.synced.wait(left)
        return time.time()

    def op_audit(self) -> dict:
        rows = HranaClient(self.url).execute(
            "SELECT task_id, count(*) FROM task_events WHERE action = 'claim' GROUP BY task_id")
        return {"tasks": len(rows), "max_claims": max((n for _t, n in rows), default=0)}

    def op_close(self) -> None:
        self.dl.close()


def main() -> None:
    agent = Agent()
    for line in sys.stdin:
        request = json.loads(line)
        op = request.pop("op")
        try:
            answer = {"ok": True, "result": getattr(agent, f"op_{op}")(**request)}
        except JetpackError as error:
            answer = {"ok": False, "error": type(error).__name__, "message": str(error)}
        print(json.dumps(answer), flush=True)
        if op == "close":
            return


if __name__ == "__main__":
    main()
