"""``jetpack-tui doctor [--db PATH] [--json]``: is this database healthy?

Checks (see :mod:`._doctor_checks`): schema version and columns,
``PRAGMA integrity_check``, broken JSON per table and column, unknown
statuses / priorities / types, dependencies on missing tasks, orphaned
tasks (owner dead or unregistered), claims past their lease awaiting
reclaim, claims without a lease, reservations past expiry.  Read-only: the
file is never created, upgraded or repaired.  With ``--turso-url`` (or
``$TURSO_DATABASE_URL``) the Turso primary is checked, through a replica.

Exit status (for scripts and CI):

* 0 healthy (nothing worse than ``ok``);
* 1 damaged: at least one ``error`` (integrity, broken JSON, unknown status…);
* 3 needs attention: ``warning`` findings only (orphans, expired claims…);
* 2 cannot check: missing file, not a database, not a Jetpack database.

``--json`` prints ``{"schema": "jetpack-tui/doctor", "version": 1,
"database": str, "schema_version": int | null, "latest_schema_version":
int, "generated_at": float, "exit_code": int, "summary": {"error": int,
"warning": int, "ok": int}, "findings": [{"severity": "error" | "warning" |
"ok", "check": str, "message": str, "table": str | null, "column": str |
null, "count": int, "examples": [str]}]}``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from jetpack_tui.data import clock
from jetpack_tui.data.schema import latest_version

from ._cli_support import CommandError, add_db_option, fail, liveness, open_for_reading, printable, store_target
from ._doctor_checks import EngineConnection, Report, check_all, run_checks

EXIT_HEALTHY, EXIT_DAMAGED, EXIT_ATTENTION = 0, 1, 3
LABELS = {"ok": "ok     ", "warning": "WARN   ", "error": "ERROR  "}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("doctor", help="check a database: integrity, broken rows, orphans",
                                   description="Check a database file without changing it. Exit 0 healthy,"
                                               " 1 damaged, 3 needs attention, 2 cannot check.")
    add_db_option(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable report")


def exit_code(report: Report) -> int:
    if report.count("error"):
        return EXIT_DAMAGED
    if report.count("warning"):
        return EXIT_ATTENTION
    return EXIT_HEALTHY


def as_document(report: Report, moment: float) -> dict[str, Any]:
    return {
        "schema": "jetpack-tui/doctor", "version": 1, "database": report.path,
        "schema_version": report.schema_version, "latest_schema_version": latest_version(),
        "generated_at": moment, "exit_code": exit_code(report),
        "summary": {name: report.count(name) for name in ("error", "warning", "ok")},
        "findings": [f.as_json() for f in report.findings],
    }


def render(report: Report) -> str:
    lines = [f"jetpack-tui doctor: {printable(report.path)}"]
    for finding in report.findings:
        lines.append(f"  {LABELS.get(finding.severity, finding.severity)}{finding.message}")
        for example in finding.examples:
            lines.append(f"           {example}")
    errors, warnings = report.count("error"), report.count("warning")
    verdict = "damaged" if errors else "needs attention" if warnings else "healthy"
    lines.append(f"{verdict}: {errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)


def checked(args: argparse.Namespace, moment: float) -> Report:
    """A local file is checked as a file (stdlib sqlite3, read-only: the
    doctor must look at files the DataLayer refuses); a Turso store through
    a read-only replica, pulled from the primary when it opens."""
    target = store_target(args)
    if not target.turso:
        return run_checks(str(target.path), now=moment, liveness=liveness(args))
    dl = open_for_reading(args, target)
    try:
        return check_all(EngineConnection(dl.engine), Report(path=dl.location), now=moment,
                         liveness=liveness(args))
    finally:
        dl.close()


def run(args: argparse.Namespace) -> int:
    moment = clock.now()
    try:
        report = checked(args, moment)
    except CommandError as error:
        return fail(str(error))
    print(json.dumps(as_document(report, moment), indent=2) if args.json else render(report))
    return exit_code(report)
