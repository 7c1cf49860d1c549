"""What crosses the boundary to a SQL driver, the same for every backend.

Parameters are checked before they are bound (:func:`bind`): text with NUL,
integers a REAL cannot hold exactly and NaN are refused rather than stored
wrongly without a word.  A driver's exception is turned into the typed
error of :mod:`jetpack_tui.data.errors` (:func:`translate`), from its
message, so the local libSQL file and Turso's replica and primary report a
locked database, a broken constraint or a read-only file alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import (
    ConflictError,
    InvalidInputError,
    JetpackError,
    ReadOnlyError,
    StorageBusyError,
    StorageError,
)

Params = Sequence[Any]

#: The binding binds ints beyond 32 bits as REAL: all exact up to 2**53.
MAX_EXACT_INT = 2**53


def _exact_as_real(value: int) -> bool:
    try:
        return int(float(value)) == value
    except OverflowError:
        return False


def bind(params: Params) -> tuple:
    """Parameters as the binding takes them, refusing what it would store
    wrongly without a word: text with NUL (cut at the NUL), integers that a
    REAL cannot hold exactly (rounded) and NaN (stored as NULL)."""
    values = tuple(params)
    for value in values:
        kind = type(value)
        if kind is str:
            if "\x00" in value:
                raise InvalidInputError("text must not contain NUL characters (the storage engine cuts it there)")
        elif kind is int:
            if not -MAX_EXACT_INT <= value <= MAX_EXACT_INT and not _exact_as_real(value):
                raise InvalidInputError(f"integer {value} is too large to store exactly")
        elif kind is float and value != value:
            raise InvalidInputError("NaN cannot be stored (use None)")
    return values


def is_undecodable(error: BaseException) -> bool:
    """The binding panics when a TEXT value is not valid UTF-8 (another client wrote it)."""
    return is_panic(error) and "Utf8Error" in str(error)


def is_panic(error: BaseException) -> bool:
    return type(error).__name__ == "PanicException"


def _is_busy(message: str) -> bool:
    lowered = message.lower()
    return "database is locked" in lowered or "database is busy" in lowered or "database table is locked" in lowered


def translate(error: BaseException, where: str) -> JetpackError:
    """Map a binding error to a typed DataLayer error (message names the file)."""
    if isinstance(error, JetpackError):
        return error
    message = str(error)
    lowered = message.lower()
    if is_panic(error):
        return StorageError(f"{where}: the storage engine failed ({message})")
    if _is_busy(message):
        return StorageBusyError(f"{where}: database is locked by another process")
    if "unique constraint failed" in lowered or "primary key" in lowered and "constraint" in lowered:
        return ConflictError(f"{where}: {message}")
    if "constraint failed" in lowered:
        return InvalidInputError(f"{where}: {message}")
    if "unsupported parameter type" in lowered:  # e.g. text with lone surrogates (not UTF-8 encodable)
        return InvalidInputError(f"{where}: a value cannot be stored ({message}): text must be valid Unicode")
    if "readonly" in lowered or "read-only" in lowered:
        return ReadOnlyError(f"{where}: the database file is read-only ({message})")
    if "disk is full" in lowered or "disk i/o" in lowered:
        return StorageError(f"{where}: {message}")
    return StorageError(f"{where}: {message}")
