"""``jetpack-tui mcp --agent ID``: one agent's MCP server on stdin/stdout.

An MCP client (Claude Code, Codex, Gemini CLI, Cursor, the demo) starts one
per agent::

    jetpack-tui mcp --agent ada --skills python,sql --db /abs/path/.jetpack/jetpack.db
    jetpack-tui mcp --agent ada --turso-url libsql://db.turso.io   # token from TURSO_AUTH_TOKEN only

stdout carries the protocol and nothing else; problems go to stderr.  Exit
status: 0 when the client closed the session (or SIGTERM/SIGINT), 2 for bad
options or a database that cannot be opened (one line on stderr).
"""

from __future__ import annotations

import argparse
from typing import Any

from ._agent_verbs import add_identity_options
from ._cli_support import fail

DEFAULT_LEASE_TTL = 120.0
DEFAULT_HEARTBEAT = 5.0


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "mcp", help="serve one agent over MCP (stdio) for Claude Code, Codex, Gemini CLI…",
        description="One agent's Model Context Protocol server on stdin/stdout: task queue, mail, file "
                    "reservations, leases and memories of the swarm, as that agent.")
    add_identity_options(parser, "the agent this server is")
    parser.add_argument("--skills", metavar="A,B", help="the agent's skills, comma-separated (default: as registered)")
    parser.add_argument("--lease-ttl", type=float, default=DEFAULT_LEASE_TTL, metavar="SECONDS",
                        help=f"lease of a claimed task, renewed while the session lives (default {DEFAULT_LEASE_TTL:g})")
    parser.add_argument("--heartbeat", type=float, default=None, metavar="SECONDS",
                        help=f"heartbeat interval (default {DEFAULT_HEARTBEAT:g}, at most a quarter of the lease)")


def run(args: argparse.Namespace) -> int:
    from jetpack_tui.agentkit import split_skills
    from jetpack_tui.cli import LaunchError, open_data_layer
    from jetpack_tui.config import Settings
    from jetpack_tui.data import InvalidInputError

    if not args.agent or not args.agent.strip():
        return fail("mcp needs --agent ID (or JETPACK_AGENT)")
    if not 0 < args.lease_ttl <= 7 * 24 * 3600:
        return fail(f"--lease-ttl must be a positive number of seconds, not {args.lease_ttl:g}")
    beat = args.heartbeat if args.heartbeat is not None else min(DEFAULT_HEARTBEAT, args.lease_ttl / 4)
    if not 0 < beat <= args.lease_ttl / 2:
        return fail(f"--heartbeat must be positive and at most half of --lease-ttl, not {beat:g}")
    try:
        skills = split_skills(args.skills)
    except InvalidInputError as error:
        return fail(str(error))
    settings = getattr(args, "settings", None) or Settings()
    try:
        dl = open_data_layer(args, settings)
    except LaunchError as error:
        return fail(str(error))
    try:
        from jetpack_tui.mcp.server import serve

        serve(dl, args.agent, skills=skills, lease_ttl=args.lease_ttl, heartbeat_every=beat)
    except InvalidInputError as error:
        return fail(str(error))
    finally:
        dl.close()
    return 0
