"""One agent in its own OS process with its own replica, claiming until the
queue is empty (used by test_turso_claims.py and bench/sync.py).

    python turso_claim_worker.py URL REPLICA_PATH AGENT START_FILE OUT_FILE

Waits until START_FILE exists (so every worker starts together), then writes
``{"claimed": [[task_id, token], ...], "errors": [...], "seconds": s}`` to
OUT_FILE.
"""

from __future__ import annotations

import json
import os
import sys
import time

from jetpack_tui.data import JetpackError
from jetpack_tui.data.turso import create_turso_data_layer


def main(url: str, replica: str, agent: str, start_file: str, out_file: str) -> None:
    claimed: list[list] = []
    errors: list[str] = []
    with create_turso_data_layer(url, replica_path=replica, sync_interval=None, busy_deadline=60) as dl:
        dl.agents.register(agent, skills=["python"])
        while not os.path.exists(start_file):
            time.sleep(0.005)
        started = time.perf_counter()
        while True:
            try:
                task = dl.tasks.claim(agent)
            except JetpackError as error:
                errors.append(f"{type(error).__name__}: {error}")
                if len(errors) > 20:
                    break
                continue
            if task is None:
                break
            claimed.append([task.id, task.claim_token])
        seconds = time.perf_counter() - started
    with open(out_file + ".tmp", "w", encoding="utf-8") as handle:
        json.dump({"claimed": claimed, "errors": errors, "seconds": seconds}, handle)
    os.replace(out_file + ".tmp", out_file)


if __name__ == "__main__":
    main(*sys.argv[1:6])
