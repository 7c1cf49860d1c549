"""Migration 5: readiness, skills and claim order kept next to each task row.

A claim used to test, for every candidate, its dependency list and its
skills list (JSON parsed per row while holding the write lock): a claim cost
6 ms behind 10k blocked tasks and 31 ms behind 50k.  Now triggers keep, for
*every* writer (the ``sqlite3`` shell included), three derived columns true:

* ``deps_unmet``: how many distinct dependencies are not completed (a
  missing one counts); ``NULL`` when the list is unreadable (not a JSON array
  of strings, or over :data:`MAX_DEPENDENCIES` entries).  ``task_deps`` is the
  reverse index (who depends on whom), so completing a task decrements its
  dependents in one indexed statement.
* ``skills_key``: a bitmask of the required skills over the dictionary
  ``skill_bits`` (one bit per distinct skill any task requires, lower-cased).
  ``0`` needs nothing; ``-1`` has more distinct skills in the swarm than the
  key holds (bits above 62), checked the old JSON way; ``NULL`` is unreadable
  and never claimable.  ``agents.skills_key`` is the same mask of an agent's
  skills, so "can this agent do it" is ``(t.skills_key & a.skills_key) =
  t.skills_key``.
* ``claim_order``: ``rank * aging + enqueue time``.  With aging off (the
  ``claim_aging`` setting 0) the step is 1e10 s, so the order is priority
  then age, as before; with aging ``A`` a task waiting ``A`` seconds longer
  than another competes one priority level higher (no starvation).

Ready rows live in a partial index ordered by ``claim_order``: a claim reads
the first row it may take and does no per-candidate JSON work, whatever the
number of blocked tasks.  ``task_counts`` holds the number of tasks per
status (pending split into ready/blocked), kept by triggers, so the status
line never counts a million rows under the GIL.
"""

from __future__ import annotations

#: Longest dependency / skills lists the triggers index; longer lists are
#: unreadable (never claimable, reported), so a foreign 10 MB list cannot
#: make every later write parse it.
MAX_DEPENDENCIES = 1000
MAX_SKILLS = 64
#: Bits 1..62 of a signed 64-bit mask (bit 63 would make the mask negative).
SKILL_BITS = 62
#: Claim-order step per priority level when aging is off: larger than any
#: epoch, so the order is strictly priority first.
NO_AGING_STEP = 1e10
#: Priority aging of a new (or upgraded) database, seconds per level: a
#: waiting task gains one level every five minutes, so a low task waits at
#: most 15 minutes behind a flood of fresh critical ones (see
#: :mod:`.queue_order`).
DEFAULT_AGING_SECONDS = 300

_RANK = ("CASE {r}.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2"
         " WHEN 'low' THEN 3 ELSE 4 END")
_CREATED_EPOCH = (
    "CASE WHEN typeof({r}.created_at) IN ('integer', 'real') THEN"
    " (CASE WHEN {r}.created_at > 1e11 THEN {r}.created_at / 1000.0 ELSE {r}.created_at END)"
    " WHEN {r}.created_at GLOB '[0-9]*' AND {r}.created_at NOT GLOB '*[^0-9.]*' THEN"
    " (CASE WHEN CAST({r}.created_at AS REAL) > 1e11 THEN CAST({r}.created_at AS REAL) / 1000.0"
    " ELSE CAST({r}.created_at AS REAL) END)"
    " ELSE (julianday({r}.created_at) - 2440587.5) * 86400.0 END"
)
#: The ``claim_aging`` setting (:mod:`.settings`, JSON seconds per level; 0
#: is off); missing or unreadable reads as the default, as the setting does.
_AGING_STEP = (
    "coalesce((SELECT CASE WHEN json_valid(value) AND json_type(value) IN ('integer', 'real') THEN"
    f" (CASE WHEN value + 0 > 0 THEN value + 0 ELSE {NO_AGING_STEP} END) END"
    f" FROM jetpack_meta WHERE key = 'setting.claim_aging'), {DEFAULT_AGING_SECONDS})"
)
_NOW = "((julianday('now') - 2440587.5) * 86400.0)"


def claim_order_sql(r: str) -> str:
    """``claim_order`` of row alias ``r`` (NEW, or a table alias)."""
    return (f"(({_RANK.format(r=r)}) * {_AGING_STEP}"
            f" + coalesce({_CREATED_EPOCH.format(r=r)}, {r}.updated_at, {_NOW}))")


