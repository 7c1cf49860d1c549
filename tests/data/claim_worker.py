"""A separate OS process that claims tasks, for the concurrency tests and bench.

Usage: python claim_worker.py DB AGENT_ID MODE [TTL]
  drain   claim + complete until nothing is claimable; one JSON line per claim
  pause   claim one task, print it, wait for a line on stdin, then try to
          heartbeat and complete it and print what happened
  hold    claim + complete a few tasks, then claim one more, print
          {"holding": id} and hang (a stuck agent, killed by the test)
Errors are printed as JSON lines, never swallowed.
"""

from __future__ import annotations

import json
import sys

from jetpack_tui.data import JetpackError, create_local_data_layer


def drain(dl, agent: str, ttl: float) -> None:
    while True:
        try:
            task = dl.tasks.claim(agent, ttl=ttl)
        except JetpackError as error:
            print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
            continue
        if task is None:
            if dl.tasks.count(status=["pending", "claimed", "in_progress"]) == 0:
                return
            try:
                dl.tasks.reclaim_expired(by=agent)
            except JetpackError as error:
                print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
            continue
        print(json.dumps({"claimed": task.id, "token": task.claim_token}), flush=True)
        try:
            dl.tasks.complete(task.id, agent, task.claim_token)
            print(json.dumps({"completed": task.id, "token": task.claim_token}), flush=True)
        except JetpackError as error:
            print(json.dumps({"refused": task.id, "error": type(error).__name__}), flush=True)


def pause(dl, agent: str, ttl: float) -> None:
    task = dl.tasks.claim(agent, ttl=ttl)
    print(json.dumps({"claimed": task.id, "token": task.claim_token}), flush=True)
    sys.stdin.readline()
    for verb, call in (("renew", lambda: dl.tasks.renew(task.id, agent, task.claim_token)),
                       ("complete", lambda: dl.tasks.complete(task.id, agent, task.claim_token))):
        try:
            call()
            print(json.dumps({verb: "ok"}), flush=True)
        except JetpackError as error:
            print(json.dumps({verb: type(error).__name__}), flush=True)


def hold(dl, agent: str, ttl: float) -> None:
    for _ in range(5):
        task = dl.tasks.claim(agent, ttl=ttl)
        dl.tasks.complete(task.id, agent, task.claim_token)
    task = dl.tasks.claim(agent, ttl=ttl)
    print(json.dumps({"holding": task.id}), flush=True)
    sys.stdin.readline()


def main() -> None:
    path, agent, mode = sys.argv[1:4]
    ttl = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0
    with create_local_data_layer(path, busy_deadline=30.0) as dl:
        dl.agents.register(agent, skills=["python"])
        {"drain": drain, "pause": pause, "hold": hold}[mode](dl, agent, ttl)


if __name__ == "__main__":
    main()
