"""Claim throughput: N processes claiming from one file, against a bare baseline.

    python bench/claims.py [--procs 8] [--tasks 10000]

Prints claims/s of ``dl.tasks.claim`` (skills, dependencies, lease, audit row
and change-feed row included) and, measured in the same run on a fresh file of
the same shape, a bare single-row ``BEGIN IMMEDIATE; UPDATE; COMMIT`` loop by
the same number of processes, plus the ratio (target >= 0.5) and the number of
errors and double claims (target 0).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from jetpack_tui.data import JetpackError, create_local_data_layer  # noqa: E402


def seed(path: str, count: int) -> None:
    with create_local_data_layer(path) as dl:
        def write(tx):
            for i in range(count):
                tx.execute(
                    "INSERT INTO tasks(id, title, priority, required_skills, dependencies, priority_rank, created_at)"
                    " VALUES (?, ?, ?, '[\"python\"]', '[]', ?, ?)",
                    (f"t{i:06d}", f"task {i}", ("low", "medium", "high")[i % 3], (3, 2, 1)[i % 3],
                     f"2026-01-01 00:00:{i % 60:02d}.{i:06d}"),
                )
        dl.engine.write(write)


def claim_until_empty(dl, agent: str) -> tuple[list[str], int]:
    """Claim until nothing is claimable; the ids granted and the errors seen
    (also used by bench/sync.py, through the primary)."""
    claimed, errors = [], 0
    while True:
        try:
            task = dl.tasks.claim(agent)
        except JetpackError:
            errors += 1
            continue
        if task is None:
            return claimed, errors
        claimed.append(task.id)


def claim_worker(path: str, agent: str, single_thread: bool, barrier, results) -> None:
    with create_local_data_layer(path, busy_deadline=60, single_thread=single_thread) as dl:
        dl.agents.register(agent, skills=["Python"])
        barrier.wait()
        claimed, errors = claim_until_empty(dl, agent)
    results.put((claimed, errors, time.perf_counter()))


def bare_worker(path: str, agent: str, ids: list[str], barrier, results) -> None:
    import libsql_experimental as libsql

    conn = libsql.connect(path, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA synchronous = NORMAL")  # the DataLayer runs with NORMAL too
    errors = 0
    barrier.wait()
    for task_id in ids:
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE tasks SET claimed_by = ?, status = 'claimed' WHERE id = ?", (agent, task_id))
            conn.execute("COMMIT")
        except ValueError:
            errors += 1
    results.put((ids, errors, time.perf_counter()))


def run(target, procs: int, argsets) -> tuple[float, list, int]:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(procs + 1), ctx.Queue()
    workers = [ctx.Process(target=target, args=(*argset, barrier, results)) for argset in argsets]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    outputs = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    finished = max(out[2] for out in outputs)
    claimed = [task for out in outputs for task in out[0]]
    return finished - started, claimed, sum(out[1] for out in outputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procs", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=10_000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="jetpack-bench-")
    bare_db = os.path.join(folder, "bare.db")
    seed(bare_db, args.tasks)
    ids = [f"t{i:06d}" for i in range(args.tasks)]
    shares = [ids[n::args.procs] for n in range(args.procs)]
    bare_elapsed, bare_done, bare_errors = run(bare_worker, args.procs,
                                               [(bare_db, f"agent-{n}", shares[n]) for n in range(args.procs)])
    bare_rate = len(bare_done) / bare_elapsed
    print(f"processes            {args.procs}")
    print(f"tasks                {args.tasks}")
    print(f"baseline (bare BEGIN IMMEDIATE; UPDATE; COMMIT) {bare_rate:,.0f} tx/s ({bare_errors} errors)")

    ok = True
    for label, single_thread in (("any thread (default)", False), ("single_thread=True", True)):
        claims_db = os.path.join(folder, f"claims-{single_thread}.db")
        seed(claims_db, args.tasks)
        elapsed, claimed, errors = run(claim_worker, args.procs,
                                       [(claims_db, f"agent-{n}", single_thread) for n in range(args.procs)])
        doubles = sum(1 for n in Counter(claimed).values() if n > 1)
        rate = len(claimed) / elapsed
        print(f"claims, {label:30s} {rate:7,.0f} claims/s  ratio {rate / bare_rate:.2f} (target >= 0.5)"
              f"  double claims {doubles}  errors {errors}  claimed {len(claimed)}")
        ok = ok and doubles == 0 and errors == 0 and len(claimed) == args.tasks
    print("result               " + ("OK" if ok else "PROBLEM"))


if __name__ == "__main__":
    main()
