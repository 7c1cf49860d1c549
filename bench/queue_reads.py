"""Queue reads that must not grow with the backlog (issue 12, claim path v2).

    python bench/queue_reads.py [--sizes 100000,1000000] [--repeat 200]

For each size it builds a file of N tasks (a quarter ready, a quarter
blocked, half completed), then prints p50/p99 of:

* ``counts_by_status`` (from the trigger-kept counters) against the plain
  ``GROUP BY status`` count it replaced, same file, same run;
* ``blockers`` of a task listing 1,000 dependencies (one query);
* one claim with N/4 blocked critical tasks ahead of the ready ones in queue
  order, against one claim on a file of the same size with none blocked.

The target is flat: the ratios of the last line stay near 1 whatever N.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from jetpack_tui.data import create_local_data_layer  # noqa: E402

ROWS = ("INSERT INTO tasks(id, title, status, priority, required_skills, dependencies, created_at)"
        " VALUES (?, ?, ?, ?, '[\"python\"]', ?, '2026-01-01 00:00:00')")


def build(path: str, size: int, blocked_ahead: bool) -> None:
    """size/2 completed, size/4 blocked, size/4 ready (blocked ones critical
    and first in queue order when ``blocked_ahead``), one task with 1,000 deps."""
    quarter = size // 4
    with create_local_data_layer(path) as dl:
        def write(tx):
            done = [(f"c{i:07d}", "done", "completed", "low", "[]") for i in range(size // 2)]
            tx.executemany(ROWS, done)
            blocked_priority = "critical" if blocked_ahead else "low"
            tx.executemany(ROWS, [(f"b{i:07d}", "waits", "pending", blocked_priority, '["never"]')
                                  for i in range(quarter)])
            tx.executemany(ROWS, [(f"r{i:07d}", "ready", "pending", "medium", "[]") for i in range(quarter)])
            deps = "[" + ",".join(f'"c{i:07d}"' if i % 2 else f'"b{i:07d}"' for i in range(1000)) + "]"
            tx.execute(ROWS, ("wide", "waits on 1000", "pending", "low", deps))
        dl.engine.write(write)
        dl.agents.register("ag", skills=["python"])


def timed(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="jetpack-queue-")
    for size in (int(s) for s in args.sizes.split(",")):
        ahead, clear = os.path.join(folder, f"ahead-{size}.db"), os.path.join(folder, f"clear-{size}.db")
        started = time.perf_counter()
        build(ahead, size, True)
        build(clear, size, False)
        print(f"{size:,} tasks (built in {time.perf_counter() - started:.0f} s)")
        with create_local_data_layer(ahead) as dl, create_local_data_layer(clear) as base:
            counters = timed(dl.tasks.counts_by_status, args.repeat)
            scan = timed(lambda: dl.engine.rows("SELECT status, count(*) FROM tasks GROUP BY status"),
                         max(5, args.repeat // 20))
            print(f"  counts_by_status     p50 {counters[0]:8.3f} ms  p99 {counters[1]:8.3f} ms"
                  f"   GROUP BY baseline p50 {scan[0]:8.1f} ms  ratio {scan[0] / counters[0]:,.0f}x faster")
            blockers = timed(lambda: dl.tasks.blockers("wide"), args.repeat)
            print(f"  blockers(1000 deps)  p50 {blockers[0]:8.3f} ms  p99 {blockers[1]:8.3f} ms")
            behind = timed(lambda: dl.tasks.claim("ag"), args.repeat)
            free = timed(lambda: base.tasks.claim("ag"), args.repeat)
            print(f"  claim, {size // 4:,} blocked ahead p50 {behind[0]:6.3f} ms  p99 {behind[1]:6.3f} ms"
                  f"   none ahead p50 {free[0]:6.3f} ms  ratio {behind[0] / free[0]:.2f}")
        for path in (ahead, clear):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)


if __name__ == "__main__":
    main()