def _array(column: str) -> str:
    """``column`` when it holds a JSON array, else ``'[]'``: a safe argument
    for ``json_each`` (which fails on malformed JSON).  Only scalar functions:
    tursodb 0.8 refuses a ``json_each`` whose argument holds another one."""
    return f"(CASE WHEN json_valid({column}) AND json_type({column}) = 'array' THEN {column} ELSE '[]' END)"


def _readable(column: str, limit: int) -> str:
    """True when ``column`` is NULL, or a JSON array of at most ``limit``
    strings; anything else is unreadable (never ready or claimable)."""
    return (f"({column} IS NULL OR {column} = '[]' OR (json_valid({column}) AND json_type({column}) = 'array'"
            f" AND json_array_length({column}) <= {limit}"
            f" AND NOT EXISTS (SELECT 1 FROM json_each({column}) WHERE type <> 'text')))")


def deps_readable_sql(r: str) -> str:
    return _readable(f"{r}.dependencies", MAX_DEPENDENCIES)


def skills_readable_sql(r: str) -> str:
    return _readable(f"{r}.required_skills", MAX_SKILLS)


def _unmet_count(r: str) -> str:
    return (f"(SELECT count(*) FROM (SELECT DISTINCT value AS dep FROM json_each({_array(f'{r}.dependencies')})) d"
            " WHERE NOT EXISTS (SELECT 1 FROM tasks c WHERE c.id = d.dep AND c.status = 'completed'))")


def _skills_mask(r: str) -> str:
    return (f"(SELECT CASE WHEN max(bit) > {SKILL_BITS} THEN -1 ELSE coalesce(sum(1 << (bit - 1)), 0) END"
            f" FROM skill_bits WHERE name IN (SELECT lower(value) FROM json_each({_array(f'{r}.required_skills')})))")


def deps_unmet_sql(r: str) -> str:
    """Distinct dependencies of row ``r`` not completed; NULL if unreadable
    (self-contained: ``doctor`` recounts with it)."""
    return f"(CASE WHEN {deps_readable_sql(r)} THEN {_unmet_count(r)} END)"


def task_skills_key_sql(r: str) -> str:
    """Mask of row ``r``'s required skills (every name already in skill_bits)."""
    return f"(CASE WHEN {skills_readable_sql(r)} THEN {_skills_mask(r)} END)"


def agent_skills_key_sql(r: str) -> str:
    """Mask of agent row ``r``'s skills (skills no task requires have no bit)."""
    return (f"(SELECT coalesce(sum(1 << (bit - 1)), 0) FROM skill_bits WHERE bit <= {SKILL_BITS}"
            f" AND name IN (SELECT lower(value) FROM json_each({_array(f'{r}.skills')}) WHERE type = 'text'))")


def bucket_sql(r: str) -> str:
    """The ``task_counts`` bucket of row ``r``: its status, pending split."""
    return (f"(CASE WHEN {r}.status = 'pending' THEN"
            f" (CASE WHEN {r}.deps_unmet = 0 THEN 'pending:ready' ELSE 'pending:blocked' END)"
            f" ELSE coalesce({r}.status, '') END)")


# Trigger bodies work in steps: first the readability of the lists goes into
# the derived columns (0 or NULL), then the lists are indexed, then the
# values are computed for the readable ones.  A statement reading FROM
# json_each never holds another json_each in a subquery (tursodb 0.8 cannot
# parse that), so readability is read back from the row instead.
_ROW = "(SELECT {column} FROM tasks WHERE rowid = NEW.rowid)"


def _mark_readable(deps: bool = True, skills: bool = True) -> str:
    sets = []
    if deps:
        sets.append(f"deps_unmet = CASE WHEN {deps_readable_sql('NEW')} THEN 0 END")
    if skills:
        sets.append(f"skills_key = CASE WHEN {skills_readable_sql('NEW')} THEN 0 END")
    return f"UPDATE tasks SET {', '.join(sets)} WHERE rowid = NEW.rowid"


def _learn_skills() -> str:
    return (f"INSERT OR IGNORE INTO skill_bits(name) SELECT DISTINCT lower(value)"
            f" FROM json_each({_array('NEW.required_skills')})"
            f" WHERE {_ROW.format(column='skills_key')} IS NOT NULL")


