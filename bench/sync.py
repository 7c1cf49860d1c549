"""Turso mode figures against a real ``tursodb --sync-server`` on loopback.

    python bench/sync.py [--procs 4] [--tasks 400] [--interval 0.2] [--rounds 20] [--write-rounds 10]

Prints, each with a baseline measured in the same run:

* change-to-visible latency across replicas: from the moment a task created
  through one replica is committed on the primary until another replica's
  background sync (every ``--interval`` s) shows it; and with the reader pulling back-to-back (pure propagation).
  Baseline: one bare Hrana round trip (the server's floor per request).
* claims/s through the primary: ``--procs`` OS processes, each with its own
  replica, ``dl.tasks.claim`` until ``--tasks`` are gone; double claims
  counted from the primary's audit table.  Baseline: the same processes
  sending a bare one-statement ``UPDATE … RETURNING`` batch per task.
* other writes per second through the primary: ``--procs`` processes, each
  with its own replica, each round a heartbeat, a message, a strict
  reservation and its release, and a task created, claimed by id, started,
  renewed and completed (9 writes); p50 per verb.  Baseline: the same
  processes sending one bare Hrana ``UPDATE`` batch per write (the floor:
  one request per write).
* pull cost with and without changes (raw pyturso ``pull()``, and
  ``dl.sync()`` which also checks the outbox and reports).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from claims import claim_until_empty, run  # noqa: E402 (bench/ is this script's folder)
from jetpack_tui.data.turso import create_turso_data_layer  # noqa: E402
from jetpack_tui.data.turso.hrana import HranaClient  # noqa: E402
from jetpack_tui.data.turso.server import find_tursodb, not_found_message, run_sync_server  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {ms(statistics.median(ordered))}  p95 {ms(p95)}  max {ms(ordered[-1])}"


def open_layer(url: str, folder: str, name: str, interval: float | None = None):
    return create_turso_data_layer(url, replica_path=os.path.join(folder, name, "local.db"),
                                   sync_interval=interval, busy_deadline=60)


# -- latency ------------------------------------------------------------------------
def latency(url: str, folder: str, interval: float, rounds: int) -> None:
    hrana = HranaClient(url)
    floor = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        hrana.execute("SELECT 1")
        floor.append(time.perf_counter() - t0)

    writer = open_layer(url, folder, "lat-writer")
    looped = open_layer(url, folder, "lat-looped", interval)
    puller = open_layer(url, folder, "lat-puller")
    wanted: dict[str, object] = {"id": None}
    seen = threading.Event()

    def on_sync(report) -> None:
        if report.pulled_changes and wanted["id"] and looped.tasks.find(wanted["id"]) is not None:
            seen.set()

    looped.on_sync(on_sync)
    by_loop, by_pull = [], []
    for n in range(rounds):
        time.sleep(random.uniform(0, interval))  # don't phase-lock the writes to the sync loop
        seen.clear()
        wanted["id"] = f"lat{n}"
        writer.tasks.create("latency probe", id=f"lat{n}")
        committed = time.perf_counter()
        while puller.tasks.find(f"lat{n}") is None:
            puller.sync()
        by_pull.append(time.perf_counter() - committed)
        if not seen.wait(10):
            raise SystemExit("the looped replica never saw the change")
        by_loop.append(time.perf_counter() - committed)
    for layer in (writer, looped, puller):
        layer.close()
    print(f"\nchange-to-visible across replicas ({rounds} changes)")
    print(f"  background sync every {interval * 1000:.0f} ms: {summary(by_loop)}")
    print(f"  reader pulling back-to-back:     {summary(by_pull)}")
    print(f"  baseline Hrana SELECT 1:         {summary(floor)}")
    print(f"  ratio p50 loop / (interval/2 + floor): "
          f"{statistics.median(by_loop) / (interval / 2 + statistics.median(floor)):.2f}")


# -- claims ---------------------------------------------------------------------------
def claim_worker(url: str, folder: str, agent: str, barrier, results) -> None:
    with open_layer(url, folder, agent) as dl:
        dl.agents.register(agent, skills=["python"])
        barrier.wait()
        claimed, errors = claim_until_empty(dl, agent)
    results.put((claimed, errors, time.perf_counter()))


def bare_worker(url: str, ids: list[str], agent: str, barrier, results) -> None:
    hrana = HranaClient(url)
    barrier.wait()
    won = 0
    for task_id in ids:
        rows = hrana.batch([("UPDATE bare SET owner = ? WHERE id = ? AND owner IS NULL RETURNING id",
                             (agent, task_id))])
        won += len(rows[0])
    results.put(([], won, time.perf_counter()))


def claims(url: str, folder: str, procs: int, tasks: int) -> None:
    hrana = HranaClient(url)
    hrana.batch([("INSERT INTO tasks(id, title, required_skills, dependencies, created_at)"
                  " VALUES (?, 'bench', '[\"python\"]', '[]', ?)", (f"c{i:06d}", f"2026-01-01 {i:06d}"))
                 for i in range(tasks)])
    seconds, granted, errors = run(claim_worker, procs, [(url, folder, f"agent{n}") for n in range(procs)])
    audit = Counter(t for (t,) in hrana.execute("SELECT task_id FROM task_events WHERE action = 'claim'"))

    hrana.batch(["CREATE TABLE bare(id TEXT PRIMARY KEY, owner TEXT)"])
    hrana.batch([("INSERT INTO bare(id) VALUES (?)", (f"b{i:06d}",)) for i in range(tasks)])
    ids = [f"b{i:06d}" for i in range(tasks)]
    bare_seconds, _, bare_won = run(bare_worker, procs, [(url, ids, f"agent{n}") for n in range(procs)])

    rate, bare_rate = len(granted) / seconds, tasks / bare_seconds
    print(f"\nclaims through the primary ({procs} processes, one replica each, {tasks} tasks)")
    print(f"  dl.tasks.claim:            {rate:7.1f} claims/s  ({len(granted)} granted, {errors} errors, "
          f"{len(granted) - len(set(granted))} double claims, audit max {max(audit.values())} per task)")
    print(f"  bare Hrana UPDATE batches: {bare_rate:7.1f} tasks/s   ({bare_won} won)")
    print(f"  ratio: {rate / bare_rate:.2f}")


# -- other writes ---------------------------------------------------------------------
def writes_worker(url: str, folder: str, agent: str, rounds: int, barrier, results) -> None:
    timings: dict[str, list[float]] = {}

    def timed(name: str, call):
        t0 = time.perf_counter()
        value = call()
        timings.setdefault(name, []).append(time.perf_counter() - t0)
        return value

    with open_layer(url, folder, agent) as dl:
        dl.agents.register(agent, skills=["python"])
        barrier.wait()
        for n in range(rounds):
            timed("heartbeat", lambda: dl.agents.heartbeat(agent, status="working"))
            timed("send", lambda: dl.messages.send(agent, "lead", "note", {"n": n}))
            held = timed("reserve strict", lambda: dl.reservations.reserve(
                agent, f"src/{agent}/{n}/*.py", "edit", strict=True, ttl=60)).reservation
            timed("release", lambda: dl.reservations.release(held.id, agent_id=agent))
            task = timed("create", lambda: dl.tasks.create("w", id=f"{agent}-{n}"))
            claimed = timed("claim by id", lambda: dl.tasks.claim(agent, task.id))
            timed("start", lambda: dl.tasks.start(task.id, agent, claimed.claim_token))
            timed("renew", lambda: dl.tasks.renew(task.id, agent, claimed.claim_token))
            timed("complete", lambda: dl.tasks.complete(task.id, agent, claimed.claim_token, result="ok"))
    results.put((list(timings.items()), sum(len(v) for v in timings.values()), time.perf_counter()))


def writes(url: str, folder: str, procs: int, rounds: int) -> None:
    hrana = HranaClient(url)
    seconds, timings, count = run(writes_worker, procs, [(url, folder, f"w{n}", rounds) for n in range(procs)])
    hrana.batch(["CREATE TABLE bare_w(id TEXT PRIMARY KEY, n INTEGER)"])
    hrana.batch([("INSERT INTO bare_w(id, n) VALUES (?, 0)", (f"w{n}",)) for n in range(procs)])
    bare_seconds, _, bare_count = run(bare_writes_worker, procs, [(url, f"w{n}", count // procs) for n in range(procs)])
    per_verb: dict[str, list[float]] = {}
    for name, samples in timings:
        per_verb.setdefault(name, []).extend(samples)
    rate, bare_rate = count / seconds, bare_count / bare_seconds
    print(f"\nother writes through the primary ({procs} processes, one replica each, {rounds} rounds of 9)")
    print(f"  DataLayer writes:          {rate:7.1f} writes/s  ({count} writes)")
    for name, samples in per_verb.items():
        print(f"    {name:15s} {summary(samples)}")
    print(f"  bare Hrana UPDATE batches: {bare_rate:7.1f} writes/s")
    print(f"  ratio: {rate / bare_rate:.2f}")


def bare_writes_worker(url: str, row: str, count: int, barrier, results) -> None:
    hrana = HranaClient(url)
    barrier.wait()
    for _ in range(count):
        hrana.batch([("UPDATE bare_w SET n = n + 1 WHERE id = ?", (row,))])
    results.put(([], count, time.perf_counter()))


# -- pull cost ------------------------------------------------------------------------
def pulls(url: str, folder: str, rounds: int) -> None:
    hrana = HranaClient(url)
    dl = open_layer(url, folder, "puller-2")
    conn_pull = lambda: dl.engine.run(lambda: dl.engine.replica.conn.pull())  # noqa: E731
    empty, changed, synced_empty, synced_changed, floor = [], [], [], [], []
    for n in range(rounds):
        t0 = time.perf_counter()
        hrana.execute("SELECT 1")
        floor.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        assert not conn_pull()
        empty.append(time.perf_counter() - t0)
        hrana.batch([("INSERT INTO agents(id) VALUES (?)", (f"p{n}",))])
        t0 = time.perf_counter()
        assert conn_pull()
        changed.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        dl.sync()
        synced_empty.append(time.perf_counter() - t0)
        hrana.batch([("UPDATE agents SET status = 'x' WHERE id = ?", (f"p{n}",))])
        t0 = time.perf_counter()
        assert dl.sync().pulled_changes
        synced_changed.append(time.perf_counter() - t0)
    dl.close()
    print(f"\npull cost ({rounds} rounds)")
    print(f"  pyturso pull(), nothing new:  {summary(empty)}")
    print(f"  pyturso pull(), one row new:  {summary(changed)}")
    print(f"  dl.sync(), nothing new:       {summary(synced_empty)}")
    print(f"  dl.sync(), one row new:       {summary(synced_changed)}")
    print(f"  baseline Hrana SELECT 1:      {summary(floor)}")
    print(f"  ratio pull-with-change / pull-nothing: {statistics.median(changed) / statistics.median(empty):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--write-rounds", type=int, default=10, help="rounds of 9 writes per process")
    args = parser.parse_args()
    exe = find_tursodb()
    if exe is None:
        raise SystemExit(not_found_message())
    with tempfile.TemporaryDirectory() as folder:
        with run_sync_server(os.path.join(folder, "primary.db"), binary=exe) as url:
            open_layer(url, folder, "setup").close()  # migrates the primary
            claims(url, folder, args.procs, args.tasks)
            writes(url, folder, args.procs, args.write_rounds)
            latency(url, folder, args.interval, args.rounds)
            pulls(url, folder, args.rounds)


if __name__ == "__main__":
    main()
