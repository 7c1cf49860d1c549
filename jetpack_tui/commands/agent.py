"""``jetpack-tui agent VERB --agent ID``: the MCP server's operations for shells, hooks and git.

One call, one operation, as one agent (``--agent`` or ``$JETPACK_AGENT``)::

    jetpack-tui agent claim --agent ada --skills python     # best ready task for ada
    jetpack-tui agent start --agent ada                     # the one task ada holds
    jetpack-tui agent complete --agent ada --result '{"files": 3}'
    jetpack-tui agent send bob "done with the parser" --agent ada    # '*' = every agent
    jetpack-tui agent check-files src/app.py --agent ada    # exit 1: someone else reserved it

Output: one line of text per call (one per item for lists: inbox, ack,
reserve, check-files, recall) or, with ``--json``, the operation's JSON
document (the same object the MCP tool returns).  Errors: one line on stderr
(and ``{"error": {"kind", "message"}}`` on stdout with ``--json``).

Exit status: 0 done; 1 refused (a conflict, a task not held, an unknown id,
a reserved file, a busy or unreachable store); 2 usage (bad arguments,
invalid input, a store that cannot be opened); 3 nothing to do (no task to
claim, no messages, no memories found).  ``check-files --hook claude``
exits 2 on a conflict instead, the only status Claude Code blocks on.

Claim tokens: a shell agent has no process between two calls, so ``start``,
``complete`` and ``fail`` read the task's current token, only if the task is
owned by this agent, and present it as a compare-and-swap (see
:class:`jetpack_tui.agentkit.StoredTokens`).  Without a task id they act on
the one task the agent holds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ._agent_verbs import add_identity_options
from ._cli_support import CommandError, fail, printable

VERB_HELP = {
    "claim": "claim the best ready task (or TASK)", "start": "mark a held task in progress",
    "complete": "complete a held task", "fail": "give a held task up", "heartbeat": "say alive, renew held leases",
    "send": "send a message (TO '*' = every agent)", "inbox": "list messages (unread by default)",
    "ack": "acknowledge messages", "reserve": "reserve files or globs", "check-files":
    "exit 1 if another agent reserved any of these paths", "release": "release your reservations",
    "remember": "store a memory", "recall": "search memories",
    "install-guard": "write a git pre-commit hook running check-files --staged",
}


def _verb(sub: Any, name: str, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=VERB_HELP[name], description=VERB_HELP[name], parents=[common])


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("agent", help="act as an agent from a shell, a hook or git (claim, send, …)",
                                   description="One agent operation per call, for shell agents, hooks and git. "
                                               "Exit: 0 done, 1 refused/conflict, 2 usage, 3 nothing to do.")
    common = argparse.ArgumentParser(add_help=False)
    add_identity_options(common, "who you are")
    common.add_argument("--json", action="store_true", help="print the result as one JSON document")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for name in ("claim", "heartbeat"):
        verb = _verb(sub, name, common)
        verb.add_argument("--skills", metavar="A,B", help="(re)register with these skills")
    sub.choices["claim"].add_argument("task", nargs="?", help="a task id (default: the best ready one)")
    sub.choices["heartbeat"].add_argument("--status", help="free-text status for the dashboard")
    for name in ("start", "complete", "fail"):
        _verb(sub, name, common).add_argument("task", nargs="?", help="task id (default: the one you hold)")
    sub.choices["complete"].add_argument("--result", metavar="JSON|TEXT", help="what you produced")
    sub.choices["fail"].add_argument("--error", required=True, help="what went wrong")
    sub.choices["fail"].add_argument("--no-retry", action="store_true", help="fail it for good")
    send = _verb(sub, "send", common)
    send.add_argument("to", help="agent id, or '*' for every agent")
    send.add_argument("text")
    send.add_argument("--type", default="agent.message")
    send.add_argument("--data", metavar="JSON", help="extra JSON object fields")
    send.add_argument("--task")
    send.add_argument("--thread", help="post in this thread")
    inbox = _verb(sub, "inbox", common)
    inbox.add_argument("--all", action="store_true", help="read ones too")
    inbox.add_argument("--since", help="epoch seconds or ISO time")
    inbox.add_argument("--limit", type=int, default=20)
    inbox.add_argument("--peek", action="store_true", help="do not mark them read")
    _verb(sub, "ack", common).add_argument("message_ids", nargs="+", metavar="MESSAGE")
    for name in ("reserve", "check-files"):
        verb = _verb(sub, name, common)
        verb.add_argument("paths", nargs="*" if name == "check-files" else "+", metavar="PATH")
        verb.add_argument("--type", default="edit", choices=("edit", "read", "create", "delete"))
    reserve = sub.choices["reserve"]
    reserve.add_argument("--task")
    reserve.add_argument("--ttl", type=float, default=3600.0, metavar="SECONDS")
    reserve.add_argument("--strict", action="store_true", help="all or nothing: refuse on any conflict")
    check = sub.choices["check-files"]
    check.add_argument("--staged", action="store_true", help="check the files staged for commit")
    check.add_argument("--hook", choices=("claude",), help="read a Claude Code PreToolUse payload on stdin")
    release = _verb(sub, "release", common)
    release.add_argument("reservation_ids", nargs="*", metavar="RESERVATION")
    release.add_argument("--task", help="your reservations for this task")
    release.add_argument("--all", action="store_true", help="every reservation you hold")
    remember = _verb(sub, "remember", common)
    remember.add_argument("text")
    remember.add_argument("--type", default="general")
    remember.add_argument("--importance", type=float, default=0.5)
    remember.add_argument("--task")
    recall = _verb(sub, "recall", common)
    recall.add_argument("query")
    recall.add_argument("--k", type=int, default=5)
    recall.add_argument("--type", dest="types", action="append", metavar="TYPE")
    guard = _verb(sub, "install-guard", common)
    guard.add_argument("--repo", default=".", help="the git repository (default: here)")
    guard.add_argument("--force", action="store_true", help="replace an existing pre-commit hook")


def _report_error(args: argparse.Namespace, kind: str, message: str, code: int) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": {"kind": kind, "message": message}}))
    return fail(message, code)


def _store_missing(args: argparse.Namespace, settings: Any) -> bool:
    """A local store that does not exist yet (check-files must not create one)."""
    from ._cli_support import db_path

    return not (settings.turso_url or os.environ.get("TURSO_DATABASE_URL")) and not os.path.exists(db_path(args))


def _paths_for_check(args: argparse.Namespace) -> list[str]:
    from ._agent_guard import claude_hook_paths, staged_paths

    if args.hook == "claude":
        return claude_hook_paths(sys.stdin)
    if args.staged:
        return staged_paths()
    if not args.paths:
        raise CommandError("check-files needs paths (or --staged, or --hook claude)")
    return list(args.paths)


def run(args: argparse.Namespace) -> int:
    from jetpack_tui.agentkit import AgentOps, StoredTokens, describe, kind_of, split_skills
    from jetpack_tui.cli import LaunchError, open_data_layer
    from jetpack_tui.config import Settings
    from jetpack_tui.data import JetpackError

    from ._agent_guard import CLAUDE_BLOCK, CLAUDE_HINT, install_guard
    from ._agent_verbs import EXIT_REFUSED, EXIT_USAGE, VERBS

    settings = getattr(args, "settings", None) or Settings()
    if not args.agent or not args.agent.strip():
        return _report_error(args, "usage", "agent commands need --agent ID (or JETPACK_AGENT)", EXIT_USAGE)
    try:
        if args.verb == "install-guard":
            path = install_guard(args.agent, settings, args.repo, force=args.force)
            print(json.dumps({"hook": path}) if args.json else f"wrote {printable(path)}")
            return 0
        if args.verb == "check-files":
            args.paths = _paths_for_check(args)
            if not args.paths or _store_missing(args, settings):
                print(json.dumps({"clear": True, "conflicts": []}) if args.json else "clear: nothing to check")
                return 0
    except CommandError as error:
        return _report_error(args, "usage", str(error), EXIT_USAGE if args.verb != "install-guard" else EXIT_REFUSED)
    try:
        dl = open_data_layer(args, settings)
    except LaunchError as error:
        return _report_error(args, "usage", str(error), EXIT_USAGE)
    try:
        ops = AgentOps(dl, args.agent, tokens=StoredTokens(),
                       skills=split_skills(getattr(args, "skills", None)), session_id="shell")
        outcome = VERBS[args.verb](ops, args)
    except JetpackError as error:
        kind = kind_of(error)
        return _report_error(args, kind, describe(error), EXIT_USAGE if kind == "invalid" else EXIT_REFUSED)
    finally:
        dl.close()
    if args.json:
        print(json.dumps(outcome.result, ensure_ascii=False, default=str))
    else:
        stream = sys.stderr if outcome.code == EXIT_REFUSED else sys.stdout
        print("\n".join(outcome.lines), file=stream)
    if args.verb == "check-files" and args.hook == "claude" and outcome.code == EXIT_REFUSED:
        print(CLAUDE_HINT, file=sys.stderr)
        return CLAUDE_BLOCK
    return outcome.code
