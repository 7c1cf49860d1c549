"""Another OS process writing like a busy swarm, for ``test_panes_live``.

``python panes_live_writer.py DB STOPFILE`` writes tasks, heartbeats,
messages (new threads and replies), reservations (some overlapping) and
memories as fast as it can until STOPFILE exists (or MAX_SECONDS passed),
then prints the last id of each kind as JSON on stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.embedders import HashEmbedder

AGENTS = [f"w-{n}" for n in range(5)]
#: Only a safety cap (the test stops the writer with STOPFILE): the test switches panes
#: 18 times meanwhile, which takes 30 s alone and over 60 s beside other test processes.
MAX_SECONDS = 240.0


def main(path: str, stop_file: str) -> None:
    dl = create_local_data_layer(path, lease_ttl=60, retry_base=0.05, embedder=HashEmbedder())
    last: dict[str, str] = {}
    for agent in AGENTS:
        dl.agents.register(agent, skills=["python"])
    deadline = time.monotonic() + MAX_SECONDS
    step = 0
    thread = None
    while time.monotonic() < deadline and not os.path.exists(stop_file):
        step += 1
        agent = AGENTS[step % len(AGENTS)]
        task = dl.tasks.create(f"live task {step}", id=f"live-{step:05d}", priority="high")
        last["task"] = task.id
        dl.agents.heartbeat(agent, status="working", current_task=task.id)
        last["heartbeat"] = agent
        if step % 2 == 0:
            claimed = dl.tasks.claim(agent, task.id)
            if step % 4 == 0:
                dl.tasks.complete(task.id, agent, claimed.claim_token, result={"step": step})
        if step % 3 == 0:
            other = AGENTS[(step + 1) % len(AGENTS)]
            message = dl.messages.send(agent, other, "task.handoff", {"step": step, "note": "[b]x[/b]"},
                                       thread_id=thread if step % 9 else None, task_id=task.id)
            thread = message.thread_id
            last["message"], last["thread"] = message.id, message.thread_id
        if step % 4 == 0:
            path_glob = f"src/live/{step % 7}/**" if step % 8 == 0 else f"src/live/{step % 7}/f{step}.py"
            result = dl.reservations.reserve(agent, path_glob, "edit", ttl=600)
            last["reservation"] = result.reservation.id
        if step % 5 == 0:
            memory = dl.memories.store(f"live memory {step}: parser step {step}", type="learning",
                                       importance=0.5, agent_id=agent)
            last["memory"] = memory.id
    last["steps"] = str(step)
    dl.close()
    print(json.dumps(last))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