def _index_deps() -> str:
    return (f"INSERT OR IGNORE INTO task_deps(dep_id, task_id) SELECT DISTINCT value, NEW.id"
            f" FROM json_each({_array('NEW.dependencies')})"
            f" WHERE NEW.id IS NOT NULL AND {_ROW.format(column='deps_unmet')} IS NOT NULL")


def _set_values(deps: bool = True, skills: bool = True, order: bool = False) -> str:
    sets = []
    if deps:
        sets.append(f"deps_unmet = CASE WHEN deps_unmet IS NOT NULL THEN {_unmet_count('NEW')} END")
    if skills:
        sets.append(f"skills_key = CASE WHEN skills_key IS NOT NULL THEN {_skills_mask('NEW')} END")
    if order:
        sets.append(f"claim_order = {claim_order_sql('NEW')}")
    return f"UPDATE tasks SET {', '.join(sets)} WHERE rowid = NEW.rowid"


def _count(delta: str, r: str) -> str:
    if delta == "+":
        return (f"INSERT INTO task_counts(bucket, n) VALUES ({bucket_sql(r)}, 1)"
                " ON CONFLICT(bucket) DO UPDATE SET n = n + 1")
    return f"UPDATE task_counts SET n = n - 1 WHERE bucket = {bucket_sql(r)}"


def _dependents(shift: str, of: str, exclude: str | None = None) -> str:
    """Shift ``deps_unmet`` of every task that depends on ``of``."""
    skip = f" AND task_id IS NOT {exclude}" if exclude else ""
    return (f"UPDATE tasks SET deps_unmet = deps_unmet {shift} 1 WHERE deps_unmet IS NOT NULL"
            f" AND id IN (SELECT task_id FROM task_deps WHERE dep_id = {of}{skip})")


