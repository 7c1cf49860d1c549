"""What the script-facing subcommands (seed, status, doctor, demo) share.

They find and open the store through :mod:`jetpack_tui.store_open`, like the
dashboard, so ``--turso-url`` / ``$TURSO_DATABASE_URL`` mean the same to all.

Scripts and CI read exit codes and stderr, so every command reports a
problem the user can fix as ONE line ``jetpack-tui: <path>: <reason>`` with
exit status 2, never a traceback.  The leading underscore keeps this module
out of the CLI's subcommand discovery.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from jetpack_tui.data import DEFAULT_PATH
from jetpack_tui.store_open import StoreOpenError, Target, locate, open_store

PROG = "jetpack-tui"
EXIT_USAGE = 2


class CommandError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def add_db_option(parser: argparse.ArgumentParser, help: str = "database file") -> None:
    """``--db`` after the subcommand too.  ``SUPPRESS`` keeps a ``--db`` given
    before the subcommand (the shared option) from being reset to ``None``."""
    parser.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=help)


def db_path(args: argparse.Namespace, *, use_settings: bool = True) -> str:
    """The database the command line (then the config files) names."""
    given = getattr(args, "db", None)
    if given:
        return os.fspath(given)
    settings = getattr(args, "settings", None) if use_settings else None
    return getattr(settings, "db", None) or DEFAULT_PATH


def liveness(args: argparse.Namespace) -> Any:
    """The liveness rule the config or command line names explicitly, else
    ``None``: the database's stored rule applies (see ``data/settings.py``)."""
    settings = getattr(args, "settings", None)
    return getattr(settings, "liveness_override", None)


def store_target(args: argparse.Namespace) -> Target:
    """Where the options point (:func:`jetpack_tui.store_open.locate`): the
    Turso primary when ``--turso-url`` or ``$TURSO_DATABASE_URL`` says so
    (with a throw-away replica unless ``--db`` names one), else the file."""
    settings = getattr(args, "settings", None)
    db = getattr(args, "db", None) or getattr(settings, "db", None)
    try:
        return locate(db, getattr(settings, "turso_url", None) or getattr(args, "turso_url", None),
                      throwaway_replica=True)
    except StoreOpenError as error:
        raise CommandError(str(error)) from None


def open_for_reading(args: argparse.Namespace, target: Target | None = None) -> Any:
    """Open the store read-only; :class:`CommandError` otherwise.  Never
    creates or upgrades a database: a status or doctor run must not write."""
    target = target or store_target(args)
    try:
        return open_store(target, read_only=True, liveness=liveness(args), sync_interval=None)
    except StoreOpenError as error:
        raise CommandError(one_line(str(error), None if target.turso else target.path)) from None


def one_line(message: str, path: str | None = None) -> str:
    """The message on one line, starting with the path once."""
    text = " ".join(str(message).split())
    if path and not text.startswith(path):
        text = f"{path}: {text}"
    return text


#: The DataLayer speaks to library users (``read_only=True``); a CLI user
#: needs the option that does the same.
LIBRARY_TO_CLI = (("read_only=True", "--read-only"),)


def for_the_command_line(message: str) -> str:
    """A library message in the command line's words."""
    for library, option in LIBRARY_TO_CLI:
        message = message.replace(library, option)
    return message


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"{PROG}: {one_line(for_the_command_line(message))}", file=sys.stderr)
    return code


def printable(value: Any, limit: int = 200) -> str:
    """Text from the database made safe for a terminal: control characters
    escaped, long values cut (the value is shown literally, never styled)."""
    text = "" if value is None else str(value)
    out = []
    for ch in text[:limit]:
        out.append(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii"))
    return "".join(out) + ("…" if len(text) > limit else "")
