"""The schema, as an ordered list of versioned migrations.

Migration 1 is the seed design verbatim (``../shared/seed/datalayer-design.txt``):
a database made by another implementation of the seed opens as version 0 and
is upgraded in place.  Later migrations only add columns, tables, indexes and
triggers, so every seed column keeps its name and type.

Triggers do three jobs that must hold for *every* writer, including agents in
other languages and the ``sqlite3`` shell:

* ``version`` grows on every task update (a CAS by an operator sees foreign edits);
* ``task_events`` records each status/owner/priority change (the audit trail);
* ``change_log`` records which row of which table changed (the change feed),
  pruned by its own trigger so it stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema_claims import CLAIMS_SQL
from .schema_signs import SIGNS_SQL

#: Tables of the seed with the columns each must have (a foreign database
#: that has a table of the same name without them is refused).
SEED_COLUMNS: dict[str, tuple[str, ...]] = {
    "tasks": ("id", "parent_id", "title", "status", "priority", "required_skills",
              "dependencies", "claimed_by", "session_id", "created_at"),
    "agents": ("id", "name", "status", "skills", "session_id", "last_heartbeat"),
    "messages": ("id", "type", "from_agent", "to_agent", "payload", "thread_id", "timestamp"),
    "file_reservations": ("id", "agent_id", "task_id", "file_path", "reservation_type",
                          "status", "created_at"),
    "memories": ("id", "type", "content", "importance", "embedding", "metadata", "created_at"),
}

#: How many change-feed rows are kept; a reader further behind reloads.
CHANGE_LOG_KEEP = 50_000
#: The prune trigger runs when ``seq`` is a multiple of this.
CHANGE_LOG_PRUNE_EVERY = 512

_EPOCH_NOW = "((julianday('now') - 2440587.5) * 86400.0)"

SEED_SQL = """
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  parent_id TEXT,
  title TEXT NOT NULL,
  status TEXT DEFAULT 'pending',
  priority TEXT DEFAULT 'medium',
  required_skills TEXT,
  dependencies TEXT,
  claimed_by TEXT,
  session_id TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,
  name TEXT,
  status TEXT DEFAULT 'idle',
  skills TEXT,
  session_id TEXT,
  last_heartbeat DATETIME
);
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  from_agent TEXT,
  to_agent TEXT,
  payload TEXT,
  thread_id TEXT,
  timestamp DATETIME DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS file_reservations (
  id TEXT PRIMARY KEY,
  agent_id TEXT,
  task_id TEXT,
  file_path TEXT,
  reservation_type TEXT,
  status TEXT DEFAULT 'active',
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS memories (
  id TEXT PRIMARY KEY,
  type TEXT,
  content TEXT,
  importance REAL DEFAULT 0.5,
  embedding F32_BLOB(1536),
  metadata TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP
);
"""


def _change_triggers(table: str, key_expr_new: str, key_expr_old: str, feed_name: str) -> str:
    return f"""
CREATE TRIGGER IF NOT EXISTS {table}_feed_insert AFTER INSERT ON {table} BEGIN
  INSERT INTO change_log(tbl, row_id, op, at) VALUES ('{feed_name}', {key_expr_new}, 'insert', {_EPOCH_NOW});
END;
CREATE TRIGGER IF NOT EXISTS {table}_feed_update AFTER UPDATE ON {table} BEGIN
  INSERT INTO change_log(tbl, row_id, op, at) VALUES ('{feed_name}', {key_expr_new}, 'update', {_EPOCH_NOW});
END;
CREATE TRIGGER IF NOT EXISTS {table}_feed_delete AFTER DELETE ON {table} BEGIN
  INSERT INTO change_log(tbl, row_id, op, at) VALUES ('{feed_name}', {key_expr_old}, 'delete', {_EPOCH_NOW});
END;
"""


CORE_SQL = f"""
CREATE TABLE IF NOT EXISTS jetpack_meta (key TEXT PRIMARY KEY, value TEXT);

ALTER TABLE tasks ADD COLUMN description TEXT;
ALTER TABLE tasks ADD COLUMN updated_at REAL;
ALTER TABLE tasks ADD COLUMN claimed_at REAL;
ALTER TABLE tasks ADD COLUMN lease_expires_at REAL;
ALTER TABLE tasks ADD COLUMN claim_token INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3;
ALTER TABLE tasks ADD COLUMN available_at REAL;
ALTER TABLE tasks ADD COLUMN last_error TEXT;
ALTER TABLE tasks ADD COLUMN result TEXT;
ALTER TABLE tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tasks ADD COLUMN last_actor TEXT;
ALTER TABLE tasks ADD COLUMN last_action TEXT;
ALTER TABLE tasks ADD COLUMN priority_rank INTEGER;
CREATE INDEX IF NOT EXISTS tasks_claim_order ON tasks(status, priority_rank, created_at);
CREATE INDEX IF NOT EXISTS tasks_owner ON tasks(claimed_by, status);
CREATE INDEX IF NOT EXISTS tasks_parent ON tasks(parent_id);
CREATE INDEX IF NOT EXISTS tasks_created ON tasks(created_at);

-- priority_rank orders claims (critical first); kept by trigger so that rows
-- written by any client get it, and stays a plain column (portable to Turso).
CREATE TRIGGER IF NOT EXISTS tasks_rank_insert AFTER INSERT ON tasks
WHEN NEW.priority_rank IS NOT (CASE NEW.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1
  WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END)
BEGIN
  UPDATE tasks SET priority_rank = (CASE NEW.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1
    WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END) WHERE id = NEW.id;
END;
CREATE TRIGGER IF NOT EXISTS tasks_rank_update AFTER UPDATE OF priority ON tasks
WHEN NEW.priority_rank IS NOT (CASE NEW.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1
  WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END)
BEGIN
  UPDATE tasks SET priority_rank = (CASE NEW.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1
    WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END) WHERE id = NEW.id;
END;

-- A writer that does not bump version (another client, the sqlite3 shell)
-- still makes the row's version grow, so stale operator screens are caught.
-- Lease renewals (lease_expires_at, updated_at only) are not a change an
-- operator acts on, so they leave the version alone.
CREATE TRIGGER IF NOT EXISTS tasks_version_bump AFTER UPDATE ON tasks
WHEN NEW.version IS OLD.version AND (
  NEW.status IS NOT OLD.status OR NEW.claimed_by IS NOT OLD.claimed_by
  OR NEW.claim_token IS NOT OLD.claim_token OR NEW.priority IS NOT OLD.priority
  OR NEW.title IS NOT OLD.title OR NEW.description IS NOT OLD.description
  OR NEW.dependencies IS NOT OLD.dependencies OR NEW.required_skills IS NOT OLD.required_skills
  OR NEW.parent_id IS NOT OLD.parent_id OR NEW.result IS NOT OLD.result
  OR NEW.attempts IS NOT OLD.attempts OR NEW.max_attempts IS NOT OLD.max_attempts)
BEGIN
  UPDATE tasks SET version = OLD.version + 1, updated_at = {_EPOCH_NOW},
    last_action = 'external', last_actor = NULL WHERE id = NEW.id;
END;

-- Plain INTEGER PRIMARY KEYs (no AUTOINCREMENT: it costs a sqlite_sequence
-- write per row on the claim's hot path).  Ids stay monotonic because rows
-- are never deleted (task_events) or only an old prefix is (change_log).
CREATE TABLE IF NOT EXISTS task_events (
  id INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL,
  at REAL NOT NULL,
  actor TEXT,
  action TEXT,
  from_status TEXT,
  to_status TEXT,
  from_owner TEXT,
  to_owner TEXT,
  claim_token INTEGER
);
CREATE INDEX IF NOT EXISTS task_events_task ON task_events(task_id, id);
CREATE TRIGGER IF NOT EXISTS tasks_audit_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO task_events(task_id, at, actor, action, from_status, to_status, from_owner, to_owner, claim_token)
  VALUES (NEW.id, {_EPOCH_NOW}, NEW.last_actor, coalesce(NEW.last_action, 'create'), NULL, NEW.status,
          NULL, NEW.claimed_by, NEW.claim_token);
END;
CREATE TRIGGER IF NOT EXISTS tasks_audit_update AFTER UPDATE ON tasks
WHEN (OLD.status IS NOT NEW.status OR OLD.claimed_by IS NOT NEW.claimed_by
      OR OLD.claim_token IS NOT NEW.claim_token OR OLD.priority IS NOT NEW.priority)
BEGIN
  INSERT INTO task_events(task_id, at, actor, action, from_status, to_status, from_owner, to_owner, claim_token)
  VALUES (NEW.id, {_EPOCH_NOW}, NEW.last_actor,
          CASE WHEN NEW.version IS OLD.version THEN 'external' ELSE NEW.last_action END,
          OLD.status, NEW.status, OLD.claimed_by, NEW.claimed_by, NEW.claim_token);
END;

ALTER TABLE agents ADD COLUMN registered_at REAL;
ALTER TABLE agents ADD COLUMN heartbeat_at REAL;
ALTER TABLE agents ADD COLUMN current_task TEXT;
ALTER TABLE agents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX IF NOT EXISTS agents_heartbeat ON agents(heartbeat_at);

CREATE TABLE IF NOT EXISTS leases (
  resource TEXT PRIMARY KEY,
  agent_id TEXT,
  token INTEGER NOT NULL DEFAULT 0,
  acquired_at REAL,
  expires_at REAL,
  released_at REAL
);
CREATE INDEX IF NOT EXISTS leases_agent ON leases(agent_id);

ALTER TABLE messages ADD COLUMN task_id TEXT;
ALTER TABLE messages ADD COLUMN sent_at REAL;
CREATE INDEX IF NOT EXISTS messages_thread ON messages(thread_id, timestamp);
CREATE INDEX IF NOT EXISTS messages_task ON messages(task_id);
CREATE INDEX IF NOT EXISTS messages_sent ON messages(sent_at);
CREATE TABLE IF NOT EXISTS message_recipients (
  message_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  read_at REAL,
  acked_at REAL,
  PRIMARY KEY (message_id, agent_id)
);
CREATE INDEX IF NOT EXISTS message_recipients_agent ON message_recipients(agent_id, read_at);

ALTER TABLE file_reservations ADD COLUMN expires_at REAL;
ALTER TABLE file_reservations ADD COLUMN released_at REAL;
ALTER TABLE file_reservations ADD COLUMN created_epoch REAL;
CREATE INDEX IF NOT EXISTS reservations_status ON file_reservations(status, file_path);
CREATE INDEX IF NOT EXISTS reservations_agent ON file_reservations(agent_id, status);
CREATE INDEX IF NOT EXISTS reservations_task ON file_reservations(task_id, status);

ALTER TABLE memories ADD COLUMN task_id TEXT;
ALTER TABLE memories ADD COLUMN agent_id TEXT;
ALTER TABLE memories ADD COLUMN embedder TEXT;
CREATE INDEX IF NOT EXISTS memories_task ON memories(task_id);
CREATE INDEX IF NOT EXISTS memories_type ON memories(type, importance);

CREATE TABLE IF NOT EXISTS change_log (
  seq INTEGER PRIMARY KEY,
  tbl TEXT NOT NULL,
  row_id TEXT,
  op TEXT NOT NULL,
  at REAL
);
CREATE TRIGGER IF NOT EXISTS change_log_prune AFTER INSERT ON change_log
WHEN NEW.seq % {CHANGE_LOG_PRUNE_EVERY} = 0
BEGIN
  DELETE FROM change_log WHERE seq <= NEW.seq - {CHANGE_LOG_KEEP};
END;
{_change_triggers("tasks", "NEW.id", "OLD.id", "tasks")}
{_change_triggers("agents", "NEW.id", "OLD.id", "agents")}
{_change_triggers("messages", "NEW.id", "OLD.id", "messages")}
{_change_triggers("message_recipients", "NEW.message_id", "OLD.message_id", "messages")}
{_change_triggers("file_reservations", "NEW.id", "OLD.id", "file_reservations")}
{_change_triggers("memories", "NEW.id", "OLD.id", "memories")}
{_change_triggers("leases", "NEW.resource", "OLD.resource", "leases")}
"""


#: FTS5 over memories.content, external content (the text is stored once, in
#: memories) keyed by rowid and kept in sync by triggers for every writer.
#: Exact words, no stemming: inflections are the vector side's job, and plain
#: terms let ``memories_fts_vocab`` tell how common a query word is (a word in
#: most memories would make BM25 score them all: ~35 ms at 100k).
#: Turso's engine has no FTS5: its migration runner skips the virtual tables
#: and every statement naming them (keyword search then scans instead).
#: VACUUM keeps these rowids in practice; ``dl.memories.rebuild_keyword_index()``
#: re-indexes if a tool ever renumbers them.
MEMORY_KEYWORD_SQL = """
CREATE INDEX IF NOT EXISTS memories_created ON memories(created_at);
CREATE INDEX IF NOT EXISTS memories_agent ON memories(agent_id);
CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5(
  content, content='memories', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts_vocab USING fts5vocab(memories_fts, 'row');
CREATE TRIGGER IF NOT EXISTS memories_fts_insert AFTER INSERT ON memories BEGIN
  INSERT INTO memories_fts(rowid, content) VALUES (NEW.rowid, NEW.content);
END;
CREATE TRIGGER IF NOT EXISTS memories_fts_delete AFTER DELETE ON memories BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, content) VALUES ('delete', OLD.rowid, OLD.content);
END;
CREATE TRIGGER IF NOT EXISTS memories_fts_update AFTER UPDATE OF content ON memories BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, content) VALUES ('delete', OLD.rowid, OLD.content);
  INSERT INTO memories_fts(rowid, content) VALUES (NEW.rowid, NEW.content);
END;
INSERT INTO memories_fts(memories_fts) VALUES ('rebuild');
"""


#: The task board lists every status by priority, then age: without this
#: index a page at offset 50,000 of 100k tasks sorted (88 ms, measured).
BOARD_ORDER_SQL = """
CREATE INDEX IF NOT EXISTS tasks_board_order ON tasks(priority_rank, created_at, id);
"""


#: Operator insight (``jetpack_tui.data.insight``): time travel and trends
#: read the audit log by time, and keep what they derive from it.
#:
#: * ``task_events_at``: the one index added to the claim's write path (one
#:   b-tree append per audit row; see bench/insight.py for its claim cost).
#:   It finds "the last event at or before T" in one seek and bounds every
#:   window scan to the events in the window.
#: * ``history_checkpoints``: every task's status and owner after audit row
#:   ``event_id`` (a compressed columnar blob), written every N events by a
#:   DataLayer that reads history, never by a trigger: the state at any moment
#:   is the nearest checkpoint plus at most N events.  ``new_ids`` holds only
#:   the task ids first seen since the previous checkpoint (the full list is
#:   their concatenation), so a checkpoint costs bytes per task, not an id.
#: * ``history_minutes``: one row per minute of the audit log (counts of
#:   what happened, queue depth and agents at the minute's end, the waits
#:   from ready to claimed, float32 seconds), so a 7-day trend reads ~10k
#:   small rows instead of every event.  ``agents_alive``/``agents_idle`` are
#:   NULL where the heartbeat records (the change feed, pruned at 50k rows)
#:   were already gone when the minute was rolled up.
HISTORY_SQL = """
CREATE INDEX IF NOT EXISTS task_events_at ON task_events(at);
CREATE TABLE IF NOT EXISTS history_checkpoints (
  event_id INTEGER PRIMARY KEY,
  at REAL NOT NULL,
  format INTEGER NOT NULL,
  tasks INTEGER NOT NULL,
  new_ids BLOB NOT NULL,
  state BLOB NOT NULL,
  built_at REAL
);
CREATE TABLE IF NOT EXISTS history_minutes (
  minute INTEGER PRIMARY KEY,
  last_event_id INTEGER NOT NULL,
  created INTEGER NOT NULL DEFAULT 0,
  claims INTEGER NOT NULL DEFAULT 0,
  completed INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  retries INTEGER NOT NULL DEFAULT 0,
  operator INTEGER NOT NULL DEFAULT 0,
  ready INTEGER NOT NULL DEFAULT 0,
  blocked INTEGER NOT NULL DEFAULT 0,
  claimed INTEGER NOT NULL DEFAULT 0,
  in_progress INTEGER NOT NULL DEFAULT 0,
  agents_alive INTEGER,
  agents_busy INTEGER NOT NULL DEFAULT 0,
  agents_idle INTEGER,
  waits BLOB
);
"""


#: The board's sort by title: without it a page of 1M tasks sorted by title
#: scanned and sorted the whole table (0.3–0.4 s warm, 12 s cold, holding the
#: GIL).  Titles change rarely, so a claim does not touch this index.
TITLE_ORDER_SQL = """
CREATE INDEX IF NOT EXISTS tasks_title_order ON tasks(title, created_at, id);
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: list[Migration] = [
    Migration(1, "seed tables", SEED_SQL),
    Migration(2, "jetpack core: leases, audit, mail recipients, change feed", CORE_SQL),
    Migration(3, "memories: keyword index", MEMORY_KEYWORD_SQL),
    Migration(4, "tasks: index for the board's default order", BOARD_ORDER_SQL),
    Migration(5, "tasks: readiness, skills key, claim order and counts kept by triggers", CLAIMS_SQL),
    Migration(6, "insight: audit log by time, history checkpoints and minute rollups", HISTORY_SQL),
    Migration(7, "memories: sign sketches of vector search persisted in blocks", SIGNS_SQL),
    Migration(8, "tasks: index for the board's sort by title", TITLE_ORDER_SQL),
]


def latest_version() -> int:
    return MIGRATIONS[-1].version


def statements(sql: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    result: list[str] = []
    current: list[str] = []
    in_trigger = False
    for line in sql.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("--")):
            continue
        current.append(line)
        upper = stripped.upper()
        if upper.startswith("CREATE TRIGGER"):
            in_trigger = True
        if in_trigger:
            if upper == "END;":
                result.append("\n".join(current).rstrip(";"))
                current, in_trigger = [], False
        elif stripped.endswith(";"):
            result.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if current and "".join(current).strip():
        result.append("\n".join(current))
    return result
