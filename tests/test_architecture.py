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


def _data_imports() -> dict[str, set[str]]:
    """Module -> the ``jetpack_tui.data`` modules it imports (``TYPE_CHECKING`` imports count too)."""
    import ast

    files = {}
    for path in ROOT.glob("jetpack_tui/data/**/*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        files[".".join(parts[:-1] if path.name == "__init__.py" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found |= {f"{target}.{a.name}" if f"{target}.{a.name}" in files else target for a in node.names}
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or in a ring."""
    reach = {m: set(deps) for m, deps in graph.items()}
    changed = True
    while changed:  # transitive closure: a few dozen modules, cheap
        changed = False
        for deps in reach.values():
            more = set().union(*(reach[d] for d in deps)) - deps
            if more:
                deps |= more
                changed = True
    rings = {frozenset({m} | {d for d in reach[m] if m in reach[d]}) for m in graph if m in reach[m]}
    return sorted(sorted(ring) for ring in rings)


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_data_package_has_no_import_cycles():
    """A module that needs its importer back (even only for type hints) is two modules that are one."""
    assert _cycles(_data_imports()) == []
