"""``jetpack-tui serve [--host H] [--port P] [--db PATH | --demo]``: the dashboard in a browser.

textual-serve (the ``serve`` extra) runs one dashboard process per browser
session, ``python -m jetpack_tui --db PATH`` (or ``python -m jetpack_tui
demo``, a fresh simulated swarm per session, stopped when the tab closes),
and relays its screen to xterm.js in the page.  It listens on 127.0.0.1 by
default: whoever reaches the port can act as the operator, so another host
gets a warning.  The page is made to load its font from the server itself,
not from a font CDN, so a dashboard on an offline machine needs no network.
Exit status: 0 after Ctrl+C, 2 for bad arguments, a missing database, a
busy port or a missing textual-serve.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jetpack_tui.data import DEFAULT_PATH

from ._cli_support import CommandError, add_db_option, fail

#: Seconds a stopping server waits for its dashboards to quit.
SHUTDOWN_GRACE = 10.0
#: The font textual-serve's page fetches from a CDN, and the copy it ships itself.
FONT_LINK = '<link\n      rel="stylesheet"\n      href="https://fonts.googleapis.com/css?family=Roboto%20Mono"\n    />'
LOCAL_FONT = ('<style>@font-face { font-family: "Roboto Mono"; '
              'src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf"); }</style>')


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="serve the dashboard in a web browser (textual-serve)",
                                   description=__doc__.split("\n\n")[1])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    add_db_option(parser, "database to show (default: the configured one); must exist")
    parser.add_argument("--demo", action="store_true",
                        help="each browser session gets its own demo database and simulated swarm")
    parser.add_argument("--public-url", metavar="URL",
                        help="the URL browsers use, when it differs from http://HOST:PORT (e.g. behind a proxy)")


def dashboard_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser session."""
    argv = [sys.executable, "-m", "jetpack_tui"]
    # A Turso URL reaches the sessions through the environment (see run):
    # never on a command line that ps and the server's banner show.
    for option in ("theme", "operator"):
        value = getattr(args, option, None)
        if value:
            argv += [f"--{option.replace('_', '-')}", str(value)]
    if args.demo:
        if getattr(args, "db", None):
            raise CommandError("--db and --demo cannot be used together")
        return shlex.join(argv + ["demo"])
    if getattr(args, "read_only", False):
        argv.append("--read-only")
    settings = getattr(args, "settings", None)
    turso = (getattr(args, "turso_url", None) or getattr(settings, "turso_url", None)
             or os.environ.get("TURSO_DATABASE_URL"))
    if not turso:  # Turso mode: the dashboard reads the same options and environment itself
        path = os.path.abspath(getattr(args, "db", None) or getattr(settings, "db", None) or DEFAULT_PATH)
        if not os.path.isfile(path):
            raise CommandError(f"{path}: no such database file (make one with: jetpack-tui seed --db PATH)")
        argv += ["--db", path]
    return shlex.join(argv)


def offline_templates(folder: Path) -> Path | None:
    """A copy of textual-serve's page template that loads the font it ships
    instead of fetching one from a CDN; ``None`` when the template changed
    shape (then the original is used unchanged)."""
    import textual_serve

    original = Path(textual_serve.__file__).parent / "templates"
    page = original / "app_index.html"
    try:
        html = page.read_text(encoding="utf-8")
    except OSError:
        return None
    if FONT_LINK not in html:
        return None
    shutil.copytree(original, folder, dirs_exist_ok=True)
    (folder / "app_index.html").write_text(html.replace(FONT_LINK, LOCAL_FONT), encoding="utf-8")
    return folder


def server_class() -> type:
    """textual-serve's ``Server``, made to end its sessions when it stops.

    As shipped, a stop (Ctrl+C, SIGTERM) waits up to a minute for every open
    browser tab's websocket.  Here each session's connection is remembered
    and, on shutdown, closed: the session's own cleanup then tells its
    dashboard to quit and waits for it, and the server waits (bounded) for
    every session to end before it exits, so no dashboard outlives it.
    """
    from textual_serve.server import Server

    class JetpackServer(Server):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._sessions: dict[asyncio.Task, Any] = {}

        async def handle_websocket(self, request: Any) -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._sessions[task] = request
            try:
                return await super().handle_websocket(request)
            finally:
                self._sessions.pop(task, None)

        async def on_shutdown(self, app: Any) -> None:
            await super().on_shutdown(app)
            sessions = dict(self._sessions)
            for request in sessions.values():
                if request.transport is not None:
                    request.transport.close()
            if sessions:
                _, late = await asyncio.wait(sessions, timeout=SHUTDOWN_GRACE)
                for task in late:
                    task.cancel()

    return JetpackServer


def wait_for_children(timeout: float = SHUTDOWN_GRACE) -> int:
    """Reap this process's children (the sessions' dashboards, which close
    their output a moment before they exit) for up to ``timeout`` seconds;
    the number still running then."""
    if not hasattr(os, "WNOHANG"):
        return 0
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return 0
        if pid:
            continue
        if time.monotonic() >= deadline:
            return len(_children())
        time.sleep(0.05)


def _children() -> list[int]:
    """Live children of this process, where ``/proc`` tells (else unknown: [1])."""
    try:
        with open(f"/proc/self/task/{os.getpid()}/children", encoding="ascii") as listing:
            return [int(pid) for pid in listing.read().split()]
    except OSError:
        return [1]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        return fail(f"--port must be between 1 and 65535, not {args.port}")
    try:
        command = dashboard_command(args)
    except CommandError as error:
        return fail(str(error))
    try:
        Server = server_class()
    except ImportError:
        return fail("textual-serve is not installed (pip install 'jetpack-tui[serve]')")
    if getattr(args, "turso_url", None):
        os.environ["TURSO_DATABASE_URL"] = args.turso_url  # inherited by every session
    if not _is_loopback(args.host):
        print(f"jetpack-tui serve: warning: listening on {args.host}: anyone who can reach this port "
              "can act as the operator", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="jetpack-serve-") as scratch:
        templates = offline_templates(Path(scratch) / "templates")
        extra = {"templates_path": str(templates)} if templates is not None else {}
        server = Server(command, host=args.host, port=args.port, title="jetpack-tui",
                        public_url=args.public_url, **extra)
        try:
            server.serve()
        except OSError as error:
            return fail(f"{args.host}:{args.port}: {error.strerror or error}")
        except KeyboardInterrupt:
            pass
    left = wait_for_children()
    if left:
        print(f"jetpack-tui serve: warning: {left} dashboard process(es) still running after "
              f"{SHUTDOWN_GRACE:g} s", file=sys.stderr)
    return 0
