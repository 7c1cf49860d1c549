"""The checker behind the one-request proof: do recorded Hrana requests keep
every transaction inside the request that opened it?

Rules, for each recorded pipeline request (the JSON body a client sent):

* it continues no stream: ``baton`` is null (on sqld a baton would tie it to
  state an earlier request left behind) -- except a request that only
  closes the stream a server handed a baton for;
* an ``execute`` request never runs transaction control (BEGIN, COMMIT,
  ROLLBACK, END, SAVEPOINT, RELEASE);
* in a batch, COMMIT / ROLLBACK / END only follow a BEGIN of the same batch;
* a batch that runs BEGIN at step ``b`` also ends it: every later step runs
  only if the step before it succeeded (so a failure skips the rest instead
  of running it outside the transaction), and its last step is a ROLLBACK
  conditioned ``ok(b)`` (no COMMIT: the batch only checks) or ``and(ok(b),
  not(ok(c)))`` where step ``c`` is a COMMIT.

Together with the proxy's dynamic check (the server is in autocommit before
and after every request, :mod:`hrana_proxy`), no request can depend on a
transaction left open by another, and every transaction -- hence every
write -- is one request.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


def _verb(step: dict[str, Any]) -> str:
    found = _CONTROL.match(str((step.get("stmt") or {}).get("sql") or ""))
    return found.group(1).upper() if found else ""


def _ok(step: int) -> dict[str, Any]:
    return {"type": "ok", "step": step}


def check_request(body: Any) -> list[str]:
    """Problems of one pipeline request body (empty: it keeps to the rules)."""
    if not isinstance(body, dict):
        return ["not a JSON object"]
    problems = []
    kinds = [r.get("type") for r in body.get("requests") or []]
    if body.get("baton") is not None and kinds != ["close"]:
        problems.append("continues a stream (baton is not null)")
    for number, request in enumerate(body.get("requests") or []):
        kind = request.get("type")
        if kind == "execute" and _verb({"stmt": request.get("stmt")}):
            problems.append(f"request {number}: execute runs transaction control")
        elif kind == "batch":
            problems += [f"request {number}: {p}" for p in check_batch((request.get("batch") or {}).get("steps") or [])]
    return problems


def check_batch(steps: list[dict[str, Any]]) -> list[str]:
    begin = None
    problems = []
    for index, step in enumerate(steps):
        verb = _verb(step)
        if verb in ("BEGIN", "SAVEPOINT"):
            if begin is not None:
                problems.append(f"step {index}: a second BEGIN")
            begin = index
        elif verb in ("COMMIT", "END", "ROLLBACK", "RELEASE") and begin is None:
            problems.append(f"step {index}: {verb} without a BEGIN in this request")
    if begin is None:
        return problems
    last = len(steps) - 1
    for index in range(begin + 1, last):
        if steps[index].get("condition") != _ok(index - 1):
            problems.append(f"step {index}: runs even if step {index - 1} failed (outside the transaction)")
    if not _ends(steps, begin):
        problems.append(f"the transaction opened at step {begin} is not always ended in this request")
    return problems


def _ends(steps: list[dict[str, Any]], begin: int) -> bool:
    """The last step is a ROLLBACK that runs whenever BEGIN succeeded and no
    COMMIT did."""
    last = len(steps) - 1
    if last <= begin or _verb(steps[last]) != "ROLLBACK":
        return False
    condition = steps[last].get("condition")
    if condition == _ok(begin):
        return True
    if not isinstance(condition, dict) or condition.get("type") != "and":
        return False
    conds = condition.get("conds") or []
    if len(conds) != 2 or conds[0] != _ok(begin) or not isinstance(conds[1], dict) or conds[1].get("type") != "not":
        return False
    inner = conds[1].get("cond") or {}
    commit = inner.get("step") if inner.get("type") == "ok" else None
    return isinstance(commit, int) and begin < commit < last and _verb(steps[commit]) == "COMMIT"


def check(records: list[dict[str, Any]], agent: str = "jetpack-tui") -> list[str]:
    """Every problem of every recorded pipeline request sent by ``agent``
    (the DataLayer's User-Agent; a replica's own pushes are pyturso's
    business), with the dynamic findings the proxy made about it."""
    problems = []
    for number, record in enumerate(records):
        if not str(record.get("agent", "")).startswith(agent):
            continue
        problems += [f"request #{number}: {p}" for p in check_request(record["body"])]
        problems += [f"request #{number}: {p}" for p in record.get("findings", [])]
    return problems
