"""What the dashboard remembers for the operator between runs, in the user's
data directory (``$XDG_DATA_HOME/jetpack-tui``, else
``~/.local/share/jetpack-tui``): the theme picked last, and the folder
``f8`` writes screenshots to (``screenshots/`` there, never the current
folder, where they would show up in ``git status``).

The config file (``config.toml``) is the operator's own text and is never
rewritten; a theme named there (or with ``--theme``) wins over the one
remembered here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATE_FILE = "ui-state.json"


def data_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "share")
    return Path(base) / "jetpack-tui"


def load(folder: Path) -> dict[str, Any]:
    """The remembered values; an unreadable or foreign file counts as empty."""
    try:
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(folder: Path, **values: Any) -> None:
    """Merge ``values`` into the file (written whole, then renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {**load(folder), **values}
    target = folder / STATE_FILE
    scratch = target.with_suffix(".tmp")
    scratch.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(scratch, target)
