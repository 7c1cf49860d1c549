"""Helpers of the memory tests: random unit vectors, another process's
writes, a database without FTS5 (as on Turso)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np

from jetpack_tui.data import create_local_data_layer
from jetpack_tui.data.embedders import DIMENSIONS

FTS_OBJECTS = ("DROP TRIGGER memories_fts_insert", "DROP TRIGGER memories_fts_delete",
               "DROP TRIGGER memories_fts_update", "DROP TABLE memories_fts_vocab", "DROP TABLE memories_fts")
def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(DIMENSIONS)
    return vector / np.linalg.norm(vector)


def nudge(vector: np.ndarray, amount: float, seed: int) -> np.ndarray:
    moved = vector + amount * unit(seed)
    return moved / np.linalg.norm(moved)


def foreign(db_path: str, *statements: tuple[str, list]) -> None:
    """Run statements in one transaction of a stdlib-sqlite3 process (another client)."""
    code = textwrap.dedent("""
        import json, sqlite3, sys
        conn = sqlite3.connect(sys.argv[1], timeout=10)
        for sql, params in json.loads(sys.argv[2]):
            conn.execute(sql, params)
        conn.commit()
        conn.close()
    """)
    subprocess.run([sys.executable, "-c", code, db_path, json.dumps(statements)], check=True, timeout=60)


def without_fts(path: str) -> None:
    """Make a database like Turso's: no FTS5 objects (keyword search must scan)."""
    with create_local_data_layer(path) as layer:
        layer.engine.write(lambda tx: [tx.execute(sql) for sql in FTS_OBJECTS])
