"""A demo agent that works only through MCP: ``python -m jetpack_tui.demo.mcp_agent --db PATH --id ID …``.

It is what ``jetpack-tui demo --via mcp`` runs instead of
:mod:`jetpack_tui.demo.agent`: the same kind of day (claim, start, read the
task's context, reserve files and ask holders for them, take the deploy
lease for devops work, ask for help, complete or fail, remember, answer
mail), but as an MCP *client*.  It starts its own ``jetpack-tui mcp
--agent ID`` server over stdio with the SDK's client and calls tools, as
Claude Code or Codex would; it never opens the database.  The server
registers it, heartbeats and renews its claim, so the dashboard shows it
like any agent.

Its deaths are the server's: a "crash" SIGKILLs the server (heartbeats stop
at once) and a "hang" SIGSTOPs it (a frozen host) until it has been dead a
while; either way its task is an orphan until the lease runs out.  Command
line and exit codes are the library agent's, so :class:`~.swarm.Swarm`
starts either one.
"""

from __future__ import annotations

import os
import random
import signal
import sys
from typing import Any

import anyio

from .agent import DEPLOY_LEASE, parse_args
from .pace import DIED, SLICE, Lifeline, Pace
from .vocabulary import ERRORS, HELP_REPLIES, HELP_REQUESTS, files_for, lesson

#: Refusals that mean "this task is no longer mine" (reclaimed, reassigned, cancelled).
LOST = ("not held", "not found", "conflict")


class ToolFailed(Exception):
    """A tool answered with an error (its text is the message)."""


