"""Find SQL built from anything but constants in ``jetpack_tui/data`` (AST scan).

A call ``<x>.execute / executemany / executescript / script / rows / row /
value / write_statement(sql, ...)`` is examined through its first argument,
following local variables assigned in the same function (``sql = …``,
``sql += …``).  Safe pieces: string literals, module constants
(``UPPER_CASE`` names), and f-string/``+`` compositions of safe pieces.
Anything else that is interpolated is reported as a :class:`Finding`
naming the file, the function and the expression, so a test can compare the
findings with a reviewed allow-list.  ``%`` and ``.format`` on SQL are
always reported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

SQL_CALLS = {"execute", "executemany", "executescript", "script", "rows", "row", "value", "write_statement"}


@dataclass(frozen=True, order=True)
class Finding:
    path: str  # relative to the package root, e.g. "data/tasks.py"
    function: str
    expression: str  # source of the interpolated piece


def _is_constant_name(name: str) -> bool:
    return name.isupper() or (name.startswith("_") and name[1:].isupper())


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, source: str) -> None:
        self.path = path
        self.source = source
        self.findings: list[Finding] = []
        self._function = "<module>"
        self._locals: dict[str, list[ast.expr]] = {}
        #: Parameters of a wrapper (a function itself named like an SQL call,
        #: e.g. ``Tx.rows(self, sql, params)``): pass-through, its callers are checked.
        self._passthrough: set[str] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802
        outer, outer_locals, outer_pass = self._function, self._locals, self._passthrough
        self._function = node.name if outer == "<module>" else f"{outer}.{node.name}"
        self._locals = dict(outer_locals)  # closures see the enclosing function's names
        if node.name in SQL_CALLS:
            self._passthrough = {a.arg for a in node.args.args + node.args.kwonlyargs}
        for child in ast.walk(node):
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name):
                        self._locals.setdefault(target.id, []).append(child.value)
            elif isinstance(child, ast.AugAssign) and isinstance(child.target, ast.Name):
                self._locals.setdefault(child.target.id, []).append(child.value)
            elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name) and child.value:
                self._locals.setdefault(child.target.id, []).append(child.value)
        self.generic_visit(node)
        self._function, self._locals, self._passthrough = outer, outer_locals, outer_pass

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SQL_CALLS and node.args:
            self._check(node.args[0], set())
        self.generic_visit(node)

    def _report(self, expr: ast.AST) -> None:
        text = ast.get_source_segment(self.source, expr) or ast.dump(expr)
        self.findings.append(Finding(self.path, self._function, " ".join(text.split())))

    def _check(self, expr: ast.AST, seen: set[str]) -> None:
        if isinstance(expr, ast.Constant):
            return
        if isinstance(expr, ast.Name):
            if _is_constant_name(expr.id) or expr.id in self._passthrough:
                return
            if expr.id in self._locals and expr.id not in seen:
                for value in self._locals[expr.id]:
                    self._check(value, seen | {expr.id})
                return
            self._report(expr)
            return
        if isinstance(expr, ast.JoinedStr):
            for part in expr.values:
                if isinstance(part, ast.FormattedValue):
                    self._check_piece(part.value, seen)
            return
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            self._check(expr.left, seen)
            self._check(expr.right, seen)
            return
        if isinstance(expr, ast.IfExp):
            self._check(expr.body, seen)
            self._check(expr.orelse, seen)
            return
        self._report(expr)  # %-formatting, .format(), calls, attributes, subscripts…

    def _check_piece(self, expr: ast.AST, seen: set[str]) -> None:
        """An interpolated piece of an f-string."""
        if isinstance(expr, ast.Constant):
            return
        if isinstance(expr, ast.Name) and _is_constant_name(expr.id):
            return
        if isinstance(expr, ast.Name) and expr.id in self._locals and expr.id not in seen:
            values = self._locals[expr.id]
            if all(isinstance(v, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Name, ast.IfExp)) for v in values):
                for value in values:
                    self._check(value, seen | {expr.id})
                return
        self._report(expr)


def scan(root: Path) -> list[Finding]:
    """Findings for every ``*.py`` under ``root`` (paths relative to ``root.parent``)."""
    found: list[Finding] = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text()
        scanner = _Scanner(str(path.relative_to(root.parent)), source)
        scanner.visit(ast.parse(source))
        found += scanner.findings
    return sorted(set(found))
