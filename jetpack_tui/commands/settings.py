"""``jetpack-tui settings [show|set NAME JSON|reset NAME] [--db PATH] [--json]``.

The settings stored in the database itself, which every reader of it applies
(agents, the dashboard, ``status``, ``doctor``), for example the liveness
rule: ``jetpack-tui settings set liveness '{"stale_after": 30, "dead_after":
120}'``.  A config file's ``[liveness]`` still overrides it for whoever has
that file.  ``show`` (the default) opens the database read-only; ``set`` and
``reset`` write it (refused under ``--read-only``).  Exit status: 0 done,
2 a missing or unusable database, an unknown setting or an invalid value.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from jetpack_tui.data import JetpackError
from jetpack_tui.data.settings import SETTINGS, Setting

from ._cli_support import CommandError, add_db_option, db_path, fail, one_line, open_for_reading, printable

EXAMPLE = '{"stale_after": 30, "dead_after": 120}'


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("settings", help="show or change the settings stored in the database (liveness)",
                                   description=__doc__.split("\n\n")[1])
    add_db_option(parser)
    parser.add_argument("action", nargs="?", choices=("show", "set", "reset"), default="show",
                        help="show (default), set NAME VALUE, or reset NAME to its default")
    parser.add_argument("name", nargs="?", help=f"the setting ({', '.join(SETTINGS)})")
    parser.add_argument("value", nargs="?", help=f"the new value as JSON, e.g. '{EXAMPLE}'")
    parser.add_argument("--json", action="store_true", help="show as JSON")


def writes_database(args: argparse.Namespace) -> bool:
    return args.action in ("set", "reset")


def _setting(name: str | None) -> Setting[Any]:
    if not name:
        raise CommandError(f"name a setting ({', '.join(SETTINGS)})")
    if name not in SETTINGS:
        raise CommandError(f"unknown setting {printable(name, 60)!r} (known: {', '.join(SETTINGS)})")
    return SETTINGS[name]


def _value(setting: Setting[Any], text: str | None) -> Any:
    if text is None:
        raise CommandError(f"settings set {setting.name} needs a JSON value")
    try:
        return setting.decode(json.loads(text))
    except (TypeError, ValueError) as error:
        raise CommandError(f"setting {setting.name}: not a valid value ({error})") from None


def _open(args: argparse.Namespace, path: str, *, write: bool) -> Any:
    settings = getattr(args, "settings", None)
    turso = getattr(settings, "turso_url", None) or os.environ.get("TURSO_DATABASE_URL")
    if not write:
        return open_for_reading(args)
    if not turso and not os.path.exists(path):
        raise CommandError(f"{path}: no such database file")
    from jetpack_tui.cli import LaunchError, open_data_layer  # the one store-opening function

    try:
        return open_data_layer(argparse.Namespace(**{**vars(args), "read_only": not write}), settings)
    except LaunchError as error:
        raise CommandError(str(error) if turso else one_line(str(error), path)) from None


def show(dl: Any, as_json: bool) -> str:
    values = dl.settings.all()
    if as_json:
        return json.dumps({v.name: {"value": SETTINGS[v.name].encode(v.value), "source": v.source,
                                    "problem": v.problem} for v in values}, indent=2)
    lines = []
    for v in values:
        shown = json.dumps(SETTINGS[v.name].encode(v.value), sort_keys=True)
        lines.append(f"{v.name:<12} {shown}  ({v.source}) {v.help}")
        if v.problem:
            lines.append(f"{'':<12} warning: {printable(v.problem)}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    path = db_path(args)
    try:
        setting = _setting(args.name) if args.action != "show" else None
        value = _value(setting, args.value) if args.action == "set" else None
        dl = _open(args, path, write=args.action != "show")
    except CommandError as error:
        return fail(str(error))
    try:
        if args.action == "set":
            dl.settings.set(setting, value)
        elif args.action == "reset":
            dl.settings.reset(setting)
        output = show(dl, args.json)
    except JetpackError as error:
        return fail(str(error) if str(error).startswith(path) else f"{path}: {error}")
    finally:
        dl.close()
    print(output)
    return 0
