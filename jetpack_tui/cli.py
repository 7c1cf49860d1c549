"""``jetpack-tui``: a small dispatcher.

With no subcommand it opens the dashboard.  Subcommands live in their own
modules, ``jetpack_tui/commands/<name>.py``, each with two functions::

    def add_parser(subparsers) -> None:   # subparsers.add_parser("status", help=...)
    def run(args) -> int:                 # exit code; args.settings holds the Settings

They are discovered at start-up (``jetpack_tui.commands`` may be a plain
folder: a namespace package), so adding one never edits this file.  Options
before the subcommand (``--db``, ``--turso-url``, ``--read-only``…) are shared;
:mod:`jetpack_tui.store_open` turns them into a DataLayer for every
subcommand.  A command that writes a database says so with
``writes_database(args) -> bool`` and is then refused under ``--read-only``.

What :func:`main` guarantees for every subcommand, so no command repeats it:

* problems of the user's environment (bad config, a database we refuse to
  open, unreadable or unwritable files, a full disk) print ONE line on
  stderr and exit with status 2, never a traceback;
* when the reader of stdout goes away (``| head -1``) the command stops
  quietly with status 141 (128 + SIGPIPE), as ``cat`` or ``grep`` would;
* help texts are plain text: the reST of docstrings is stripped.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import select
import sys
from types import ModuleType
from typing import Any, Sequence
from urllib.parse import urlsplit

from jetpack_tui import __version__
from jetpack_tui.commands._cli_support import CommandError, for_the_command_line
from jetpack_tui.config import ConfigError, Settings, load_settings
from jetpack_tui.data import DEFAULT_PATH, JetpackError
from jetpack_tui.data.embedders import embedder_from_env
from jetpack_tui.store_open import StoreOpenError, locate, open_store

PROG = "jetpack-tui"
EXIT_USAGE = 2
#: A process stopped by SIGPIPE reports 128 + 13 to the shell; so do we.
EXIT_BROKEN_PIPE = 141


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
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--db", metavar="PATH",
                        help=f"database file (default {DEFAULT_PATH}); in Turso mode the replica file")
    parser.add_argument("--create", action="store_true", help="create the database file if it does not exist")
    parser.add_argument("--turso-url", metavar="URL",
                        help="Turso database URL (or TURSO_DATABASE_URL; token from TURSO_AUTH_TOKEN)")
    parser.add_argument("--read-only", action="store_true",
                        help="look, don't touch: operator actions and commands that write a database are refused")
    parser.add_argument("--theme", help="Textual theme name (e.g. textual-dark, nord, gruvbox)")
    parser.add_argument("--operator", help="your name, recorded on every operator action (default $USER)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in commands:
        before = set(sub.choices)
        module.add_parser(sub)
        for name in set(sub.choices) - before:
            sub.choices[name].set_defaults(_run=module.run, _writes=getattr(module, "writes_database", None))
    plain_help(parser)
    return parser


_ROLE = re.compile(r":[\w.-]+:`(~?)([^`]*)`")


def plain(text: str | None) -> str | None:
    """reST made plain for a terminal: ``:mod:`~a.b``` -> ``b``, ````x```` -> ``x``."""
    if not text:
        return text

    def role(match: re.Match) -> str:
        target = re.sub(r"\s*<[^>]*>$", "", match.group(2))
        return target.rsplit(".", 1)[-1] if match.group(1) else target

    return _ROLE.sub(role, text).replace("``", "")


def plain_help(parser: argparse.ArgumentParser) -> None:
    """Strip reST from every description and help text, subcommands included
    (their descriptions often come from module docstrings)."""
    parser.description = plain(parser.description)
    for action in parser._actions:
        if isinstance(action.help, str):
            action.help = plain(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = plain(choice.help)
            for sub in action.choices.values():
                plain_help(sub)


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
                          create=bool(getattr(args, "create", False)), liveness=settings.liveness_override,
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


def refuse_under_read_only(args: argparse.Namespace) -> None:
    """``--read-only`` means look, don't touch: a command that writes a
    database (``seed``, ``demo``, ``settings set``…) is refused before it runs."""
    writes = getattr(args, "_writes", None)
    if getattr(args, "read_only", False) and writes is not None and writes(args):
        raise LaunchError(f"{args.command} writes a database; refused under --read-only")


def dispatch(argv: Sequence[str] | None) -> int:
    parser = build_parser(discover_commands())
    args = parser.parse_args(argv)
    settings = settings_from(args, load_settings())
    args.settings = settings
    refuse_under_read_only(args)
    runner = getattr(args, "_run", None)
    if runner is not None:
        return int(runner(args) or 0)
    return run_dashboard(args, settings)


def _say(message: str) -> int:
    """One line on stderr, in the command line's words; exit status 2."""
    text = " ".join(for_the_command_line(message).split())
    try:
        print(f"{PROG}: {text}", file=sys.stderr)
    except OSError:
        pass  # no stderr to tell (closed): the exit status still says it
    return EXIT_USAGE


def _reader_gone() -> bool:
    """Whether stdout is a pipe or socket whose reader has gone away."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _fd, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return False


def _quiet_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's last flush of what is
    still buffered does not complain about the reader that went away."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            code = dispatch(argv)
        except SystemExit as stop:  # argparse: --help, --version, a usage error
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else EXIT_USAGE)
        except (LaunchError, ConfigError, CommandError) as error:
            return _say(f"error: {error}" if not isinstance(error, CommandError) else str(error))
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            raise
        except JetpackError as error:  # from a command that did not expect it: still one line
            return _say(str(error))
        except OSError as error:  # the user's files, folders and disk
            where = error.filename if error.filename is not None else "jetpack-tui"
            return _say(f"{where}: {error.strerror or error}")
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        if not _reader_gone():
            return _say("broken pipe")
        _quiet_stdout()
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