CLAIMS_SQL = f"""
CREATE TABLE IF NOT EXISTS skill_bits (bit INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS task_deps (
  dep_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  PRIMARY KEY (dep_id, task_id)
);
CREATE INDEX IF NOT EXISTS task_deps_task ON task_deps(task_id);
CREATE TABLE IF NOT EXISTS task_counts (bucket TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_from ON messages(from_agent);

ALTER TABLE tasks ADD COLUMN deps_unmet INTEGER;
ALTER TABLE tasks ADD COLUMN skills_key INTEGER;
ALTER TABLE tasks ADD COLUMN claim_order REAL;
ALTER TABLE agents ADD COLUMN skills_key INTEGER NOT NULL DEFAULT 0;

UPDATE tasks SET deps_unmet = CASE WHEN {deps_readable_sql("tasks")} THEN 0 END,
  skills_key = CASE WHEN {skills_readable_sql("tasks")} THEN 0 END;
INSERT OR IGNORE INTO skill_bits(name) SELECT DISTINCT lower(j.value)
  FROM tasks t, json_each({_array("t.required_skills")}) j WHERE t.skills_key IS NOT NULL;
INSERT OR IGNORE INTO task_deps(dep_id, task_id) SELECT DISTINCT j.value, t.id
  FROM tasks t, json_each({_array("t.dependencies")}) j WHERE t.id IS NOT NULL AND t.deps_unmet IS NOT NULL;
UPDATE tasks SET skills_key = CASE WHEN skills_key IS NOT NULL THEN {_skills_mask("tasks")} END,
  deps_unmet = CASE WHEN deps_unmet IS NOT NULL THEN {_unmet_count("tasks")} END,
  claim_order = {claim_order_sql("tasks")};
UPDATE agents SET skills_key = {agent_skills_key_sql("agents")};
DELETE FROM task_counts;
INSERT INTO task_counts(bucket, n) SELECT {bucket_sql("tasks")}, count(*) FROM tasks GROUP BY 1;

DROP INDEX IF EXISTS tasks_claim_order;
DROP INDEX IF EXISTS tasks_board_order;
CREATE INDEX IF NOT EXISTS tasks_status_order ON tasks(status, claim_order, id);
CREATE INDEX IF NOT EXISTS tasks_queue_order ON tasks(claim_order, id);
CREATE INDEX IF NOT EXISTS tasks_ready ON tasks(claim_order, id)
  WHERE status = 'pending' AND deps_unmet = 0 AND id IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_blocked ON tasks(claim_order, id)
  WHERE status = 'pending' AND deps_unmet IS NOT 0;
CREATE INDEX IF NOT EXISTS tasks_assigned ON tasks(claimed_by, claim_order)
  WHERE status = 'claimed' AND last_action IN ('claim_for', 'reassign');

CREATE TRIGGER IF NOT EXISTS tasks_derive_insert AFTER INSERT ON tasks BEGIN
  {_mark_readable()};
  {_learn_skills()};
  {_index_deps()};
  {_set_values(order=True)};
  {_dependents("-", "NEW.id", exclude="NEW.id")} AND NEW.status = 'completed';
END;
CREATE TRIGGER IF NOT EXISTS tasks_derive_skills AFTER UPDATE OF required_skills ON tasks
WHEN NEW.required_skills IS NOT OLD.required_skills
BEGIN
  {_mark_readable(deps=False)};
  {_learn_skills()};
  {_set_values(deps=False)};
END;
CREATE TRIGGER IF NOT EXISTS tasks_derive_deps AFTER UPDATE OF dependencies ON tasks
WHEN NEW.dependencies IS NOT OLD.dependencies
BEGIN
  DELETE FROM task_deps WHERE task_id = OLD.id;
  {_mark_readable(skills=False)};
  {_index_deps()};
  {_set_values(skills=False)};
END;
CREATE TRIGGER IF NOT EXISTS tasks_derive_order AFTER UPDATE OF priority, created_at ON tasks
WHEN NEW.priority IS NOT OLD.priority OR NEW.created_at IS NOT OLD.created_at
BEGIN
  UPDATE tasks SET claim_order = {claim_order_sql("NEW")} WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS tasks_derive_done AFTER UPDATE OF status ON tasks
WHEN (OLD.status IS 'completed') IS NOT (NEW.status IS 'completed') AND NEW.id IS OLD.id
BEGIN
  UPDATE tasks SET deps_unmet = deps_unmet + (CASE WHEN NEW.status IS 'completed' THEN -1 ELSE 1 END)
  WHERE deps_unmet IS NOT NULL AND id IN (SELECT task_id FROM task_deps WHERE dep_id = NEW.id);
END;
CREATE TRIGGER IF NOT EXISTS tasks_derive_rename AFTER UPDATE OF id ON tasks
WHEN NEW.id IS NOT OLD.id
BEGIN
  {_dependents("+", "OLD.id")} AND OLD.status IS 'completed';
  {_dependents("-", "NEW.id")} AND NEW.status IS 'completed';
  DELETE FROM task_deps WHERE task_id = OLD.id;
  {_index_deps()};
END;
CREATE TRIGGER IF NOT EXISTS tasks_derive_delete AFTER DELETE ON tasks BEGIN
  DELETE FROM task_deps WHERE task_id = OLD.id;
  {_dependents("+", "OLD.id")} AND OLD.status IS 'completed';
END;

CREATE TRIGGER IF NOT EXISTS tasks_counts_insert AFTER INSERT ON tasks BEGIN
  {_count("+", "NEW")};
END;
CREATE TRIGGER IF NOT EXISTS tasks_counts_delete AFTER DELETE ON tasks BEGIN
  {_count("-", "OLD")};
END;
CREATE TRIGGER IF NOT EXISTS tasks_counts_update AFTER UPDATE OF status, deps_unmet ON tasks
WHEN {bucket_sql("OLD")} IS NOT {bucket_sql("NEW")}
BEGIN
  {_count("+", "NEW")};
  {_count("-", "OLD")};
END;

CREATE TRIGGER IF NOT EXISTS agents_derive_insert AFTER INSERT ON agents BEGIN
  UPDATE agents SET skills_key = {agent_skills_key_sql("NEW")} WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS agents_derive_skills AFTER UPDATE OF skills ON agents
WHEN NEW.skills IS NOT OLD.skills
BEGIN
  UPDATE agents SET skills_key = {agent_skills_key_sql("NEW")} WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS skill_bits_learned AFTER INSERT ON skill_bits WHEN NEW.bit <= {SKILL_BITS} BEGIN
  UPDATE agents SET skills_key = skills_key | (1 << (NEW.bit - 1))
  WHERE json_valid(skills) AND json_type(skills) = 'array'
    AND EXISTS (SELECT 1 FROM json_each(agents.skills) WHERE type = 'text' AND lower(value) = NEW.name);
END;
"""
