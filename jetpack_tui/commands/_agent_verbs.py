"""The verbs of ``jetpack-tui agent``: each one :class:`~jetpack_tui.agentkit.AgentOps`
call and how its result reads on a terminal.

A verb returns an :class:`Outcome`: the operation's JSON object (printed
as is with ``--json``), the text lines (one for a single thing, one per item
for lists) and the exit status.  Text from the database is printed
literally with control characters escaped (:func:`printable`).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable

from ._cli_support import add_db_option, printable

EXIT_DONE, EXIT_REFUSED, EXIT_USAGE, EXIT_NOTHING = 0, 1, 2, 3


@dataclass
class Outcome:
    result: dict[str, Any]
    lines: list[str] = field(default_factory=list)
    code: int = EXIT_DONE


def add_identity_options(parser: argparse.ArgumentParser, who: str) -> None:
    """``--agent`` (default ``$JETPACK_AGENT``) and the store (``--db`` / ``--turso-url``, token from
    the environment only): what every agent-facing command (``mcp``, ``agent``) takes."""
    parser.add_argument("--agent", default=os.environ.get("JETPACK_AGENT"), metavar="ID",
                        help=f"{who} (default $JETPACK_AGENT)")
    add_db_option(parser)
    parser.add_argument("--turso-url", metavar="URL", default=argparse.SUPPRESS,
                        help="Turso database URL (the token only from TURSO_AUTH_TOKEN)")


def _json_arg(text: str | None) -> Any:
    """A ``--result``/``--data`` value: JSON when it parses, else the text itself."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _task_line(verb: str, task: dict[str, Any]) -> str:
    return f"{verb} {printable(task['id'])} {json.dumps(printable(task['title'], 80), ensure_ascii=False)}" \
           f" ({task['priority']}, {task['state']})"


def claim(ops: Any, args: argparse.Namespace) -> Outcome:
    ops.ensure_joined()
    result = ops.claim_task(args.task)
    if result["task"] is None:
        return Outcome(result, [f"nothing to claim for {printable(ops.agent_id)}"], EXIT_NOTHING)
    return Outcome(result, [_task_line("claimed", result["task"])])


def start(ops: Any, args: argparse.Namespace) -> Outcome:
    result = ops.start_task(args.task)
    return Outcome(result, [_task_line("started", result["task"])])


def complete(ops: Any, args: argparse.Namespace) -> Outcome:
    result = ops.complete_task(args.task, _json_arg(args.result))
    return Outcome(result, [_task_line("completed", result["task"])])


def fail(ops: Any, args: argparse.Namespace) -> Outcome:
    result = ops.fail_task(args.task, args.error, not args.no_retry)
    then = "will be retried" if result["will_retry"] else "failed for good"
    return Outcome(result, [_task_line("gave up", result["task"]) + f"; {then}"])


def heartbeat(ops: Any, args: argparse.Namespace) -> Outcome:
    ops.ensure_joined()
    result = ops.heartbeat(args.status)
    lost = f", lost {', '.join(map(printable, result['lost']))}" if result["lost"] else ""
    return Outcome(result, [f"{printable(ops.agent_id)} alive; renewed {len(result['renewed'])} lease(s){lost}"])


def send(ops: Any, args: argparse.Namespace) -> Outcome:
    data = _json_arg(args.data)
    if args.to == "*":
        result = ops.broadcast_message(args.text, args.type, data, args.task, args.thread)
        who = f"{result['recipients']} agent(s)"
    else:
        result = ops.send_message(args.to, args.text, args.type, data, args.task, args.thread)
        who = printable(args.to)
    message = result["message"]
    return Outcome(result, [f"sent {printable(message['id'])} to {who} (thread {printable(message['thread_id'])})"])


def _message_line(m: dict[str, Any]) -> str:
    payload = m["payload"]
    text = payload.get("text") if isinstance(payload, dict) else None
    body = text if isinstance(text, str) else json.dumps(payload, ensure_ascii=False, default=str)
    state = "new" if m.get("new") else ("acked" if m.get("acked_at") else "read")
    return (f"{printable(m['id'])} [{state}] {printable(m['from'])} {printable(m['type'])}"
            f"{' task ' + printable(m['task_id']) if m['task_id'] else ''}: {printable(body, 300)}")


def inbox(ops: Any, args: argparse.Namespace) -> Outcome:
    result = ops.fetch_inbox(not args.all, args.since, args.limit, not args.peek)
    if not result["messages"]:
        return Outcome(result, [f"no {'' if args.all else 'unread '}messages for {printable(ops.agent_id)}"],
                       EXIT_NOTHING)
    return Outcome(result, [_message_line(m) for m in result["messages"]])


def ack(ops: Any, args: argparse.Namespace) -> Outcome:
    acked = [ops.acknowledge_message(m)["message"] for m in args.message_ids]
    return Outcome({"messages": acked}, [f"acked {printable(m['id'])}" for m in acked])


def _conflict_lines(conflicts: list[dict[str, Any]]) -> list[str]:
    return [f"{printable(c['path'])}: reserved by {printable(h['agent_id'])} ({h['type']} {printable(h['path'])}"
            f"{', task ' + printable(h['task_id']) if h['task_id'] else ''})"
            for c in conflicts for h in c["held"]]


def reserve(ops: Any, args: argparse.Namespace) -> Outcome:
    result = ops.reserve_files(args.paths, args.type, args.task, args.ttl, args.strict)
    lines = [f"reserved {printable(r['path'])} ({r['type']}, {printable(r['id'])})" for r in result["reserved"]]
    return Outcome(result, lines + ["warning " + line for line in _conflict_lines(result["conflicts"])])


def check_files(ops: Any, args: argparse.Namespace) -> Outcome:
    result = ops.check_files(args.paths, args.type)
    if result["clear"]:
        return Outcome(result, [f"clear: no other agent holds {len(args.paths)} path(s)"])
    return Outcome(result, _conflict_lines(result["conflicts"]), EXIT_REFUSED)


def release(ops: Any, args: argparse.Namespace) -> Outcome:
    result = ops.release_file_reservations(args.reservation_ids or None, args.task, args.all)
    return Outcome(result, [f"released {result['count']} reservation(s)"])


def remember(ops: Any, args: argparse.Namespace) -> Outcome:
    result = ops.store_memory(args.text, args.type, args.importance, args.task)
    return Outcome(result, [f"stored {printable(result['memory']['id'])} ({args.type})"])


def recall(ops: Any, args: argparse.Namespace) -> Outcome:
    result = ops.search_memory(args.query, args.k, args.types)
    lines = [f"{printable(m['id'])} [{m['type']} {m['importance']:.2g}] {printable(m['content'], 300)}"
             for m in result["memories"]]
    return Outcome(result, lines or ["no memories found"], EXIT_DONE if lines else EXIT_NOTHING)


VERBS: dict[str, Callable[[Any, argparse.Namespace], Outcome]] = {
    "claim": claim, "start": start, "complete": complete, "fail": fail, "heartbeat": heartbeat,
    "send": send, "inbox": inbox, "ack": ack, "reserve": reserve, "check-files": check_files,
    "release": release, "remember": remember, "recall": recall,
}
