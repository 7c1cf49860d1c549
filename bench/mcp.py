"""The MCP front door's cost: one tool call through a real server vs the same call in-process.

    python bench/mcp.py [--calls 300] [--inbox 20]

Three ways to make each call, all in the same run on the same database:

- ``library``: the DataLayer call itself (``dl.tasks.claim``, ``dl.messages.receive``) — the baseline;
- ``agentkit``: the shared operation the server runs (``AgentOps.claim_task``/``fetch_inbox``:
  input checks, the call, the JSON view, the agent's heartbeat after a claim);
- ``mcp``: a round trip to a ``jetpack-tui mcp`` server over stdio with the SDK's
  client (JSON-RPC, argument validation, a worker thread, structured result).

``claim_task`` claims one of ``--calls`` ready tasks per call; ``fetch_inbox``
reads ``--inbox`` messages without marking them read (so every call reads
the same amount).  Prints p50/p99 per call and the ratio of each to the library.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import anyio

# This file is bench/mcp.py: its folder on sys.path would shadow the ``mcp`` SDK package.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
sys.path.insert(0, os.path.dirname(HERE))

from mcp.client.session import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

from jetpack_tui.agentkit import AgentOps, HeldTokens  # noqa: E402
from jetpack_tui.data import create_local_data_layer  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fill(dl, agent: str, calls: int, inbox: int) -> None:
    for n in range(calls):
        dl.tasks.create(f"bench task {n}", id=f"{agent}-t{n:05d}")
    for n in range(inbox):
        dl.messages.send("sender", agent, "bench.note", {"text": f"note {n}"})


def time_sync(calls: int, call) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


async def time_mcp(db: str, agent: str, calls: int, inbox: int) -> dict[str, list[float]]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "jetpack_tui", "mcp", "--agent", agent,
                                                                  "--db", db])
    out: dict[str, list[float]] = {"claim_task": [], "fetch_inbox": []}
    with open(os.devnull, "w") as quiet:
        async with stdio_client(params, errlog=quiet) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            await session.call_tool("list_tasks", {"limit": 1})  # warm up: first call imports, compiles
            for name, arguments in (("claim_task", {}), ("fetch_inbox", {"unread_only": False, "limit": inbox,
                                                                          "mark_read": False})):
                for _ in range(calls):
                    started = time.perf_counter()
                    result = await session.call_tool(name, arguments)
                    out[name].append(time.perf_counter() - started)
                    assert not result.is_error, result.content
            assert len(result.structured_content["messages"]) == inbox
    return out


def measure(db: str, calls: int, inbox: int) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {}
    with create_local_data_layer(db) as dl:
        for agent in ("lib", "kit", "wire"):
            dl.agents.register(agent)
            fill(dl, agent, calls, inbox)
        # Each way claims from the same queue; tasks are plain, so each claim takes the oldest left.
        results["library"] = {
            "claim_task": time_sync(calls, lambda: dl.tasks.claim("lib")),
            "fetch_inbox": time_sync(calls, lambda: dl.messages.receive("lib", limit=inbox)),
        }
        ops = AgentOps(dl, "kit", tokens=HeldTokens(), lease_ttl=120)
        results["agentkit"] = {
            "claim_task": time_sync(calls, ops.claim_task),
            "fetch_inbox": time_sync(calls, lambda: ops.fetch_inbox(unread_only=False, limit=inbox, mark_read=False)),
        }
    results["mcp"] = anyio.run(time_mcp, db, "wire", calls, inbox)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--inbox", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jetpack-bench-mcp-") as folder:
        results = measure(os.path.join(folder, "bench.db"), args.calls, args.inbox)
    print(f"{args.calls} calls each, inbox of {args.inbox} messages")
    print(f"{'call':<12} {'way':<9} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'x library p50':>14}")
    for call in ("claim_task", "fetch_inbox"):
        base = percentile(results["library"][call], 0.5)
        for way in ("library", "agentkit", "mcp"):
            samples = results[way][call]
            p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
            print(f"{call:<12} {way:<9} {p50 * 1e3:8.3f} {p99 * 1e3:8.3f} {statistics.fmean(samples) * 1e3:8.3f}"
                  f" {p50 / base:13.1f}x")


if __name__ == "__main__":
    main()
