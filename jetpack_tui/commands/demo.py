"""``jetpack-tui demo``: a fresh demo database, a live simulated swarm, the dashboard.

The swarm (:mod:`jetpack_tui.demo.swarm`) is a planner and ``--agents``
agent processes that use only the public DataLayer API; the dashboard
watches the same file.  Quitting the dashboard stops the swarm, and so do
SIGINT, SIGTERM and SIGHUP: every child is terminated, then killed, then
reaped.  ``--no-ui`` runs the swarm alone (for scripts and tests), printing
a progress line every few seconds, until ``--duration`` seconds have passed
or a signal arrives.

Without ``--db`` the database lives in a new temporary folder, removed on
exit unless ``--keep``; an explicit ``--db`` must not exist yet (``--force``
replaces it) and is kept.  The last line says which: where the database was
kept, or that it was removed.  The demo stores its fast liveness rule in the
database (``jetpack-tui settings``), so ``status`` on it agrees with the
dashboard.  Exit status: 0 after a clean stop, 2 for bad arguments or an
unusable path.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from typing import Any

from jetpack_tui.data import JetpackError, create_local_data_layer

from ._cli_support import CommandError, add_db_option, fail

MAX_AGENTS = 64
STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s)


class _Stop(Exception):
    """Raised in the main thread by a stop signal when no dashboard runs."""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="run a simulated swarm beside the dashboard",
                                   description="A fresh demo database with a simulated swarm of agent "
                                               "processes, shown in the dashboard.")
    add_db_option(parser, "demo database to create (default: a temporary file)")
    parser.add_argument("--agents", type=int, default=8, metavar="N", help="agent processes (default 8)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument("--speed", type=float, default=1.0, metavar="X",
                        help="multiplier of every delay's pace (default 1; 10 is ten times faster)")
    parser.add_argument("--no-ui", action="store_true", help="run the swarm without the dashboard")
    parser.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                        help="with --no-ui: stop after this long (default: until interrupted)")
    parser.add_argument("--death-rate", type=float, default=0.02, metavar="P",
                        help="chance per task that an agent dies holding it (default 0.02)")
    parser.add_argument("--via", choices=("library", "mcp"), default="library",
                        help="how agents reach the store: library calls (default) or MCP, each agent a client "
                             "of its own `jetpack-tui mcp` server")
    parser.add_argument("--pid-file", metavar="PATH", help="write the children's PIDs here (JSON)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database after exit")
    parser.add_argument("--force", action="store_true", help="replace an existing --db file")


def _prepare_path(args: argparse.Namespace) -> tuple[str, str | None]:
    """``(database path, temporary folder to remove or None)``."""
    path = getattr(args, "db", None)
    if not path:
        folder = tempfile.mkdtemp(prefix="jetpack-demo-")
        return os.path.join(folder, "demo.db"), (None if args.keep else folder)
    if os.path.exists(path):
        if not args.force:
            raise CommandError(f"{path}: already exists (the demo needs a fresh database; pass --force)")
        if not os.path.isfile(path):
            raise CommandError(f"{path}: is not a regular file")
        for name in (path, path + "-wal", path + "-shm"):
            if os.path.exists(name):
                os.remove(name)
    return path, None


def _progress_line(dl: Any, swarm: Any, started: float) -> str:
    counts = dl.tasks.counts_by_status()
    live = dl.agents.liveness_counts()
    return (f"t+{time.monotonic() - started:5.1f}s  completed {counts.get('completed', 0)}"
            f"  failed {counts.get('failed', 0)}  in flight {counts.get('claimed', 0) + counts.get('in_progress', 0)}"
            f"  ready {counts.get('ready', 0)}  agents {live['alive']} alive / {live['stale']} stale /"
            f" {live['dead']} dead  deaths {swarm.stats.deaths}  memories {dl.memories.count()}"
            f"  messages {dl.messages.count()}")


def _run_headless(path: str, swarm: Any, duration: float | None) -> None:
    started = time.monotonic()
    with create_local_data_layer(path, read_only=True) as dl:
        next_line = started
        while duration is None or time.monotonic() - started < duration:
            if time.monotonic() >= next_line:
                print(_progress_line(dl, swarm, started), flush=True)
                next_line += 2.0
            time.sleep(0.1)
        print(_progress_line(dl, swarm, started), flush=True)


def _run_dashboard(path: str, args: argparse.Namespace, handlers: dict) -> int:
    from jetpack_tui.config import Settings
    from jetpack_tui.data.embedders import HashEmbedder
    from jetpack_tui.ui.app import JetpackApp
    from jetpack_tui.ui.native_stderr import log_path_for, run_app

    settings = (getattr(args, "settings", None) or Settings()).with_overrides(db=path)
    with create_local_data_layer(path, liveness=settings.liveness_override, embedder=HashEmbedder()) as dl:
        app = JetpackApp(dl, settings=settings)
        handlers["app"] = app
        return run_app(app, log_path_for(path))



def writes_database(args: argparse.Namespace) -> bool:
    """Always: it creates (with --force replaces) a database its agents write to, so the CLI refuses it under --read-only."""
    return True

def run(args: argparse.Namespace) -> int:
    from jetpack_tui.demo.pace import Pace
    from jetpack_tui.demo.swarm import Swarm, SwarmConfig

    if args.duration is not None and args.duration < 0:
        return fail(f"--duration must not be negative, not {args.duration}")
    try:
        Pace(args.speed)
    except ValueError as error:
        return fail(str(error).replace("speed", "--speed", 1))
    if not 1 <= args.agents <= MAX_AGENTS:
        return fail(f"--agents must be between 1 and {MAX_AGENTS}, not {args.agents}")
    if not 0.0 <= args.death_rate <= 1.0:
        return fail(f"--death-rate must be between 0 and 1, not {args.death_rate}")
    try:
        path, temporary = _prepare_path(args)
    except CommandError as error:
        return fail(str(error))
    except OSError as error:
        return fail(f"{getattr(args, 'db', None) or 'demo'}: {error.strerror or error}")
    handlers: dict[str, Any] = {}

    def on_signal(_signum: int, _frame: object) -> None:
        app = handlers.get("app")
        if app is not None:
            app.exit()
        else:
            raise _Stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    swarm = Swarm(SwarmConfig(db=path, agents=args.agents, seed=args.seed, speed=args.speed,
                              death_rate=args.death_rate, pid_file=args.pid_file, via=args.via))
    code = 0
    try:
        where = f"a temporary database ({path})" if temporary is not None else path
        print(f"jetpack-tui demo: {args.agents} agents on {where} (speed {args.speed:g}, via {args.via})",
              file=sys.stderr)
        swarm.start()
        if args.no_ui:
            _run_headless(path, swarm, args.duration)
        else:
            code = _run_dashboard(path, args, handlers)
    except (_Stop, KeyboardInterrupt):
        code = 0
    except JetpackError as error:
        code = fail(f"{path}: {error}" if not str(error).startswith(path) else str(error))
    except BrokenPipeError:
        raise  # the reader of the progress lines left: the CLI ends quietly (141) once the swarm is stopped
    except OSError as error:  # the database, its log, the --pid-file: name the one that failed
        code = fail(f"{error.filename or path}: {error.strerror or error}")
    finally:
        swarm.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    if temporary is not None:
        print("jetpack-tui demo: stopped; the temporary database was removed (--keep keeps it)", file=sys.stderr)
    elif os.path.exists(path):
        print(f"jetpack-tui demo: stopped; database kept at {path}", file=sys.stderr)
    return code
