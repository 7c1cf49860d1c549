"""The attack table: bad rows another client writes straight into the database.

Each :class:`Attack` is a handful of SQL statements (run by
``tests.conftest.run_foreign_sql`` in a SEPARATE OS process with the stdlib
driver, as an agent in another language or the ``sqlite3`` shell would) and
what a reader must then see: the row's id, the table it is in, and the
values the DataLayer must hand back literally (``expect``: a dotted
attribute path of the decoded model -> the value).

Helpers here also take a logical checksum of a database in another process
(every row of every table) so a test can prove that reading, and showing,
bad rows never writes anything.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

MB = 1024 * 1024

# -- SQL makers -------------------------------------------------------------------


def _big(chars: int, letter: str = "A") -> str:
    """SQL expression: ``chars`` characters of ``letter`` (built by SQLite, not shipped over a pipe)."""
    return f"replace(hex(zeroblob({chars // 2})), '00', '{letter * 2}')"


def task(id: str, title: Any = None, **columns: Any) -> tuple[str, tuple]:
    values = {"id": id, "title": f"task {id}" if title is None else title, **columns}
    names = ", ".join(values)
    return f"INSERT INTO tasks({names}) VALUES ({', '.join('?' for _ in values)})", tuple(values.values())


def task_sql(id: str, title_sql: str, extra: str = "", extra_sql: str = "") -> tuple[str, tuple]:
    """A task whose title (and optionally one more column) is an SQL expression."""
    cols = "id, title" + (f", {extra}" if extra else "")
    vals = f"?, {title_sql}" + (f", {extra_sql}" if extra else "")
    return f"INSERT INTO tasks({cols}) VALUES ({vals})", (id,)


def row(table: str, **columns: Any) -> tuple[str, tuple]:
    names = ", ".join(columns)
    return (f"INSERT INTO {table}({names}) VALUES ({', '.join('?' for _ in columns)})",
            tuple(columns.values()))


def message(id: str, **columns: Any) -> list[tuple[str, tuple]]:
    values = {"id": id, "type": "agent.note", "from_agent": "ext-agent", "to_agent": "ext-peer",
              "payload": '{"text": "hi"}', "thread_id": id, **columns}
    return [row("messages", **values),
            row("message_recipients", message_id=id, agent_id=values["to_agent"] or "nobody")]


@dataclass(frozen=True)
class Attack:
    id: str
    #: Table the attacked row lives in (``tasks``, ``agents``, ``messages``,
    #: ``file_reservations``, ``memories``, ``leases``).
    table: str
    #: Key of the attacked row (what a reader looks it up by).
    key: str | None
    statements: list[tuple[str, tuple]]
    #: Attribute path of the decoded model -> value it must read back as.
    expect: dict[str, Any] = field(default_factory=dict)
    #: Text (cleaned for display) that must be on screen for this row, if any.
    shown: str | None = None
    #: Statements are slow/huge: keep it out of the shared dashboard DB? (never: all are batched)
    note: str = ""


ESC_TITLE = "\x1b[2J\x1b[H screen cleared?"
OSC_TITLE = "\x1b]0;owned terminal title\x07 after"
OSC8 = "\x1b]8;;http://x\x07click me\x1b]8;;\x07"
C1 = "\x9b31m red via C1 \x9b0m"
BIDI = "evil \u202egnp.exe"
MARKUP_BOLD = "[bold]not bold[/bold]"
MARKUP_CLICK = "[@click=app.quit]x[/]"
MARKUP_LINK = "[link=file:///etc/passwd]passwd[/link]"
MIXED = "[@click=app.quit]q[/] \x1b]8;;http://x\x07l\x1b]8;;\x07 \x9b2J [link=file:///etc/passwd]p[/]"

ATTACKS: list[Attack] = [
    # -- broken JSON in every JSON column ----------------------------------------------------
    Attack("task-skills-json", "tasks", "A-skills-json", [task("A-skills-json", required_skills="{not json")],
           {"raw.required_skills": "{not json", "required_skills": []}, "{not json"),
    Attack("task-deps-json", "tasks", "A-deps-json", [task("A-deps-json", dependencies="[unclosed")],
           {"raw.dependencies": "[unclosed", "ready": False}, "[unclosed"),
    Attack("task-result-json", "tasks", "A-result-json",
           [task("A-result-json", status="completed", result="nope{")], {"raw.result": "nope{"}),
    Attack("task-skills-object", "tasks", "A-skills-obj", [task("A-skills-obj", required_skills='{"a": 1}')],
           {"raw.required_skills": '{"a": 1}'}),
    Attack("task-deps-mixed-types", "tasks", "A-deps-types",
           [task("A-deps-types", dependencies='[1, null, {"x": 2}]')], {"ready": False}),
    Attack("agent-skills-json", "agents", "ext-skills", [row("agents", id="ext-skills", skills="[python,")],
           {"raw.skills": "[python,", "skills": []}),
    Attack("message-payload-json", "messages", "M-json", message("M-json", payload="{'single': quotes}"),
           {"raw.payload": "{'single': quotes}", "payload": None}),
    Attack("memory-metadata-json", "memories", "Y-meta",
           [row("memories", id="Y-meta", type="fact", content="metadata broken", metadata="{{{")],
           {"raw.metadata": "{{{", "content": "metadata broken"}),
    # -- unknown enums -------------------------------------------------------------------------
    Attack("task-unknown-status", "tasks", "A-zombie", [task("A-zombie", status="zombie")],
           {"status": "zombie"}, "zombie"),
    Attack("task-unknown-priority", "tasks", "A-urgent", [task("A-urgent", priority="urgent!!")],
           {"priority": "urgent!!"}, "urgent!!"),
    Attack("task-null-status-priority", "tasks", "A-nulls", [task("A-nulls", status=None, priority=None)],
           {"status": "pending", "priority": "medium"}),
    Attack("agent-unknown-status", "agents", "ext-napping", [row("agents", id="ext-napping", status="napping")],
           {"status": "napping"}),
    Attack("reservation-unknown-type-status", "file_reservations", "R-weird",
           [row("file_reservations", id="R-weird", agent_id="ext-agent", file_path="src/weird.py",
                reservation_type="nuke", status="kinda")], {"reservation_type": "nuke", "status": "kinda"}),
    Attack("memory-unknown-type", "memories", "Y-type",
           [row("memories", id="Y-type", type="gossip", content="unknown memory type")], {"type": "gossip"}),
    # -- sizes -----------------------------------------------------------------------------------
    Attack("task-empty-title", "tasks", "A-empty", [task("A-empty", "")], {"title": ""}),
    Attack("task-1mb-title", "tasks", "A-1mb", [task_sql("A-1mb", _big(MB, "T"))], {"title": "T" * MB}),
    Attack("task-10mb-result", "tasks", "A-10mb",
           [task_sql("A-10mb", "'ten megabytes of result'", "result", "'\"' || " + _big(10 * MB, "R") + " || '\"'")],
           {"result": "R" * (10 * MB)}),
    Attack("message-10mb-payload", "messages", "M-10mb",
           [(f"INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id) VALUES"
             f" ('M-10mb', 'agent.dump', 'ext-agent', 'ext-peer', '{{\"blob\": \"' || {_big(10 * MB, 'P')}"
             f" || '\"}}', 'M-10mb')", ())], {"payload.blob": "P" * (10 * MB)}),
    Attack("memory-10mb-content", "memories", "Y-10mb",
           [(f"INSERT INTO memories(id, type, content) VALUES ('Y-10mb', 'fact', {_big(10 * MB, 'C')})", ())],
           {"content": "C" * (10 * MB)}),
    # -- NUL bytes and invalid UTF-8 ------------------------------------------------------------------
    Attack("task-title-nul", "tasks", "A-nul", [task("A-nul", "before\x00after")],
           # libsql-experimental cuts TEXT at the first NUL when reading (upstream); the row still shows
           {"title": "before"}, "before"),
    Attack("task-title-invalid-utf8", "tasks", "A-utf8",
           [task_sql("A-utf8", "CAST(X'4F4B20C328FF20E282' AS TEXT)")], {"title": "OK \ufffd(\ufffd \ufffd"}),
    Attack("agent-name-invalid-utf8", "agents", "ext-utf8",
           [("INSERT INTO agents(id, name) VALUES ('ext-utf8', CAST(X'41FE42' AS TEXT))", ())],
           {"name": "A\ufffdB"}),
    Attack("message-type-invalid-utf8", "messages", "M-utf8",
           [("INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id) VALUES"
             " ('M-utf8', CAST(X'C0AF' AS TEXT), 'ext-agent', 'ext-peer', '{}', 'M-utf8')", ())],
           {"type": "\ufffd\ufffd"}),
    Attack("memory-content-nul", "memories", "Y-nul",
           [row("memories", id="Y-nul", type="fact", content="memo\x00hidden")], {"content": "memo"}),
    Attack("task-title-blob", "tasks", "A-blob",
           [("INSERT INTO tasks(id, title) VALUES ('A-blob', X'626C6F62FF00')", ())], {"title": "blob\ufffd\x00"}),
    # -- text that looks like markup, links, actions ----------------------------------------------------
    Attack("task-markup-bold", "tasks", "A-bold", [task("A-bold", MARKUP_BOLD)], {"title": MARKUP_BOLD},
           MARKUP_BOLD),
    Attack("task-markup-click", "tasks", "A-click", [task("A-click", MARKUP_CLICK)], {"title": MARKUP_CLICK},
           MARKUP_CLICK),
    Attack("task-markup-link", "tasks", "A-link", [task("A-link", MARKUP_LINK)], {"title": MARKUP_LINK},
           MARKUP_LINK),
    Attack("agent-name-markup", "agents", "ext-markup", [row("agents", id="ext-markup", name=MIXED)],
           {"name": MIXED}),
    Attack("message-type-markup", "messages", "M-markup",
           message("M-markup", type=MARKUP_CLICK, from_agent=MARKUP_LINK), {"type": MARKUP_CLICK,
                                                                             "from_agent": MARKUP_LINK}),
    Attack("reservation-path-markup", "file_reservations", "R-markup",
           [row("file_reservations", id="R-markup", agent_id="ext-agent", file_path="[red]src/**[/red]",
                reservation_type="edit", status="active")], {"file_path": "[red]src/**[/red]"}),
    Attack("task-id-markup", "tasks", "[bold]A-id[/]", [task("[bold]A-id[/]", "id looks like markup")],
           {"id": "[bold]A-id[/]"}),
    # -- terminal escape sequences --------------------------------------------------------------------------
    Attack("task-ansi-clear", "tasks", "A-ansi", [task("A-ansi", ESC_TITLE)], {"title": ESC_TITLE}),
    Attack("task-osc-title", "tasks", "A-osc", [task("A-osc", OSC_TITLE)], {"title": OSC_TITLE}),
    Attack("task-osc8-link", "tasks", "A-osc8", [task("A-osc8", OSC8)], {"title": OSC8}),
    Attack("task-c1-csi", "tasks", "A-c1", [task("A-c1", C1)], {"title": C1}),
    Attack("task-bidi-override", "tasks", "A-bidi", [task("A-bidi", BIDI)], {"title": BIDI}),
    Attack("memory-content-escapes", "memories", "Y-esc",
           [row("memories", id="Y-esc", type="fact", content=MIXED + " " + ESC_TITLE)],
           {"content": MIXED + " " + ESC_TITLE}),
    Attack("message-payload-escapes", "messages", "M-esc",
           message("M-esc", payload='{"text": "\\u001b[2J\\u009b31m\\u001b]0;t\\u0007"}'),
           {"payload.text": "\x1b[2J\x9b31m\x1b]0;t\x07"}),
    # -- embeddings ------------------------------------------------------------------------------------------------
    Attack("memory-embedding-short", "memories", "Y-short",
           [("INSERT INTO memories(id, type, content, embedding, embedder) VALUES"
             " ('Y-short', 'fact', 'short vector', X'0000803F0000803F', 'hash-v1:1536')", ())],
           {"embedding_status": "invalid"}),
    Attack("memory-embedding-null", "memories", "Y-null",
           [row("memories", id="Y-null", type="fact", content="no vector", embedding=None, embedder="hash-v1:1536")],
           {"embedding_status": "none"}),
    Attack("memory-embedding-text", "memories", "Y-text",
           [row("memories", id="Y-text", type="fact", content="text vector", embedding="[0.1, 0.2]",
                embedder="hash-v1:1536")], {"embedding_status": "invalid"}),
    Attack("memory-embedding-nan", "memories", "Y-nan",
           [row("memories", id="Y-nan", type="fact", content="nan vector", embedding="hex:" + "0000c07f" * 1536,
                embedder="hash-v1:1536")], {"content": "nan vector", "embedding_status": "invalid"}),
    Attack("memory-importance-garbage", "memories", "Y-imp",
           [row("memories", id="Y-imp", type="fact", content="importance text", importance="very")],
           {"importance": 0.5, "raw.importance": "very"}),
    Attack("memory-importance-huge", "memories", "Y-imp2",
           [row("memories", id="Y-imp2", type="fact", content="importance huge", importance=1e308)],
           {"importance": 1.0}),
    # -- timestamps -------------------------------------------------------------------------------------------------
    Attack("task-created-iso-z", "tasks", "A-iso", [task("A-iso", created_at="2026-01-18T10:00:00.250Z")],
           {"created_at": 1768730400.25}),
    Attack("task-created-offset", "tasks", "A-offset", [task("A-offset", created_at="2026-01-18 12:00:00+02:00")],
           {"created_at": 1768730400.0}),
    Attack("task-created-epoch-ms", "tasks", "A-ms", [task("A-ms", created_at=1768730400123)],
           {"created_at": 1768730400.123}),
    Attack("task-created-nonsense", "tasks", "A-when", [task("A-when", created_at="yesterday-ish")],
           {"created_at": None, "raw.created_at": "yesterday-ish"}, "yesterday-ish"),
    Attack("task-created-blob-and-real-cols-text", "tasks", "A-times",
           [task("A-times", status="claimed", claimed_by="ext-agent", created_at="hex:00ff",
                 lease_expires_at="soon", updated_at="never", claimed_at=-5, attempts="many",
                 claim_token="abc", version="v9")], {"lease_expires_at": None, "attempts": 0}),
    Attack("agent-heartbeat-nonsense", "agents", "ext-beat",
           [row("agents", id="ext-beat", last_heartbeat="a while ago", heartbeat_at="text")],
           {"liveness": "dead", "raw.last_heartbeat": "a while ago"}),
    Attack("agent-heartbeat-future", "agents", "ext-future",
           [row("agents", id="ext-future", last_heartbeat="2999-01-01 00:00:00")], {"id": "ext-future"}),
    Attack("message-timestamp-garbage", "messages", "M-time",
           message("M-time", timestamp="the other day", sent_at="later"), {"sent_at": None}),
    Attack("reservation-expiry-text", "file_reservations", "R-exp",
           [row("file_reservations", id="R-exp", agent_id="ext-agent", file_path="src/exp.py",
                reservation_type="edit", status="active", expires_at="tomorrow", created_at="whenever")],
           {"file_path": "src/exp.py"}),
    Attack("lease-expiry-text", "leases", "L-text",
           [row("leases", resource="L-text", agent_id="ext-agent", token=7, acquired_at="now", expires_at="later")],
           {"token": 7, "expires_at": None}),
    # -- graph shapes ---------------------------------------------------------------------------------------------------
    Attack("task-dependency-cycle", "tasks", "A-cyc1",
           [task("A-cyc1", dependencies='["A-cyc2"]'), task("A-cyc2", dependencies='["A-cyc1"]')],
           {"ready": False, "dependencies": ["A-cyc2"]}),
    Attack("task-dangling-dependency", "tasks", "A-dangle", [task("A-dangle", dependencies='["ghost-task"]')],
           {"ready": False, "dependencies": ["ghost-task"]}),
    Attack("task-self-dependency", "tasks", "A-selfdep", [task("A-selfdep", dependencies='["A-selfdep"]')],
           {"ready": False}),
    Attack("task-self-parent", "tasks", "A-selfpar", [task("A-selfpar", parent_id="A-selfpar")],
           {"parent_id": "A-selfpar"}),
    Attack("task-parent-cycle", "tasks", "A-par1",
           [task("A-par1", parent_id="A-par2"), task("A-par2", parent_id="A-par1")], {"parent_id": "A-par2"}),
    Attack("task-claimed-by-unknown", "tasks", "A-orphan",
           [task("A-orphan", status="in_progress", claimed_by="ghost-agent", lease_expires_at=1.0, claim_token=3)],
           {"claimed_by": "ghost-agent"}),
    # -- volume and strangers ---------------------------------------------------------------------------------------------
    Attack("message-10k-threads", "messages", "T-00042",
           [("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)"
             " INSERT INTO messages(id, type, from_agent, to_agent, payload, thread_id, timestamp)"
             " SELECT printf('T-%05d', i), 'agent.chatter', 'ext-agent', 'ext-peer', '{\"i\":' || i || '}',"
             " printf('T-%05d', i), '2020-01-18 09:00:00' FROM n", ())], {"payload.i": 42}),
    Attack("message-to-unknown-agent", "messages", "M-ghost", message("M-ghost", to_agent="agent-who-never-was"),
           {"to_agent": "agent-who-never-was"}),
    Attack("message-null-everything", "messages", "M-null",
           [("INSERT INTO messages(id, type) VALUES ('M-null', '')", ())], {"type": ""}),
    Attack("recipient-orphan", "messages", None,
           [row("message_recipients", message_id="no-such-message", agent_id="ext-peer")]),
    Attack("agent-null-id", "agents", None, [("INSERT INTO agents(id, name) VALUES (NULL, 'nameless')", ())]),
    # -- the schema itself: a foreign table whose name needs quoting (was spliced into PRAGMA SQL) ---------
    Attack("foreign-table-quoted-name", "tasks", None,
           [('CREATE TABLE "evil""name" (x)', ()), ('CREATE TABLE "a""); DROP TABLE tasks; --" (y)', ())]),
    Attack("reservation-null-path", "file_reservations", "R-null",
           [row("file_reservations", id="R-null", agent_id=None, file_path=None, reservation_type=None,
                status="active")], {"file_path": None}),
]

ATTACK_IDS = [a.id for a in ATTACKS]
assert len(set(ATTACK_IDS)) == len(ATTACK_IDS)


# -- reading a model attribute path -------------------------------------------------------


def dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, dict):
            obj = obj[part]
        else:
            obj = getattr(obj, part)
    return obj


# -- logical checksum, in a separate process ------------------------------------------------

_CHECKSUM = r"""
import hashlib, sqlite3, sys
conn = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
conn.text_factory = bytes
h = hashlib.sha256()
master = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
h.update(repr(master).encode())
for kind, name, _tbl, sql in master:
    # text_factory is bytes: compare bytes, or every table is skipped (and
    # only the schema is hashed: deleting every row would go unnoticed)
    if kind != b"table" or (sql or b"").upper().startswith(b"CREATE VIRTUAL"):
        continue
    table = name.decode()
    rows = conn.execute('SELECT * FROM "%s"' % table.replace('"', '""')).fetchall()
    rows.sort(key=repr)
    h.update(table.encode())
    for r in rows:
        h.update(repr(r).encode())
print(h.hexdigest(), sum(1 for _ in master))
conn.close()
"""


def logical_checksum(path: str) -> str:
    """sha256 over the schema and every row of every table, read by another process."""
    out = subprocess.run([sys.executable, "-c", _CHECKSUM, path], capture_output=True, text=True,
                         check=True, timeout=120)
    return out.stdout.split()[0]


def checksum_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
