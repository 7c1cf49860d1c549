"""Operator insight at size: time travel, trends, graph analysis, stuck checks.

    python bench/insight.py [--events 1000000] [--unfinished 10000] [--edges 30000]
                            [--stuck-tasks 100000] [--samples 25]

Builds a database whose audit log holds ``--events`` events over 7 days
(tasks created, claimed, started, failing and retried now and then,
completed; ~5 events per task, so ~200k tasks for 1M events), ending with
``--unfinished`` unfinished tasks linked by ``--edges`` dependencies.  Rows
are generated directly (executemany in one transaction; the audit rows are
the data under test).  Then prints p50/p95 of, each with a baseline
measured in the same run and the ratio:

* the swarm at a random moment (checkpoints stored) vs a full replay of the
  log up to that moment (what it costs without checkpoints);
* trends over the last 7 days (rollups stored) vs folding the window's
  events in memory (a reader with no rollups);
* critical path + bottlenecks of the unfinished graph vs counting each
  task's descendants by its own breadth-first walk (sampled, extrapolated);
* the stuck check on ``--stuck-tasks`` unfinished tasks (the doctor's cost);
* the claim's extra cost of the ``task_events(at)`` index (claim + complete
  loop with and without it, alternating rounds).

Targets (issue 16): state p50 <= 200 ms, 7-day trends p50 <= 100 ms,
critical path + bottlenecks <= 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import deque

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from jetpack_tui.data import create_local_data_layer  # noqa: E402
from jetpack_tui.data.insight import Insight  # noqa: E402
from jetpack_tui.data.insight.analysis import analyse  # noqa: E402
from jetpack_tui.data.insight.history.checkpoints import HistoryIndex  # noqa: E402
from jetpack_tui.data.insight.history.state import state_at  # noqa: E402
from jetpack_tui.data.insight.source import EngineReader  # noqa: E402
from jetpack_tui.data.insight.stuck import find_stuck  # noqa: E402

WEEK = 7 * 86_400.0
SKILLS = (["python"], ["python", "sql"], ["rust"], ["docs"], [])
AGENTS = [f"agent-{n:02d}" for n in range(40)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


CPU: list[float] = []  # CPU ms of the last timed() calls (the machine may be shared: wall can be several times it)


def timed(fn) -> tuple[float, object]:
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    CPU.append((time.process_time() - cpu) * 1000)
    return (time.perf_counter() - started) * 1000, result


def line(label: str, ours: list[float], base: list[float], note: str = "", target: str = "",
         cpu: list[float] | None = None) -> None:
    p50, p95, b50 = statistics.median(ours), percentile(ours, 0.95), statistics.median(base)
    print(f"  {label:30s} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms   baseline p50 {b50:9.1f} ms"
          f"   ratio {b50 / p50:7.1f}x{('  ' + target) if target else ''}")
    if cpu:
        print(f"  {'':30s} CPU p50 {statistics.median(cpu):.1f} ms (wall includes waiting for a shared CPU)")
    if note:
        print(f"  {'':30s} {note}")


# -- the database --------------------------------------------------------------------------
def generate(events_wanted: int, unfinished: int, edges: int, seed: int = 7):
    """(tasks rows, audit rows sorted by time) of a 7-day history."""
    rng = random.Random(seed)
    end = time.time() - 120
    start = end - WEEK
    per_task = 4.24  # what the mix below averages
    total_tasks = max(unfinished + 1, int(events_wanted / per_task))
    finished = total_tasks - unfinished
    events: list[tuple] = []
    tasks: list[tuple] = []
    spacing = WEEK / total_tasks
    for n in range(total_tasks):
        task_id = f"t{n:07d}"
        skills = SKILLS[n % len(SKILLS)]
        created = start + n * spacing
        events.append((created, task_id, "planner", "create", None, "pending", None, None))
        status, owner, claimed_at, moment = "pending", None, None, created
        if n < finished:
            for attempt in range(3):
                agent = rng.choice(AGENTS)
                moment += rng.expovariate(1 / 30)
                claimed_at = moment
                events.append((moment, task_id, agent, "claim", "pending", "claimed", None, agent))
                moment += rng.uniform(0.5, 2)
                events.append((moment, task_id, agent, "start", "claimed", "in_progress", agent, agent))
                moment += rng.expovariate(1 / (120 + 60 * (n % len(SKILLS))))
                if attempt < 2 and rng.random() < 0.12:
                    events.append((moment, task_id, agent, "fail", "in_progress", "pending", agent, None))
                    moment += 2 ** attempt
                    continue
                events.append((moment, task_id, agent, "complete", "in_progress", "completed", agent, agent))
                status, owner = "completed", agent
                break
        elif n % 10 == 0:
            agent = AGENTS[n % len(AGENTS)]
            moment = end - rng.uniform(1, 100)
            claimed_at = moment
            events.append((moment, task_id, agent, "claim", "pending", "claimed", None, agent))
            status, owner = "claimed", agent
        tasks.append([task_id, f"task {n}", status, skills, [], owner, claimed_at])
    first_open = finished
    for _ in range(edges):  # a DAG among the unfinished tasks (earlier -> later)
        child = rng.randrange(first_open + 1, total_tasks)
        parent = rng.randrange(max(first_open, child - 400), child)
        deps = tasks[child][4]
        if tasks[parent][0] not in deps:
            deps.append(tasks[parent][0])
    events.sort(key=lambda e: e[0])
    return tasks, events


def build(path: str, events_wanted: int, unfinished: int, edges: int) -> dict:
    import json

    t0 = time.perf_counter()
    tasks, events = generate(events_wanted, unfinished, edges)
    with create_local_data_layer(path) as dl:
        def write(tx):
            tx.executemany(
                "INSERT INTO tasks(id, title, status, required_skills, dependencies, claimed_by, claimed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(t[0], t[1], t[2], json.dumps(t[3]), json.dumps(t[4]), t[5], t[6]) for t in tasks])
            tx.execute("DELETE FROM task_events")
            tx.executemany("INSERT INTO task_events(id, at, task_id, actor, action, from_status, to_status,"
                           " from_owner, to_owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(i + 1, *e) for i, e in enumerate(events)])
            tx.execute("DELETE FROM change_log")
            beats, moment = [], events[-1][0] - 3000
            while moment < events[-1][0] + 60:  # the last hour of heartbeats, as the change feed keeps
                beats += [("agents", a, "update", moment) for a in AGENTS]
                moment += 10
            tx.executemany("INSERT INTO change_log(tbl, row_id, op, at) VALUES (?, ?, ?, ?)", beats)
            tx.executemany("INSERT INTO agents(id, name, skills, heartbeat_at) VALUES (?, ?, ?, ?)",
                           [(a, a, json.dumps(["python", "sql", "rust", "docs"]), time.time()) for a in AGENTS])
        dl.engine.write(write)
    deps = sum(len(t[4]) for t in tasks)
    return {"tasks": len(tasks), "events": len(events), "edges": deps, "first": events[0][0], "last": events[-1][0],
            "seconds": time.perf_counter() - t0}


# -- the measurements ------------------------------------------------------------------------
def bench_state(path: str, info: dict, samples: int) -> None:
    rng = random.Random(1)
    moments = [rng.uniform(info["first"], info["last"]) for _ in range(samples)]
    with create_local_data_layer(path) as dl:
        insight = Insight(dl)
        build_ms, _ = timed(insight.history.catch_up)
        size = dl.engine.value("SELECT sum(length(state) + length(new_ids)) FROM history_checkpoints")
        count = dl.engine.value("SELECT count(*) FROM history_checkpoints")
        insight.state_at(moments[0])  # tasks without history: looked up once per process
        CPU.clear()
        ours = [timed(lambda m=m: insight.state_at(m))[0] for m in moments]
        cpu = list(CPU)
        light = [timed(lambda m=m: insight.state_at(m, readiness=False, agents=False))[0] for m in moments[:10]]
        base = []
        for moment in moments[:3]:  # a full replay up to the moment, no checkpoints
            naive = HistoryIndex(EngineReader(dl.engine), every=10**12)
            base.append(timed(lambda m=moment, n=naive: state_at(n, EngineReader(dl.engine), m, readiness=False))[0])
        sample = insight.state_at(moments[0])
    print(f"state at a random moment ({info['events']:,} events, {info['tasks']:,} tasks):")
    line("state_at (with ready/blocked, agents)", ours, base,
         f"first catch-up built {count} checkpoints in {build_ms / 1000:.1f} s ({(size or 0) / 1e6:.1f} MB);"
         f" statuses only p50 {statistics.median(light):.1f} ms; e.g. {len(sample):,} tasks then", "(target <= 200)",
         cpu)


def bench_trends(path: str, samples: int) -> None:
    with create_local_data_layer(path) as dl:
        insight = Insight(dl)
        build_ms, _ = timed(lambda: insight.trends("7d"))
        CPU.clear()
        ours = [timed(lambda: insight.trends("7d"))[0] for _ in range(samples)]
        cpu = list(CPU)
        rows = dl.engine.value("SELECT count(*) FROM history_minutes")
    base = []
    with create_local_data_layer(path, read_only=True) as reader:
        dl_rows = reader.engine.rows("SELECT count(*) FROM history_minutes")[0][0]
        for _ in range(2):  # a reader that folds the window itself (no rollups)
            fresh = Insight(reader, persist=False)
            fresh.rollups._reader = _NoRollups(fresh.rollups._reader)
            base.append(timed(lambda f=fresh: f.trends("7d"))[0])
    print("trends over 7 days (84 points of 2 h):")
    line("trends('7d')", ours, base, f"rollups built once in {build_ms / 1000:.1f} s ({rows:,} minute rows;"
         f" {dl_rows:,} read by the baseline: none)", "(target <= 100)", cpu)


class _NoRollups:
    """A reader that sees no stored rollups (the baseline folds the window)."""

    def __init__(self, reader) -> None:
        self._reader = reader

    def rows(self, sql, params=()):
        if "history_minutes" in sql:
            return []
        return self._reader.rows(sql, params)


def naive_descendants(analysis, sample: list[str]) -> None:
    dependents = analysis.dependents()
    for task_id in sample:
        seen, queue = {task_id}, deque([task_id])
        while queue:
            for child in dependents.get(queue.popleft(), ()):
                if child not in seen:
                    seen.add(child)
                    queue.append(child)


def bench_graph(path: str, samples: int) -> None:
    with create_local_data_layer(path) as dl:  # the agents are alive now (else every skilled task is stuck)
        dl.engine.write(lambda tx: tx.execute("UPDATE agents SET heartbeat_at = ?", (time.time(),)))
    with create_local_data_layer(path, read_only=True) as dl:
        CPU.clear()
        runs = [timed(lambda: analyse(dl))[1] for _ in range(max(3, samples // 3))]
        cpu = list(CPU)
        compute = [r.timings["compute_ms"] for r in runs]
        compute_cpu = [r.timings["compute_cpu_ms"] for r in runs]
        total = [r.timings["compute_ms"] + r.timings["read_ms"] for r in runs]
        analysis = runs[-1]
        nodes = list(analysis.snapshot.nodes)
        sample = nodes[:: max(1, len(nodes) // 100)][:100]
        naive_ms, _ = timed(lambda: naive_descendants(analysis, sample))
    edges = sum(len(n.deps) for n in analysis.snapshot.nodes.values())
    print(f"critical path + bottlenecks ({len(nodes):,} unfinished tasks, {edges:,} edges):")
    line("analysis (compute)", compute, [naive_ms * len(nodes) / len(sample)], cpu=compute_cpu,
         note=f"with the read: p50 {statistics.median(total):.1f} ms wall, {statistics.median(cpu):.1f} ms CPU;"
         f" path {len(analysis.critical_path)} tasks, {analysis.critical_seconds / 3600:.1f} h, top bottleneck"
         f" unblocks {analysis.bottlenecks[0].unblocks if analysis.bottlenecks else 0:,}; baseline = a BFS per"
         f" task ({len(sample)} walked, extrapolated)", target="(target <= 200)")


def bench_stuck(folder: str, count: int) -> None:
    import json

    path = os.path.join(folder, "stuck.db")
    rng = random.Random(3)
    with create_local_data_layer(path) as dl:
        dl.engine.write(lambda tx: tx.executemany(
            "INSERT INTO tasks(id, title, status, required_skills, dependencies) VALUES (?, ?, 'pending', ?, ?)",
            [(f"s{n:06d}", f"task {n}", json.dumps(SKILLS[n % len(SKILLS)] + (["cobol"] if n % 997 == 0 else [])),
              json.dumps([f"s{rng.randrange(max(0, n - 300), n):06d}"] if n and rng.random() < 0.3 else []))
             for n in range(count)]))
        dl.agents.register("ada", skills=["python", "sql", "rust", "docs"])
        CPU.clear()
        times = [timed(lambda: find_stuck(dl))[0] for _ in range(3)]
        cpu = list(CPU)
        report = find_stuck(dl)
    print(f"stuck check ({count:,} unfinished tasks, {len(report.reasons):,} stuck):")
    print(f"  find_stuck (doctor, dashboard)  p50 {statistics.median(times):8.1f} ms wall,"
          f" {statistics.median(cpu):.1f} ms CPU")


def bench_claim_cost(folder: str, rounds: int = 4, tasks: int = 3000) -> None:
    """claim + complete per second with and without the task_events(at) index."""
    rates: dict[bool, list[float]] = {True: [], False: []}
    for n in range(rounds):
        for with_index in ((True, False) if n % 2 else (False, True)):
            path = os.path.join(folder, f"claims-{n}-{with_index}.db")
            with create_local_data_layer(path, single_thread=True) as dl:
                if not with_index:
                    dl.engine.write(lambda tx: tx.execute("DROP INDEX task_events_at"))
                dl.engine.write(lambda tx: tx.executemany(
                    "INSERT INTO tasks(id, title) VALUES (?, ?)", [(f"c{i:05d}", "t") for i in range(tasks)]))
                dl.agents.register("a")
                started = time.perf_counter()
                while (task := dl.tasks.claim("a")) is not None:
                    dl.tasks.complete(task.id, "a", task.claim_token)
                rates[with_index].append(tasks / (time.perf_counter() - started))
            os.remove(path)
    with_, without = statistics.median(rates[True]), statistics.median(rates[False])
    print("the claim's cost of the task_events(at) index (claim + complete, one process):")
    print(f"  without {without:8.0f}/s   with {with_:8.0f}/s   ratio {with_ / without:.3f}"
          f"   (rounds: {[round(r) for r in rates[False]]} vs {[round(r) for r in rates[True]]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--unfinished", type=int, default=10_000)
    parser.add_argument("--edges", type=int, default=30_000)
    parser.add_argument("--stuck-tasks", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=25)
    parser.add_argument("--skip-claims", action="store_true", help="skip the index's claim-cost line")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start")
    folder = tempfile.mkdtemp(prefix="jetpack-insight-")
    try:
        path = os.path.join(folder, "history.db")
        info = build(path, args.events, args.unfinished, args.edges)
        print(f"built {info['tasks']:,} tasks, {info['events']:,} audit events, {info['edges']:,} dependency edges"
              f" in {info['seconds']:.0f} s ({os.path.getsize(path) / 1e6:.0f} MB)")
        bench_state(path, info, args.samples)
        bench_trends(path, args.samples)
        bench_graph(path, args.samples)
        bench_stuck(folder, args.stuck_tasks)
        if not args.skip_claims:
            bench_claim_cost(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
