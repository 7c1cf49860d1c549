"""Dashboard settings from TOML files, then the command line.

Order (later wins): built-in defaults, the user's file
(``$XDG_CONFIG_HOME/jetpack-tui/config.toml``, else
``~/.config/jetpack-tui/config.toml``), the project's ``.jetpack/config.toml``
in the current folder, then command-line options.  Example::

    operator = "alice"          # recorded as `by` on every operator action
    theme = "textual-dark"
    db = ".jetpack/jetpack.db"
    page_size = 200             # task rows read per SQL page
    poll_interval = 0.5         # change-feed poll when no file watcher runs
    turso_url = "libsql://…"    # the token only ever comes from TURSO_AUTH_TOKEN

    [liveness]                  # heartbeat age thresholds (seconds); see below
    stale_after = 30
    dead_after = 120

    [keys]                      # binding id = key(s), applied with App.set_keymap
    "tasks.claim" = "C"
    "app.quit" = "ctrl+q"

Liveness is a property of the swarm, so it is stored in the database
(``jetpack-tui settings set liveness …``, ``dl.settings``) and every reader
applies the stored rule.  A ``[liveness]`` table here overrides it for this
user or project only when it is written (both values, or one plus the
default of the other); without one, ``Settings.liveness_override`` is
``None`` and the database decides.

No Textual import here: subcommands without a UI use these settings too.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jetpack_tui.data.errors import JetpackError
from jetpack_tui.data.models import Liveness

PROJECT_CONFIG = Path(".jetpack") / "config.toml"


class ConfigError(Exception):
    """A config file is unreadable or holds a value of the wrong type."""


def default_operator() -> str:
    for name in ("JETPACK_OPERATOR", "USER", "USERNAME"):
        value = os.environ.get(name)
        if value:
            return value
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return "operator"


@dataclass(frozen=True)
class Settings:
    operator: str = field(default_factory=default_operator)
    theme: str | None = None
    db: str | None = None
    turso_url: str | None = None
    page_size: int = 200
    poll_interval: float = 0.5
    #: Liveness thresholds named explicitly (config file, command line);
    #: ``None``: not given, the database's stored rule applies.
    stale_after: float | None = None
    dead_after: float | None = None
    keys: dict[str, str] = field(default_factory=dict)
    #: Files that were read, for `doctor`-style reporting.
    sources: tuple[str, ...] = ()

    @property
    def liveness_override(self) -> Liveness | None:
        """The rule named explicitly, or ``None`` (the database decides)."""
        if self.stale_after is None and self.dead_after is None:
            return None
        return self.liveness

    @property
    def liveness(self) -> Liveness:
        """The thresholds to classify with: the explicit ones, the default for
        any not given.  A dashboard is handed settings resolved against its
        database (:meth:`with_liveness`), so this is the database's rule there."""
        default = Liveness()
        return Liveness(stale_after=default.stale_after if self.stale_after is None else self.stale_after,
                        dead_after=default.dead_after if self.dead_after is None else self.dead_after)

    def with_liveness(self, rule: Liveness) -> "Settings":
        """These settings classifying with ``rule`` (an explicit rule is kept)."""
        if self.liveness_override is not None:
            return self
        return replace(self, stale_after=rule.stale_after, dead_after=rule.dead_after)

    def with_overrides(self, **values: Any) -> "Settings":
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def against_database(settings: Settings, dl: Any) -> Settings:
    """``settings`` classifying agents by ``dl``'s liveness rule (its override,
    else the database's stored rule) unless they name one explicitly; unchanged
    when the rule cannot be read (the reads that follow will say why)."""
    if settings.liveness_override is not None:
        return settings
    try:
        rule = dl.agents.liveness_rule()
    except JetpackError:
        return settings
    return settings.with_liveness(rule)


def user_config_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "jetpack-tui" / "config.toml"


_SCALARS: dict[str, tuple[type, ...]] = {
    "operator": (str,), "theme": (str,), "db": (str,), "turso_url": (str,),
    "page_size": (int,), "poll_interval": (int, float),
}


def _merge(values: dict[str, Any], data: dict[str, Any], source: str) -> None:
    for key, value in data.items():
        if key in _SCALARS:
            if isinstance(value, bool) or not isinstance(value, _SCALARS[key]):
                raise ConfigError(f"{source}: {key} must be {_SCALARS[key][0].__name__}, not {value!r}")
            values[key] = value
        elif key == "liveness":
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: [liveness] must be a table")
            for name in ("stale_after", "dead_after"):
                if name in value:
                    number = value[name]
                    if isinstance(number, bool) or not isinstance(number, (int, float)) or number <= 0:
                        raise ConfigError(f"{source}: liveness.{name} must be a positive number")
                    values[name] = float(number)
        elif key == "keys":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{source}: [keys] must map binding ids to key strings")
            values["keys"] = {**values.get("keys", {}), **value}
        elif key == "auth_token" or key == "turso_auth_token":
            raise ConfigError(f"{source}: put the Turso token in TURSO_AUTH_TOKEN, not in a file")
        else:
            raise ConfigError(f"{source}: unknown setting {key!r}")


def load_settings(paths: list[Path] | None = None) -> Settings:
    """Read the user's then the project's config file (missing files are fine)."""
    candidates = paths if paths is not None else [user_config_path(), PROJECT_CONFIG]
    values: dict[str, Any] = {}
    sources: list[str] = []
    for path in candidates:
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{path}: not valid TOML ({error})") from None
        _merge(values, data, str(path))
        sources.append(str(path))
    settings = Settings(**values, sources=tuple(sources))
    if settings.liveness_override is not None and settings.liveness.dead_after <= settings.liveness.stale_after:
        raise ConfigError("liveness.dead_after must be greater than liveness.stale_after")
    if settings.page_size < 10 or settings.page_size > 5000:
        raise ConfigError("page_size must be between 10 and 5000")
    return settings
