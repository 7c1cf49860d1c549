"""One agent in its own OS process: claim, renew, reserve strictly (a path
other agents want too), broadcast, complete -- until the queue is empty.
Used by test_turso_mixed_writers.py, in local mode and in Turso mode.

    python mixed_writer.py MODE TARGET REPLICA AGENT START_FILE OUT_FILE

MODE ``local``: TARGET is the database file.  MODE ``turso``: TARGET is the
primary's URL and REPLICA this agent's replica.  Writes ``{"completed": [...],
"won": [...], "lost": n, "broadcasts": [...], "errors": [...]}`` to OUT_FILE.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zlib

from jetpack_tui.data import JetpackError, ReservationConflictError, create_local_data_layer
from jetpack_tui.data.turso import create_turso_data_layer

#: Strict reservations contend for these few globs.
SHARED = ("shared/a/*.py", "shared/b/*.py", "shared/**")


def open_layer(mode: str, target: str, replica: str):
    if mode == "local":
        return create_local_data_layer(target, busy_deadline=60)
    return create_turso_data_layer(target, replica_path=replica, sync_interval=None, busy_deadline=60)


def work(dl, agent: str, out: dict) -> None:
    while True:
        task = dl.tasks.claim(agent)
        if task is None:
            return
        dl.tasks.renew(task.id, agent, task.claim_token, ttl=300)
        path = SHARED[zlib.crc32(task.id.encode()) % len(SHARED)]
        try:
            held = dl.reservations.reserve(agent, path, "edit", task_id=task.id, strict=True).reservation
            out["won"].append(held.id)
        except ReservationConflictError:
            out["lost"] += 1
        out["broadcasts"].append(dl.messages.broadcast(agent, "done", {"task": task.id}).id)
        dl.tasks.complete(task.id, agent, task.claim_token, result={"by": agent})
        out["completed"].append(task.id)


def main(mode: str, target: str, replica: str, agent: str, start_file: str, out_file: str) -> None:
    out: dict = {"completed": [], "won": [], "lost": 0, "broadcasts": [], "errors": []}
    with open_layer(mode, target, replica) as dl:
        dl.agents.register(agent, skills=["python"])
        with open(start_file + f".{agent}", "w"):
            pass  # registered: every broadcast reaches every agent
        while not os.path.exists(start_file):
            time.sleep(0.005)
        try:
            work(dl, agent, out)
        except JetpackError as error:
            out["errors"].append(f"{type(error).__name__}: {error}")
    with open(out_file + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(out, handle)
    os.replace(out_file + ".tmp", out_file)


if __name__ == "__main__":
    main(*sys.argv[1:7])
