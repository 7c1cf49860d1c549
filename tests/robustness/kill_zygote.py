"""A zygote for SIGKILL trials: imports the DataLayer once, then forks one
worker per trial so a trial costs milliseconds, not an interpreter start.

Run as a script (``python kill_zygote.py``).  Protocol, one JSON line per
trial on stdin: ``{"workload": "claims"|"broadcasts"|"migrate", "path": …,
"log": …, "seed": n}``; it answers ``pid <n>`` as soon as the worker is
forked, then waits for a ``reap`` line (so the pid cannot be reused while
the caller may still kill it) and answers ``exit <status>``.
The worker appends one line to ``log`` after each COMMITTED step (so the log
is a lower bound of what is in the database) and ``ready`` once open.

Used by ``tests/robustness/test_kill_trials.py`` and ``bench/faults/kill_trials.py``.
"""

from __future__ import annotations

import json
import os
import sys

from jetpack_tui.data import create_local_data_layer

LEASE = 30.0


def _logger(path: str):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    return lambda line: os.write(fd, (line + "\n").encode())


def claims(path: str, log, seed: int) -> None:
    agent = f"worker-{seed % 3}"
    dl = create_local_data_layer(path, lease_ttl=LEASE, single_thread=True)
    log("ready")
    i = 0
    while True:
        task = dl.tasks.claim(agent)
        if task is None:
            for k in range(3):
                made = dl.tasks.create(f"more work {seed}-{i}-{k}", id=f"N-{seed}-{i}-{k}")
                log(f"C {made.id}")
        elif i % 4 == 3:
            log(f"H {task.id}")  # keep holding it: its lease must bring it back
        else:
            if i % 2:
                dl.tasks.start(task.id, agent, task.claim_token)
            dl.tasks.complete(task.id, agent, task.claim_token, result={"by": agent, "i": i})
            log(f"D {task.id}")
        i += 1


def broadcasts(path: str, log, seed: int) -> None:
    dl = create_local_data_layer(path, single_thread=True)
    log("ready")
    i = 0
    while True:
        sent = dl.messages.broadcast("agent-0", "agent.note", {"seed": seed, "i": i})
        log(f"B {sent.id}")
        i += 1


def migrate(path: str, log, seed: int) -> None:
    dl = create_local_data_layer(path, single_thread=True)
    log(f"migrated {dl.schema_version()}")
    dl.close()


WORKLOADS = {"claims": claims, "broadcasts": broadcasts, "migrate": migrate}


def main() -> None:
    while line := sys.stdin.readline():
        order = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                sys.stdin.close()
                WORKLOADS[order["workload"]](order["path"], _logger(order["log"]), order["seed"])
            except BaseException as error:  # noqa: BLE001 - report, the parent checks the log
                _logger(order["log"])(f"error {type(error).__name__}: {error}")
                code = 1
            os._exit(code)
        print(f"pid {pid}", flush=True)
        sys.stdin.readline()  # "reap": until then the pid stays ours (a zombie at worst), never reused
        _, status = os.waitpid(pid, 0)
        print(f"exit {status}", flush=True)


if __name__ == "__main__":
    main()
