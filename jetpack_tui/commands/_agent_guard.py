"""``check-files`` as a guard: where its paths come from, and the git hook.

Three sources of paths, one check (``AgentOps.check_files``):

- the command line (``check-files src/a.py 'tests/**'``);
- ``--staged``: the files staged for the next git commit (the pre-commit
  guard that ``install-guard`` writes);
- ``--hook claude``: a Claude Code ``PreToolUse`` hook's JSON on stdin
  (``tool_input.file_path`` of Edit/Write/MultiEdit, ``notebook_path`` of
  NotebookEdit), made relative to the project root.  Claude Code blocks a
  tool call only on exit status **2** (any other failure lets it through),
  so in this mode a conflict exits 2 with the reason on stderr, which
  Claude reads.  A problem with the guard itself (no readable input, a path
  outside the project) lets the edit through: reservations are advisory,
  and a broken guard must not stop all work.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from typing import Any

from jetpack_tui.data import DEFAULT_PATH

from ._cli_support import CommandError

#: Exit status Claude Code treats as "block this tool call".
CLAUDE_BLOCK = 2
MARKER = "# jetpack-tui guard"
#: Told to Claude after the conflicts when a hook blocks an edit.
CLAUDE_HINT = ("Another agent has reserved this file. Coordinate before editing: message the holder "
               "(send_message), work on something else, or wait for the reservation to be released.")
MAX_HOOK_INPUT = 1_000_000


def claude_hook_paths(stdin: Any, environ: dict[str, str] | None = None) -> list[str]:
    """The project-relative path a Claude Code PreToolUse payload is about ([] when none)."""
    env = os.environ if environ is None else environ
    try:
        payload = json.loads(stdin.read(MAX_HOOK_INPUT) or "{}")
    except ValueError:
        return []
    if not isinstance(payload, dict) or not isinstance(payload.get("tool_input"), dict):
        return []
    tool_input = payload["tool_input"]
    target = tool_input.get("file_path") or tool_input.get("notebook_path")
    if not isinstance(target, str) or not target.strip():
        return []
    root = env.get("CLAUDE_PROJECT_DIR") or payload.get("cwd") or os.getcwd()
    absolute = os.path.normpath(os.path.join(str(root), target))
    relative = os.path.relpath(absolute, os.path.normpath(str(root)))
    if relative == os.curdir or relative.startswith(os.pardir + os.sep) or relative == os.pardir:
        return []  # outside the project: reservations name project files only
    return [relative.replace(os.sep, "/")]


def staged_paths(cwd: str | None = None) -> list[str]:
    """Files staged for the next commit, relative to the repository root."""
    try:
        done = subprocess.run(["git", "diff", "--cached", "--name-only", "-z", "--no-renames"], cwd=cwd,
                              capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise CommandError(f"cannot list staged files (not a git repository?): {error}") from None
    return [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _hooks_dir(repo: str) -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--git-path", "hooks"], cwd=repo, capture_output=True,
                              text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        raise CommandError(f"{repo}: not a git repository") from None
    return os.path.abspath(os.path.join(repo, done.stdout.strip()))


def store_option(settings: Any) -> list[str]:
    """``--db ABSPATH`` or ``--turso-url URL`` naming the store this process uses."""
    if getattr(settings, "turso_url", None):
        return ["--turso-url", settings.turso_url]
    return ["--db", os.path.abspath(getattr(settings, "db", None) or DEFAULT_PATH)]


def install_guard(agent_id: str, settings: Any, repo: str, *, force: bool = False) -> str:
    """Write the repository's pre-commit hook; returns its path.

    The hook runs ``check-files --staged`` as ``$JETPACK_AGENT`` (default:
    the agent named here) against the same store, with this Python.
    """
    path = os.path.join(_hooks_dir(repo), "pre-commit")
    if os.path.exists(path) and not force:
        with open(path, encoding="utf-8", errors="replace") as handle:
            if MARKER not in handle.read():
                raise CommandError(f"{path}: a pre-commit hook exists already (pass --force to replace it)")
    command = [sys.executable, "-m", "jetpack_tui", *store_option(settings), "agent", "check-files", "--staged"]
    script = (
        "#!/bin/sh\n"
        f"{MARKER}: refuse a commit touching files another agent has reserved.\n"
        "# Written by `jetpack-tui agent install-guard`; delete this file to remove it.\n"
        f"[ -n \"$JETPACK_AGENT\" ] || JETPACK_AGENT={shlex.quote(agent_id)}\n"
        f"exec {' '.join(map(shlex.quote, command))} --agent \"$JETPACK_AGENT\"\n"
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(script)
    os.chmod(path, 0o755)
    return path
