"""``dl.settings``: typed settings stored in the database itself.

Some rules belong to the swarm, not to whoever looks at it: "an agent silent
for 20 s is dead" must mean the same to the agents, the dashboard, ``status``
and ``doctor``, or they disagree about which agents are dead.  Such rules
live in the database, in ``jetpack_meta(key, value)`` under the key
``setting.<name>`` as JSON (no schema change; any client can read them).

Readers apply, in this order (the first that is given wins):

1. an explicit override for this process: the ``liveness=`` argument of
   ``create_local_data_layer`` / ``create_turso_data_layer``, which the CLI
   fills only from a config file or command line that names the value;
2. the value stored in the database (``dl.settings.set``, ``jetpack-tui
   settings set``; the demo stores its fast pace's rule);
3. the built-in default (:attr:`Setting.default`).

A stored value another client broke (bad JSON, wrong shape, out of range)
is never fatal: readers use the default and :meth:`StoredSettings.all`
reports the problem (``doctor`` and ``jetpack-tui settings`` show it).

Adding a setting is one declaration in this module; it is then readable
with ``dl.settings.get(IT)`` (or :func:`read` inside a transaction), settable
with ``dl.settings.set(IT, value)`` and listed by ``jetpack-tui settings``.
A setting whose change must reach rows already written names an
``on_change`` (``claim_aging`` re-orders the queue).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .backend import Tx
from .context import StoreContext
from .errors import InvalidInputError
from .jsonvalues import as_text
from . import queue_order
from .models import Liveness

T = TypeVar("T")
KEY_PREFIX = "setting."
#: Every declared setting by name (filled by :class:`Setting` itself).
SETTINGS: dict[str, "Setting[Any]"] = {}
_SELECT = "SELECT value FROM jetpack_meta WHERE key = ?"


@dataclass(frozen=True, eq=False)
class Setting(Generic[T]):
    """One typed value stored as JSON under ``setting.<name>``.

    ``decode`` turns the parsed JSON into the value and raises
    ``ValueError``/``TypeError`` when it is not a valid one; ``encode`` turns a
    value into JSON-able data.  A value is stored only if it survives the round
    trip, so what one writer stores every reader can read.
    """

    name: str
    default: T
    decode: Callable[[Any], T]
    encode: Callable[[T], Any]
    help: str = ""
    #: Run after the stored value changed (with the engine): for settings
    #: that rows already written depend on.
    on_change: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        if self.name in SETTINGS:
            raise ValueError(f"a setting named {self.name!r} is declared already")
        SETTINGS[self.name] = self

    @property
    def key(self) -> str:
        return KEY_PREFIX + self.name

    def dump(self, value: T) -> str:
        """The stored text of ``value``; :class:`InvalidInputError` when invalid."""
        try:
            text = json.dumps(self.encode(value), allow_nan=False, sort_keys=True)
            self.decode(json.loads(text))
        except (TypeError, ValueError, OverflowError) as error:
            raise InvalidInputError(f"setting {self.name}: {error}") from None
        return text

    def load(self, raw: Any) -> tuple[T, str | None]:
        """``(value, problem)`` from what is stored: the default when nothing
        is, or when it cannot be read (``problem`` then says why)."""
        if raw is None:
            return self.default, None
        try:
            return self.decode(json.loads(as_text(raw) or "")), None
        except (TypeError, ValueError, OverflowError) as error:
            return self.default, f"stored value unreadable ({error}); using the default"


# -- value shapes -------------------------------------------------------------------------------

def positive_number(value: Any) -> float:
    """A finite number above 0 (``True``/``False`` are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be a positive number, not {value!r}")
    return float(value)


def non_negative_number(value: Any) -> float:
    """A finite number of 0 or more."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"must be a number of 0 or more, not {value!r}")
    return float(value)


def _liveness_from_json(value: Any) -> Liveness:
    if not isinstance(value, dict) or set(value) != {"stale_after", "dead_after"}:
        raise ValueError('must be {"stale_after": seconds, "dead_after": seconds}')
    stale, dead = positive_number(value["stale_after"]), positive_number(value["dead_after"])
    if dead <= stale:
        raise ValueError(f"dead_after ({dead:g}) must be greater than stale_after ({stale:g})")
    return Liveness(stale_after=stale, dead_after=dead)


def _liveness_to_json(value: Liveness) -> dict[str, float]:
    if not isinstance(value, Liveness):
        raise TypeError(f"must be a Liveness, not {type(value).__name__}")
    return {"stale_after": value.stale_after, "dead_after": value.dead_after}


# -- the settings -------------------------------------------------------------------------------

LIVENESS: Setting[Liveness] = Setting(
    "liveness", Liveness(), decode=_liveness_from_json, encode=_liveness_to_json,
    help="heartbeat age in seconds after which an agent is stale, then dead")

#: Read by the claim-order trigger itself (:mod:`.schema_claims`), so every
#: writer orders the queue by the same rule.
CLAIM_AGING: Setting[float] = Setting(
    "claim_aging", float(queue_order.DEFAULT_AGING_SECONDS), decode=queue_order.aging_seconds,
    encode=queue_order.aging_seconds,
    help="seconds of waiting that raise a ready task one priority level (0: strict priority)",
    on_change=queue_order.reorder)


# -- reading and writing ------------------------------------------------------------------------

def read(tx: Tx, setting: Setting[T]) -> T:
    """The stored value (or the default) inside a transaction already open."""
    return setting.load(tx.value(_SELECT, (setting.key,)))[0]


@dataclass(frozen=True)
class SettingValue:
    """A setting as a reader sees it: value, where it came from, and any problem."""

    name: str
    value: Any
    source: str  # "database" or "default"
    problem: str | None = None
    raw: str | None = None  # the stored text, when there is one
    help: str = ""


class StoredSettings:
    """``dl.settings``: get, set and reset the declared settings of this database.

    A write is one UPSERT (the last writer wins: settings are configuration,
    not state an agent races for) and is refused on a read-only DataLayer.
    """

    def __init__(self, ctx: StoreContext) -> None:
        self._engine = ctx.engine

    def get(self, setting: Setting[T]) -> T:
        return self._engine.read(lambda tx: read(tx, setting))

    def set(self, setting: Setting[T], value: T) -> T:
        """Store ``value`` for every reader of this database; returns it as stored."""
        text = setting.dump(value)
        self._engine.write(lambda tx: tx.execute(
            "INSERT INTO jetpack_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (setting.key, text)))
        if setting.on_change is not None:
            setting.on_change(self._engine)
        return setting.load(text)[0]

    def reset(self, setting: Setting[Any]) -> None:
        """Forget the stored value: readers use the default again."""
        self._engine.write(lambda tx: tx.execute("DELETE FROM jetpack_meta WHERE key = ?", (setting.key,)))
        if setting.on_change is not None:
            setting.on_change(self._engine)

    def all(self) -> list[SettingValue]:
        """Every declared setting with its source, in declaration order."""
        keys = [s.key for s in SETTINGS.values()]
        rows = self._engine.rows("SELECT key, value FROM jetpack_meta WHERE key IN (SELECT value FROM json_each(?))",
                                 (json.dumps(keys),))
        stored = {as_text(key): value for key, value in rows}
        out = []
        for setting in SETTINGS.values():
            raw = stored.get(setting.key)
            value, problem = setting.load(raw)
            source = "database" if raw is not None and problem is None else "default"
            out.append(SettingValue(setting.name, value, source, problem, as_text(raw), setting.help))
        return out
