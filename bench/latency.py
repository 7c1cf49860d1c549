"""Live-sync latency and refresh cost, each against a baseline from the same run.

    python bench/latency.py [--samples 200] [--big 100000] [--small 1000]

1. Commit-to-callback latency: a writer *process* creates tasks with random
   gaps and records ``time.time()`` right after each COMMIT (printed on its
   stdout at the end); this process's ``ChangeWatcher`` callback records when
   it holds each changed id.  Ours (watchfiles ``step=1``) against two
   baselines, plain loops without ChangeWatcher's tuning: ``watchfiles.watch``
   with its defaults (``step=50``) and a 100 ms polling loop.
   Targets: p50 <= 10 ms, p99 <= 50 ms.
2. Refresh cost for 10 changed rows (``changes_since`` + ``tasks.get_many``)
   at 100k tasks vs 1k tasks (target: within 2x), next to a full reload of
   the big table (what the change feed avoids).
3. CPU an idle ``step=1`` watcher burns (the price of the 1 ms step).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from contextlib import contextmanager

import watchfiles

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from jetpack_tui.data import create_local_data_layer  # noqa: E402
from jetpack_tui.data.watcher import ChangeWatcher  # noqa: E402

WRITER = textwrap.dedent("""
    import random, sys, time
    from jetpack_tui.data import create_local_data_layer
    path, prefix, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    committed = []
    with create_local_data_layer(path) as dl:
        dl.tasks.create("warm-up", id=prefix + "-warm")
        time.sleep(0.3)
        for n in range(count):
            time.sleep(rng.uniform(0.005, 0.03))
            task_id = f"{prefix}-{n}"
            dl.tasks.create("latency probe", id=task_id)   # returns after COMMIT
            committed.append((task_id, time.time()))
    for task_id, at in committed:
        print(task_id, repr(at))