class McpDemoAgent:
    def __init__(self, session: Any, args: Any, pace: Pace, life: Lifeline) -> None:
        self.session = session
        self.id = args.id
        self.skills = [s for s in args.skills.split(",") if s]
        self.rng = random.Random(f"{args.seed}:agent:{args.id}")
        self.pace = pace
        self.life = life
        self.death_rate = args.death_rate
        self.die_after = args.die_after
        self.fail_rate = args.fail_rate
        self.finished = 0
        self._next_mail = 0.0

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = await self.session.call_tool(tool, arguments)
        if result.is_error:
            raise ToolFailed(" ".join(getattr(c, "text", "") for c in result.content))
        return result.structured_content or {}

    async def nap(self, seconds: float) -> bool:
        """Sleep in short slices; ``False`` as soon as the agent must stop."""
        deadline = anyio.current_time() + max(0.0, seconds)
        while self.life.alive():
            left = deadline - anyio.current_time()
            if left <= 0:
                return True
            await anyio.sleep(min(SLICE, left))
        return False

    # -- the day ---------------------------------------------------------------------------
    async def run(self) -> int:
        await self.call("start_session")
        await self.call("broadcast_message", type="agent.started", text=f"{self.id} joined over MCP",
                        data={"skills": self.skills, "pid": os.getpid(), "via": "mcp"})
        while self.life.alive():
            await self.answer_mail()
            claimed = await self.call("claim_task")
            if not claimed["claimed"]:
                await self.nap(self.pace.idle)
                continue
            outcome = await self.work(claimed["task"])
            if outcome == "died":
                return DIED
        return 0

    async def work(self, task: dict[str, Any]) -> str:
        try:
            await self.call("start_task", task_id=task["id"])
            context = await self.call("get_task_context", task_id=task["id"], k=3)
            thread = next((m["thread_id"] for m in context["messages"]), None)
            posted = await self.call("broadcast_message", type="task.claimed", text=f"working on {task['title']}",
                                     task_id=task["id"], thread_id=thread, data={"attempt": task["attempts"]})
            thread = posted["message"]["thread_id"]
            files = await self.reserve(task, thread)
            lease = "devops" in task["required_skills"] and (
                await self.call("acquire_lease", resource=DEPLOY_LEASE, ttl=self.pace.lease_ttl))["acquired"]
            steps = self.rng.randint(3, 8)
            fatal = self.rng.randrange(1, steps) if self.doomed() else None
            for step in range(steps):
                if not await self.nap(self.rng.uniform(*self.pace.step)):
                    return "stopped"
                if step == fatal:
                    return await self.die(self.rng.choice(("crash", "hang")))
                if step == 1 and self.rng.random() < 0.25:
                    question = self.rng.choice(HELP_REQUESTS).format(
                        skill=(task["required_skills"] or ["this"])[0], title=task["title"],
                        path=files[0] if files else "src/")
                    await self.call("broadcast_message", type="task.help_needed", text=question,
                                    task_id=task["id"], thread_id=thread)
            await self.finish(task, thread, files)
            if lease:
                await self.call("release_lease", resource=DEPLOY_LEASE)
        except ToolFailed as refusal:
            if not str(refusal).split(": ", 1)[-1].startswith(LOST):
                raise
        return "done"

    async def reserve(self, task: dict[str, Any], thread: str) -> list[str]:
        files = files_for(self.rng, task["title"])
        reserved = await self.call("reserve_files", paths=files, task_id=task["id"], ttl=self.pace.lease_ttl * 2)
        holders = {(c["path"], h["agent_id"]) for c in reserved["conflicts"] for h in c["held"] if h["agent_id"]}
        for path, holder in sorted(holders):
            await self.call("send_message", to=holder, type="file.lock_request", text=f"may I have {path}?",
                            data={"file_path": path}, task_id=task["id"], thread_id=thread)
        return files

    async def finish(self, task: dict[str, Any], thread: str, files: list[str]) -> None:
        if self.rng.random() < self.fail_rate:
            error = self.rng.choice(ERRORS)
            failed = await self.call("fail_task", task_id=task["id"], error=error)
            await self.call("broadcast_message", type="task.failed", text=error, task_id=task["id"],
                            thread_id=thread, data={"will_retry": failed["will_retry"]})
            await self.call("store_memory", type="error", content=f"{task['title']} failed: {error}",
                            importance=0.7, task_id=task["id"])
            return
        result = {"summary": f"{task['title']}: done", "files": files, "steps": self.finished + 1}
        await self.call("complete_task", task_id=task["id"], result=result)
        self.finished += 1
        await self.call("broadcast_message", type="task.completed", text=result["summary"], task_id=task["id"],
                        thread_id=thread)
        if self.rng.random() < 0.6:
            kind, content = lesson(self.rng, task["title"])
            await self.call("store_memory", type=kind, content=content, task_id=task["id"],
                            importance=round(self.rng.uniform(0.3, 0.95), 2), metadata={"source": "demo-mcp"})

    def doomed(self) -> bool:
        if self.die_after is not None:
            return self.finished >= self.die_after
        return self.rng.random() < self.death_rate

    async def die(self, how: str) -> str:
        """The server dies under the agent (a crash) or freezes (a hang), holding the claim."""
        servers = child_pids(os.getpid())
        for pid in servers:
            os.kill(pid, signal.SIGKILL if how == "crash" else signal.SIGSTOP)
        if how == "hang":
            await self.nap(self.pace.hang_for)
            for pid in servers:
                os.kill(pid, signal.SIGKILL)
        return "died"

    # -- mail ---------------------------------------------------------------------------------
    async def answer_mail(self) -> None:
        """Every few seconds: answer help and file requests in their thread, ack some of the rest."""
        if anyio.current_time() < self._next_mail:
            return
        self._next_mail = anyio.current_time() + self.pace.mail_every
        inbox = await self.call("fetch_inbox", limit=8)
        for message in inbox["messages"]:
            answer = {"task.help_needed": ("task.help_offered", self.rng.choice(HELP_REPLIES)),
                      "file.lock_request": ("file.lock_answer", "Done in a minute, then it is yours.")
                      }.get(message["type"])
            if answer and message["from"] and message["from"] != self.id:
                await self.call("reply_message", message_id=message["id"], type=answer[0], text=answer[1])
            if answer or self.rng.random() < 0.5:
                await self.call("acknowledge_message", message_id=message["id"])


def child_pids(parent: int) -> list[int]:
    """Processes whose parent is ``parent`` (Linux ``/proc``): this agent's MCP server."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def server_command(args: Any, pace: Pace) -> list[str]:
    return [sys.executable, "-m", "jetpack_tui", "mcp", "--agent", args.id, "--skills", args.skills,
            "--db", args.db, "--lease-ttl", repr(pace.lease_ttl), "--heartbeat", repr(pace.heartbeat)]


async def serve_and_run(args: Any) -> int:
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    pace = Pace(args.speed)
    life = Lifeline(args.parent_pid)
    command = server_command(args, pace)
    params = StdioServerParameters(command=command[0], args=command[1:])
    async with stdio_client(params, errlog=sys.stderr) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        return await McpDemoAgent(session, args, pace, life).run()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        code = anyio.run(serve_and_run, args)
    except KeyboardInterrupt:
        code = 0
    if code == DIED:
        os._exit(DIED)  # the server is already gone: no goodbye from either
    return code


if __name__ == "__main__":
    sys.exit(main())
