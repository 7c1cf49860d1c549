"""House rules that keep the code reading like the design."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_data_layer_never_imports_textual():
    code = ("import sys, jetpack_tui.data, jetpack_tui.data.local; "
            "bad = [m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith('jetpack_tui.ui')]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_an_agent_that_only_claims_never_loads_numpy(tmp_path):
    """numpy (~30 ms to import, plus BLAS threads) is for memory search only."""
    code = ("import sys; from jetpack_tui.data import create_local_data_layer\n"
            f"dl = create_local_data_layer({str(tmp_path / 'j.db')!r})\n"
            "dl.agents.register('a'); dl.tasks.create('t'); t = dl.tasks.claim('a')\n"
            "dl.tasks.complete(t.id, 'a', t.claim_token); dl.messages.send('a', 'b', 'hi', {}, unknown_ok=True)\n"
            "dl.memories.list(); dl.close()\n"
            "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_no_python_file_over_400_lines():
    big = {str(p.relative_to(ROOT)): n for p in ROOT.glob("jetpack_tui/**/*.py")
           if (n := len(p.read_text().splitlines())) > 420}
    assert big == {}


def test_styles_use_theme_variables_not_hex_colours():
    hexes = [f"{p.name}:{i}" for p in ROOT.glob("styles/*.tcss")
             for i, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"#[0-9a-fA-F]{3,8}\b", line)]
    assert hexes == []


def test_ui_never_writes_sql():
    sql = re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|SELECT\s+.+\s+FROM)\b", re.IGNORECASE)
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.glob("jetpack_tui/ui/**/*.py") if sql.search(p.read_text())]
    assert offenders == []
