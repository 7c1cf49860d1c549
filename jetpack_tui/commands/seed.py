"""``jetpack-tui seed --db PATH [--tasks N] [--seed S]``: write a demo database.

A static, deterministic database (see :mod:`jetpack_tui.demo.seed_data`)
for trying the dashboard, scripts and CI.  ``--epoch`` anchors every
timestamp at a fixed moment (byte-identical files for pictures); without
it they are relative to now, so the agents look alive when you open it.
Large runs (``--tasks 100000``) show a progress bar on stderr when it is a
terminal.  Exit status: 0 written, 2 refused (file exists without
``--force``, bad arguments, unwritable folder).

With ``--turso-url`` (or ``$TURSO_DATABASE_URL``) the demo rows go to that
Turso database instead, which must hold no Jetpack data yet.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from typing import Any, Callable, Iterator
from contextlib import contextmanager

from jetpack_tui.data import JetpackError

from jetpack_tui.store_open import StoreOpenError, Target, open_store

from ._cli_support import CommandError, add_db_option, fail, store_target


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("seed", help="write a deterministic demo database",
                                   description=__doc__.split("\n\n")[1])
    add_db_option(parser, "database file to create (required)")
    parser.add_argument("--tasks", type=int, default=60, metavar="N", help="number of tasks (default 60)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument("--memories", type=int, default=None, metavar="N",
                        help="number of memories (default: tasks/50, between 16 and 400)")
    parser.add_argument("--epoch", action="store_true",
                        help="timestamps relative to a fixed moment (2026-01-15 12:00 UTC), not now")
    parser.add_argument("--now", type=float, default=None, metavar="EPOCH",
                        help="timestamps relative to this epoch second")
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    parser.add_argument("--json", action="store_true", help="print what was written as JSON")


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, or nothing when stderr is not a terminal."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("seeding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("seed", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _remove(path: str) -> None:
    if os.path.exists(path) and not os.path.isfile(path):
        raise CommandError(f"{path}: is not a regular file")
    for name in (path, path + "-wal", path + "-shm"):
        try:
            os.remove(name)
        except FileNotFoundError:
            pass
        except OSError as error:
            raise CommandError(f"{name}: cannot remove: {error.strerror}") from None



def writes_database(args: argparse.Namespace) -> bool:
    """Always: it writes (and with --force replaces) the --db file, so the CLI refuses it under --read-only."""
    return True

def run(args: argparse.Namespace) -> int:
    from jetpack_tui.demo.seed_data import DEMO_EPOCH, build_demo_database

    if args.tasks < 0 or args.tasks > 10_000_000:
        return fail(f"--tasks must be between 0 and 10000000, not {args.tasks}")
    if args.memories is not None and not 0 <= args.memories <= 100_000:
        return fail(f"--memories must be between 0 and 100000, not {args.memories}")
    now = DEMO_EPOCH if args.epoch else args.now
    try:
        target = store_target(args)
    except CommandError as error:
        return fail(str(error))
    if target.turso:
        return _seed_turso(args, target, now)
    path = getattr(args, "db", None)
    if not path:
        return fail("seed needs --db PATH (the file to create)")
    try:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            if not args.force:
                raise CommandError(f"{path}: already exists (pass --force to replace it)")
            _remove(path)
        with progress_bar(sys.stderr.isatty()) as update:
            manifest = build_demo_database(path, seed=args.seed, tasks=args.tasks, now=now,
                                           memories=args.memories, progress=update)
    except CommandError as error:
        return fail(str(error))
    except JetpackError as error:
        return fail(str(error) if str(error).startswith(path) else f"{path}: {error}")
    except OSError as error:
        return fail(f"{path}: {error.strerror or error}")
    return _report(args, manifest)


def _seed_turso(args: argparse.Namespace, target: Target, now: float | None) -> int:
    """Seed a Turso primary: only an empty one (``--force`` would have to
    delete a shared database: refused)."""
    from jetpack_tui.demo.seed_data import build_demo_database

    if args.force:
        return fail(f"{target.shown}: --force is refused for a Turso database (seed writes only to an empty one)")
    try:
        dl = open_store(target, sync_interval=None)
    except StoreOpenError as error:
        return fail(str(error))
    try:
        if dl.tasks.count() or dl.agents.list() or dl.messages.count():
            return fail(f"{target.shown}: already holds Jetpack data (seed writes only to an empty database)")
        with progress_bar(sys.stderr.isatty()) as update:
            manifest = build_demo_database(None, seed=args.seed, tasks=args.tasks, now=now,
                                           memories=args.memories, progress=update, layer=dl)
    except JetpackError as error:
        return fail(f"{target.shown}: {error}")
    finally:
        dl.close()
    return _report(args, manifest)


def _report(args: argparse.Namespace, manifest) -> int:
    if args.json:
        print(json.dumps(asdict(manifest), indent=2, sort_keys=True))
    else:
        print(f"seeded {manifest.path}: {manifest.tasks} tasks, {len(manifest.agents)} agents,"
              f" {manifest.messages} messages, {manifest.reservations} reservations,"
              f" {manifest.memories} memories (seed {manifest.seed})")
    return 0