""")


@contextmanager
def naive_watch(dl, callback, *, poll: float | None = None):
    """A baseline: the obvious loop, without ``ChangeWatcher``'s tuning.

    ``poll=None``: ``watchfiles.watch`` with its defaults (``step=50``) on the
    folder; else a plain loop polling ``changes_since`` every ``poll`` s.
    """
    stop = threading.Event()
    cursor = [dl.change_cursor()]

    def check() -> None:
        changes, cursor[0] = dl.changes_since(cursor[0])
        if changes:
            callback(changes, cursor[0])

    def run() -> None:
        if poll is not None:
            while not stop.wait(poll):
                check()
            return
        name = os.path.basename(dl.location)
        for _ in watchfiles.watch(os.path.dirname(dl.location), stop_event=stop, recursive=False,
                                  watch_filter=lambda _c, p: os.path.basename(p).startswith(name)):
            check()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure_latency(path: str, label: str, samples: int, seed: int, watcher) -> dict[str, float]:
    prefix = f"p{seed}"
    received: dict[str, float] = {}
    want = {f"{prefix}-{n}" for n in range(samples)}
    all_in = threading.Event()

    def callback(changes, cursor) -> None:
        now = time.time()
        for task_id in changes.ids("tasks"):
            received.setdefault(task_id, now)
        if want <= received.keys():
            all_in.set()

    with create_local_data_layer(path) as dl, watcher(dl, callback):
        out = subprocess.run([sys.executable, "-c", WRITER, path, prefix, str(samples), str(seed)],
                             check=True, capture_output=True, text=True, timeout=600)
        if not all_in.wait(30):
            print(f"  {label}: only {len(want & received.keys())}/{samples} ids arrived")
    committed = {line.split()[0]: float(line.split()[1]) for line in out.stdout.splitlines()}
    latencies = [(received[k] - committed[k]) * 1000 for k in committed if k in received]
    return {
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
        "n": len(latencies),
    }


def latency_section(samples: int) -> None:
    print(f"1. commit (another process) -> callback holding the id, {samples} samples, gaps 5-30 ms")
    configs = [
        ("ours: ChangeWatcher (step=1)", lambda dl, cb: ChangeWatcher(dl, cb)),
        ("baseline: watchfiles defaults (step=50)", lambda dl, cb: naive_watch(dl, cb)),
        ("baseline: poll every 100 ms", lambda dl, cb: naive_watch(dl, cb, poll=0.1)),
    ]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "latency.db")
        create_local_data_layer(path).close()
        for seed, (label, watcher) in enumerate(configs, start=1):
            results[label] = figures = measure_latency(path, label, samples, seed, watcher)
            print(f"  {label:40s} p50 {figures['p50']:7.2f} ms   p99 {figures['p99']:7.2f} ms"
                  f"   max {figures['max']:7.2f} ms   (n={figures['n']})")
    ours = results[configs[0][0]]
    for label, _ in configs[1:]:
        base = results[label]
        print(f"  ratio {label.split(': ')[1]:>24s} / ours:  p50 {base['p50'] / ours['p50']:6.1f}x"
              f"   p99 {base['p99'] / ours['p99']:6.1f}x")
    print(f"  target p50 <= 10 ms: {'OK' if ours['p50'] <= 10 else 'MISSED'};"
          f"  p99 <= 50 ms: {'OK' if ours['p99'] <= 50 else 'MISSED'}")


def seed_tasks(dl, count: int) -> None:
    """``count`` tasks in one statement of one transaction (triggers and change
    feed included): no Python per row."""
    dl.engine.write(lambda tx: tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)"
        " INSERT INTO tasks(id, title, priority, priority_rank, created_at, required_skills, dependencies)"
        " SELECT printf('t%06d', i), 'task ' || i, CASE i % 3 WHEN 0 THEN 'low' WHEN 1 THEN 'medium'"
        " ELSE 'high' END, 3 - i % 3, printf('2026-01-01 00:00:%02d.%06d', i % 60, i), '[]', '[]' FROM n",
        (count,)))


def refresh_cost(count: int, rounds: int) -> tuple[float, float, float]:
    """(median ms of feed + get_many for 10 changed rows, full reload ms, seed s)."""
    with tempfile.TemporaryDirectory() as folder, \
            create_local_data_layer(os.path.join(folder, "refresh.db")) as dl:
        started = time.perf_counter()
        seed_tasks(dl, count)
        seeded = time.perf_counter() - started
        cursor = dl.change_cursor()
        for task_id in random.Random(count).sample(range(count), 10):
            dl.tasks.update(f"t{task_id:06d}", title=f"changed {task_id}")
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            changes, _ = dl.changes_since(cursor)
            fetched = dl.tasks.get_many(changes.upserted("tasks"))
            timings.append((time.perf_counter() - started) * 1000)
            assert len(fetched) == 10 and not changes.reload
        started = time.perf_counter()
        everything = dl.tasks.list(limit=None)
        full = (time.perf_counter() - started) * 1000
        assert len(everything) == count
        return statistics.median(timings), full, seeded


def refresh_section(small: int, big: int) -> None:
    print("2. refresh after 10 changed rows: changes_since + tasks.get_many (median of 300)")
    small_ms, small_full, _ = refresh_cost(small, 300)
    big_ms, big_full, seeded = refresh_cost(big, 300)
    print(f"  {small:>7d} tasks: {small_ms:6.3f} ms   (full reload {small_full:8.1f} ms)")
    print(f"  {big:>7d} tasks: {big_ms:6.3f} ms   (full reload {big_full:8.1f} ms; seeded in {seeded:.1f} s)")
    ratio = big_ms / small_ms
    print(f"  ratio {big}/{small}: {ratio:.2f}x (target <= 2x: {'OK' if ratio <= 2 else 'MISSED'});"
          f"  full reload / feed at {big}: {big_full / big_ms:.0f}x")


def idle_cpu_section(seconds: float = 3.0) -> None:
    print(f"3. CPU of an idle watcher over {seconds:g} s (process CPU time / wall time)")
    with tempfile.TemporaryDirectory() as folder, \
            create_local_data_layer(os.path.join(folder, "idle.db")) as dl:
        for label, options in (("step=1", dict(step_ms=1)), ("step=50", dict(step_ms=50, debounce_ms=1600)),
                               ("poll only 1 s", dict(use_filesystem_events=False))):
            with ChangeWatcher(dl, lambda c, k: None, **options):
                cpu, wall = time.process_time(), time.perf_counter()
                time.sleep(seconds)
                share = (time.process_time() - cpu) / (time.perf_counter() - wall)
            print(f"  {label:14s} {share * 100:5.1f} % of one core")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    latency_section(args.samples)
    refresh_section(args.small, args.big)
    idle_cpu_section()


if __name__ == "__main__":
    main()
