"""``jetpack-tui``: a small dispatcher.

With no subcommand it opens the dashboard.  Subcommands live in their own
modules, ``jetpack_tui/commands/<name>.py``, each with two functions::

    def add_parser(subparsers) -> None:   # subparsers.add_parser("status", help=...)
    def run(args) -> int:                 # exit code; args.settings holds the Settings

They are discovered at start-up (``jetpack_tui.commands`` may be a plain
folder: a namespace package), so adding one never edits this file.  Options
before the subcommand (``--db``, ``--turso-url``, ``--read-only``…) are shared;
:mod:`jetpack_tui.store_open` turns them into a DataLayer for every subcommand.
Errors a user can fix (bad config, a database we refuse to open) print one
line on stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from types import ModuleType
from typing import Any, Sequence
from urllib.parse import urlsplit

from jetpack_tui.config import ConfigError, Settings, load_settings
from jetpack_tui.data import DEFAULT_PATH
from jetpack_tui.data.embedders import embedder_from_env
from jetpack_tui.store_open import StoreOpenError, locate, open_store

PROG = "jetpack-tui"
EXIT_USAGE = 2


class LaunchError(Exception):
    """A problem the user can fix; printed as one line."""


def discover_commands() -> list[ModuleType]:
    """Every ``jetpack_tui.commands.<name>`` module with add_parser and run."""
    try:
        package = importlib.import_module("jetpack_tui.commands")
    except ModuleNotFoundError:
        return []
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"jetpack_tui.commands.{info.name}")
        if callable(getattr(module, "add_parser", None)) and callable(getattr(module, "run", None)):
            found.append(module)
    return found


def build_parser(commands: Sequence[ModuleType] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="The operator's cockpit for a swarm of coding agents.")
    parser.add_argument("--db", metavar="PATH",
                        help=f"database file (default {DEFAULT_PATH}); in Turso mode the replica file")
    parser.add_argument("--create", action="store_true", help="create the database file if it does not exist")
    parser.add_argument("--turso-url", metavar="URL",
                        help="Turso database URL (or TURSO_DATABASE_URL; token from TURSO_AUTH_TOKEN)")
    parser.add_argument("--read-only", action="store_true", help="open read-only: operator actions are refused")
    parser.add_argument("--theme", help="Textual theme name (e.g. textual-dark, nord, gruvbox)")
    parser.add_argument("--operator", help="your name, recorded on every operator action (default $USER)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in commands:
        before = set(sub.choices)
        module.add_parser(sub)
        for name in set(sub.choices) - before:
            sub.choices[name].set_defaults(_run=module.run)
    return parser


def settings_from(args: argparse.Namespace, base: Settings) -> Settings:
    return base.with_overrides(operator=args.operator, theme=args.theme, db=args.db,
                               turso_url=args.turso_url)


def turso_host(url: str) -> str:
    """What may be shown of a Turso URL: its host (never a token or query)."""
    return urlsplit(url).hostname or "turso"


def open_data_layer(args: argparse.Namespace, settings: Settings, environ: dict[str, str] | None = None) -> Any:
    """The DataLayer the options ask for (see :mod:`jetpack_tui.store_open`);
    :class:`LaunchError` when it cannot open."""
    try:
        target = locate(settings.db, settings.turso_url, environ)
        return open_store(target, read_only=bool(getattr(args, "read_only", False)),
                          create=bool(getattr(args, "create", False)), liveness=settings.liveness,
                          embedder=embedder_from_env(), environ=environ)
    except StoreOpenError as error:
        raise LaunchError(str(error)) from None


def run_dashboard(args: argparse.Namespace, settings: Settings) -> int:
    dl = open_data_layer(args, settings)
    try:
        from jetpack_tui.ui.app import JetpackApp
        from jetpack_tui.ui.native_stderr import log_path_for, run_app

        app = JetpackApp(dl, settings=settings)
        return run_app(app, log_path_for(dl.location if dl.mode == "local" else settings.db or DEFAULT_PATH))
    finally:
        dl.close()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser(discover_commands())
        args = parser.parse_args(argv)
        settings = settings_from(args, load_settings())
        args.settings = settings
        runner = getattr(args, "_run", None)
        if runner is not None:
            return int(runner(args) or 0)
        return run_dashboard(args, settings)
    except (LaunchError, ConfigError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
