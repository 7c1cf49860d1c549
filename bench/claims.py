"""Claim throughput: N processes claiming from one file, against a bare baseline.

    python bench/claims.py [--procs 8] [--tasks 10000] [--rounds 3]

Each round measures, on fresh files of the same shape (10k tasks, the full
schema with its triggers), one after another in a rotating order so that
machine noise hits them alike:

* baseline: a bare single-row ``BEGIN IMMEDIATE; UPDATE; COMMIT`` loop;
* ``dl.tasks.claim`` (skills, dependencies, lease, audit row and change-feed
  row included), default mode and ``single_thread=True``;
* two calibration lines, raw connections with no Python layer: the
  DataLayer's own claim statement (``CLAIM_NEXT_SQL``, what the SQL alone
  costs) and the minimal claim of the shared notes (``UPDATE … WHERE id =
  (SELECT … LIMIT 1) RETURNING id``: no skills, dependencies or lease).

It prints every round, then the median of each line and its ratio to the
baseline's median (target for ``dl.tasks.claim`` >= 0.6, ambition 0.75),
and the number of errors and double claims (target 0).  The ``blocked`` line
claims the same 10k tasks with 50k blocked critical tasks ahead of them in
queue order: a claim's cost must not grow with the backlog.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from jetpack_tui.data import JetpackError, create_local_data_layer  # noqa: E402
from jetpack_tui.data.task_lifecycle import CLAIM_NEXT_SQL, claim_next_params  # noqa: E402

MINIMAL_CLAIM_SQL = (
    "UPDATE tasks SET status = 'claimed', claimed_by = ? WHERE id = (SELECT id FROM tasks"
    " WHERE status = 'pending' ORDER BY priority_rank, created_at LIMIT 1) RETURNING id"
)


def seed(path: str, count: int, blocked: int = 0) -> None:
    """``count`` ready tasks; ``blocked`` critical tasks ahead of them in
    queue order that wait on a dependency that never completes."""
    with create_local_data_layer(path) as dl:
        def write(tx):
            for i in range(blocked):
                tx.execute(
                    "INSERT INTO tasks(id, title, priority, required_skills, dependencies, priority_rank, created_at)"
                    " VALUES (?, ?, 'critical', '[\"python\"]', '[\"never\"]', 0, '2025-01-01 00:00:00')",
                    (f"b{i:06d}", f"blocked {i}"),
                )
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


def raw_connection(path: str):
    import libsql_experimental as libsql

    conn = libsql.connect(path, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 60000")  # the same patience as the DataLayer lines (busy_deadline=60)
    conn.execute("PRAGMA synchronous = NORMAL")  # the DataLayer runs with NORMAL too
    return conn


def claim_worker(path: str, agent: str, single_thread: bool, barrier, results) -> None:
    with create_local_data_layer(path, busy_deadline=60, single_thread=single_thread) as dl:
        dl.agents.register(agent, skills=["Python"])
        barrier.wait()
        claimed, errors = claim_until_empty(dl, agent)
    results.put((claimed, errors, time.perf_counter()))


def raw_claim_worker(path: str, agent: str, minimal: bool, barrier, results) -> None:
    conn = raw_connection(path)
    conn.execute("INSERT INTO agents(id, name, skills) VALUES (?, ?, '[\"Python\"]')", (agent, agent))
    claimed, errors = [], 0
    barrier.wait()
    while True:
        try:
            if minimal:
                rows = conn.execute(MINIMAL_CLAIM_SQL, (agent,)).fetchall()
            else:
                params = claim_next_params(agent, time.time(), 120.0, agent, "claim", None)
                rows = conn.execute(CLAIM_NEXT_SQL, params).fetchall()
        except ValueError:
            errors += 1
            continue
        if not rows:
            break
        claimed.append(rows[0][0])
    results.put((claimed, errors, time.perf_counter()))


def bare_worker(path: str, agent: str, ids: list[str], barrier, results) -> None:
    conn = raw_connection(path)
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
    """Start ``procs`` spawned workers, release them together; (seconds until
    the last finished, every id they report, the sum of their counts).
    Also used by bench/sync.py."""
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


LINES = (
    ("baseline", "bare BEGIN IMMEDIATE; UPDATE; COMMIT"),
    ("default", "dl.tasks.claim, default"),
    ("single", "dl.tasks.claim, single_thread=True"),
    ("blocked", "dl.tasks.claim, 50k blocked tasks ahead"),
    ("raw", "raw CLAIM_NEXT_SQL (no Python layer)"),
    ("minimal", "raw minimal claim (shared notes' form)"),
)


def measure(line: str, folder: str, round_no: int, procs: int, tasks: int) -> tuple[float, int, int, int]:
    """One line of one round: (per second, errors, double claims, granted)."""
    path = os.path.join(folder, f"{line}-{round_no}.db")
    seed(path, tasks, blocked=BLOCKED if line == "blocked" else 0)
    agents = [f"agent-{n}" for n in range(procs)]
    if line == "baseline":
        ids = [f"t{i:06d}" for i in range(tasks)]
        argsets = [(path, agents[n], ids[n::procs]) for n in range(procs)]
        elapsed, done, errors = run(bare_worker, procs, argsets)
    elif line in ("default", "single", "blocked"):
        elapsed, done, errors = run(claim_worker, procs, [(path, a, line == "single") for a in agents])
    else:
        elapsed, done, errors = run(raw_claim_worker, procs, [(path, a, line == "minimal") for a in agents])
    os.remove(path)
    doubles = sum(1 for n in Counter(done).values() if n > 1)
    return len(done) / elapsed, errors, doubles, len(done)


#: Blocked tasks ahead of the ready ones on the "blocked" line.
BLOCKED = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procs", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="jetpack-bench-")
    print(f"processes {args.procs}, tasks {args.tasks}, rounds {args.rounds}")
    rates: dict[str, list[float]] = {line: [] for line, _ in LINES}
    ok = True
    for round_no in range(1, args.rounds + 1):
        cells = []
        # Rotate the order each round: a line run right after another one
        # shares the kernel's write-back of the previous file.
        order = LINES[round_no % len(LINES):] + LINES[:round_no % len(LINES)]
        for line, _label in order:
            rate, errors, doubles, granted = measure(line, folder, round_no, args.procs, args.tasks)
            rates[line].append(rate)
            cells.append(f"{line} {rate:6,.0f}")
            ok = ok and errors == 0 and doubles == 0 and granted == args.tasks
            if errors or doubles or granted != args.tasks:
                print(f"  round {round_no} {line}: errors {errors}, double claims {doubles}, granted {granted}")
        print(f"round {round_no}: " + "  ".join(cells) + "  (per second)")
    base = statistics.median(rates["baseline"])
    print("median over rounds:")
    for line, label in LINES:
        rate = statistics.median(rates[line])
        target = "  (target >= 0.6)" if line in ("default", "single", "blocked") else ""
        print(f"  {label:40s} {rate:7,.0f}/s  ratio {rate / base:.2f}{target}")
    print("errors and double claims: " + ("0" if ok else "SEE ABOVE"))
    print("result " + ("OK" if ok else "PROBLEM"))


if __name__ == "__main__":
    main()
